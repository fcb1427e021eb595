/**
 * The memory limiter (issue 13): over its soft limit the receivers refuse with 429 + Retry-After (gRPC
 * RESOURCE_EXHAUSTED) before decoding, nothing is queued, the self-metric shows it; below, data flows again.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { adapterSchemas } from '../../src/adapters/registry.js';
import { resolveConfig } from '../../src/config/load.js';
import { MemoryLimiter } from '../../src/ingest/memory-limiter.js';
import { IngestRefusedError } from '../../src/delivery/ingest-sink.js';
import { backendUrl } from '../support/backends.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const body = JSON.stringify({
  resourceMetrics: [
    {
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'limiter' } }] },
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'limiter.gauge',
              gauge: { dataPoints: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), asDouble: 1 }] },
            },
          ],
        },
      ],
    },
  ],
});
const post = (gateway: TestGateway) =>
  fetch(`${gateway.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
const metric = async (gateway: TestGateway, pattern: RegExp) => pattern.exec(await (await fetch(`${gateway.adminUrl}/metrics`)).text())?.[1];

/** One unary OTLP/gRPC metrics export of an empty request; resolves with the status code. */
function grpcExport(address: string): Promise<grpc.status> {
  const client = new grpc.Client(address.replace(/^http:\/\//, ''), grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      (error) => {
        client.close();
        resolve(error ? error.code : grpc.status.OK);
      },
    );
  });
}

function gateway(limit: string): Promise<TestGateway> {
  return startTestGateway({
    memory_limiter: { limit, check_interval: '100ms' },
    backends: { vm: { kind: 'prometheus', url: `${backendUrl('victoria')}/api/v1/write`, delivery: { paused: true } } },
  });
}

describe('memory limiter', () => {
  const running: TestGateway[] = [];
  after(async () => {
    for (const g of running) await g.dispose();
  });

  it('over the soft limit: 429 with Retry-After and gRPC RESOURCE_EXHAUSTED, nothing queued, the gauge at 1', async () => {
    const g = await gateway('1MiB'); // any process is over that
    running.push(g);
    const response = await post(g);
    assert.equal(response.status, 429);
    assert.ok(Number(response.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
    assert.match(await response.text(), /memory soft limit/);
    assert.equal(await grpcExport(g.grpcUrl), grpc.status.RESOURCE_EXHAUSTED);
    assert.equal(await metric(g, /^manifold_memory_limiter_refusing (\d+)/m), '1');
    assert.equal(await metric(g, /^manifold_queue_jobs\{backend="vm"\} (\d+)/m), '0', 'nothing queued');
    assert.equal(await metric(g, /^manifold_receiver_requests_total\{signal="metrics",transport="http",outcome="refused"\} (\d+)/m), '1');
  });

  it('under it: accepted and queued, the gauge at 0', async () => {
    const g = await gateway('64GiB');
    running.push(g);
    assert.equal((await post(g)).status, 200);
    assert.equal(await metric(g, /^manifold_memory_limiter_refusing (\d+)/m), '0');
    assert.equal(await metric(g, /^manifold_queue_jobs\{backend="vm"\} (\d+)/m), '1');
  });

  it('refuses from limit - spike_limit on and accepts again once memory falls below it', async () => {
    let rss = 700;
    const limiter = new MemoryLimiter({ limit: 1000, spike_limit: 200, check_interval: 1000 }, pino({ level: 'silent' }), () => rss);
    let decoded = 0;
    const decoder = limiter.guard({
      decode: async () => {
        decoded++;
        return {} as never;
      },
      pending: 0,
      close: async () => {},
    });
    limiter.check();
    await decoder.decode('metrics', new Uint8Array(), 'json');
    for (const [now, refusing] of [
      [799, false],
      [800, true],
      [1200, true],
      [799, false],
    ] as const) {
      rss = now;
      limiter.check();
      assert.equal(limiter.refusing, refusing, `at ${now} of soft limit 800`);
      const outcome = await decoder.decode('metrics', new Uint8Array(), 'json').then(
        () => 'decoded',
        (error: unknown) => error,
      );
      if (refusing)
        assert.ok(outcome instanceof IngestRefusedError && outcome.reason === 'overloaded' && outcome.retryAfterMs >= 1000, String(outcome));
      else assert.equal(outcome, 'decoded');
    }
    assert.equal(decoded, 3, 'nothing decoded while refusing');
  });

  it('is off by default; spike_limit defaults to 20% and must stay below the limit, named in the error', () => {
    const resolve = (memory_limiter: unknown) => resolveConfig({ memory_limiter }, {}, adapterSchemas, 'test.yaml').gateway.memory_limiter;
    assert.equal(resolveConfig({}, {}, adapterSchemas, 'test.yaml').gateway.memory_limiter.limit, 0);
    assert.equal(resolve({ limit: '1GiB' }).spike_limit, Math.floor(1024 ** 3 * 0.2));
    assert.throws(() => resolve({ limit: '1GiB', spike_limit: '2GiB' }), /memory_limiter\.spike_limit/);
  });
});
