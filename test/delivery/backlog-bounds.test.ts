/**
 * Guarantee 2's bounds: a backend whose backlog reaches its bound gets the configured policy. `refuse`
 * answers 429 with Retry-After (the sender keeps the data and retries); `drop_oldest` keeps accepting and
 * drops the oldest queued data, counted. Either way the metrics show it. The backend is paused so the
 * backlog only grows.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { startTestGateway } from '../support/gateway.js';

function request(spans: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bounds' } }] },
        scopeSpans: [
          {
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId: randomBytes(16).toString('hex'),
              spanId: randomBytes(8).toString('hex'),
              name: `op ${i}`,
              startTimeUnixNano: String(now),
              endTimeUnixNano: String(now + 1000n),
              attributes: [{ key: 'pad', value: { stringValue: 'x'.repeat(200) } }],
            })),
          },
        ],
      },
    ],
  });
}

const post = (url: string, body: string) => fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

function metric(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

test('refuse: past the byte bound new data gets 429 with Retry-After, nothing is lost or half-accepted', async () => {
  const gateway = await startTestGateway({
    backends: {
      capped: {
        kind: 'postgres',
        url: 'postgresql://nobody@127.0.0.1:1/none',
        delivery: { paused: true, backlog: { max_bytes: '64KiB', policy: 'refuse' } },
      },
    },
  });
  try {
    let accepted = 0;
    let refused: Response | undefined;
    for (let i = 0; i < 100 && !refused; i++) {
      const response = await post(gateway.httpUrl, request(50));
      if (response.status === 200) accepted++;
      else refused = response;
      await response.arrayBuffer().catch(() => undefined);
    }
    assert.ok(refused, 'the bound was reached');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    assert.ok(accepted >= 1);
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    assert.equal(metric(metrics, 'manifold_receiver_items_total', 'signal="traces",transport="http",result="accepted"'), accepted * 50);
    assert.equal(metric(metrics, 'manifold_receiver_items_total', 'signal="traces",transport="http",result="refused"'), 50);
    assert.equal(metric(metrics, 'manifold_queue_items', 'backend="capped"'), accepted * 50, 'the queue holds exactly what was acknowledged');
    assert.ok(metric(metrics, 'manifold_queue_bytes', 'backend="capped"') <= 64 * 1024);
  } finally {
    await gateway.dispose();
  }
});

test('refuse: past the age bound new data gets 429', async () => {
  const gateway = await startTestGateway({
    backends: {
      stale: {
        kind: 'postgres',
        url: 'postgresql://nobody@127.0.0.1:1/none',
        delivery: { paused: true, backlog: { max_age: '300ms', policy: 'refuse' } },
      },
    },
  });
  try {
    assert.equal((await post(gateway.httpUrl, request(5))).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const response = await post(gateway.httpUrl, request(5));
    assert.equal(response.status, 429);
    assert.match(await response.text(), /stale/);
  } finally {
    await gateway.dispose();
  }
});

test('drop_oldest: everything is acknowledged, the oldest data is dropped and counted, the backlog stays bounded', async () => {
  const gateway = await startTestGateway({
    backends: {
      lossy: {
        kind: 'postgres',
        url: 'postgresql://nobody@127.0.0.1:1/none',
        delivery: { paused: true, backlog: { max_bytes: '64KiB', policy: 'drop_oldest' } },
      },
    },
  });
  try {
    for (let i = 0; i < 40; i++) assert.equal((await post(gateway.httpUrl, request(50))).status, 200);
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    const dropped = metric(metrics, 'manifold_backend_dropped_items_total', 'backend="lossy",reason="backlog_full_drop_oldest"');
    const queued = metric(metrics, 'manifold_queue_items', 'backend="lossy"');
    assert.ok(dropped > 0, 'drops are counted');
    assert.equal(dropped + queued, 40 * 50, 'every item is either queued or counted as dropped');
    assert.ok(metric(metrics, 'manifold_queue_bytes', 'backend="lossy"') <= 64 * 1024);
  } finally {
    await gateway.dispose();
  }
});

test('refuse over gRPC: RESOURCE_EXHAUSTED with google.rpc.RetryInfo in the status details', async () => {
  const gateway = await startTestGateway({
    backends: {
      capped: {
        kind: 'postgres',
        url: 'postgresql://nobody@127.0.0.1:1/none',
        delivery: { paused: true, backlog: { max_bytes: '16KiB', policy: 'refuse' } },
      },
    },
  });
  const recorded = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(recorded)] });
  for (let i = 0; i < 100; i++)
    provider
      .getTracer('t')
      .startSpan(`op ${i}`, { attributes: { pad: 'x'.repeat(100) } })
      .end();
  const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(recorded.getFinishedSpans())!);
  const client = new grpc.Client(gateway.endpoints.grpc!, grpc.credentials.createInsecure());
  const call = () =>
    new Promise<grpc.ServiceError | null>((resolve) => {
      client.makeUnaryRequest(
        '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        (error) => resolve(error),
      );
    });
  try {
    let refused: grpc.ServiceError | null = null;
    for (let i = 0; i < 50 && !refused; i++) refused = await call();
    assert.ok(refused, 'the bound was reached');
    assert.equal(refused.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(refused.details, /capped/);
    const [details] = refused.metadata.get('grpc-status-details-bin') as Buffer[];
    assert.ok(details, 'status details are present');
    // google.rpc.Status { code = 1; message = 2; repeated google.protobuf.Any details = 3 }
    const reader = protobuf.Reader.create(details);
    let typeUrl = '';
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag >>> 3 === 3) {
        const any = protobuf.Reader.create(reader.bytes());
        any.uint32();
        typeUrl = any.string();
      } else reader.skipType(tag & 7);
    }
    assert.equal(typeUrl, 'type.googleapis.com/google.rpc.RetryInfo');
  } finally {
    client.close();
    await gateway.dispose();
  }
});
