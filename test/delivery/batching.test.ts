/**
 * Batching toward a backend (max_delay, max_items) and per-backend concurrency, against real servers: small
 * requests coalesce into few writes; max_items caps a write; a strict Prometheus written with 4 parallel streams
 * still gets every series in order (no out-of-order refusals); PostgreSQL written by 4 lanes holds each span once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const run = randomBytes(3).toString('hex');

/** OTLP/JSON gauges: `series` points, one per series `<name>{k="0".."n-1"}`, at `ms`. */
function gauges(name: string, series: number, ms: number, value: number): string {
  const time = String(BigInt(ms) * 1_000_000n);
  const dataPoints = Array.from({ length: series }, (_, i) => ({
    timeUnixNano: time,
    asDouble: value + i,
    attributes: [{ key: 'k', value: { stringValue: String(i) } }],
  }));
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: `batching_${run}` } }] },
        scopeMetrics: [{ metrics: [{ name, gauge: { dataPoints } }] }],
      },
    ],
  });
}

async function post(gateway: TestGateway, path: string, body: string): Promise<void> {
  const response = await fetch(`${gateway.httpUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(response.status, 200, await response.text());
}

/** One sample of the gateway's own metrics, summed over label sets that match `labels`. */
async function selfMetric(gateway: TestGateway, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

const writes = (gateway: TestGateway, backend: string) =>
  selfMetric(gateway, 'manifold_backend_write_duration_seconds_count', `backend="${backend}",result="ok"`);
const written = (gateway: TestGateway, backend: string) => selfMetric(gateway, 'manifold_backend_written_items_total', `backend="${backend}"`);

async function victoriaSeries(match: string): Promise<number> {
  await fetch(`${backendUrl('victoria')}/internal/force_flush`);
  const response = await fetch(`${backendUrl('victoria')}/api/v1/series?match[]=${encodeURIComponent(match)}`);
  return ((await response.json()) as { data: unknown[] }).data.length;
}

test('small requests coalesce into few writes within max_delay', async () => {
  const gateway = await startTestGateway({
    backends: { vm: { kind: 'prometheus', url: `${backendUrl('victoria')}/api/v1/write`, delivery: { batch: { max_delay: '1500ms' } } } },
  });
  try {
    const name = `coalesce_${run}`;
    const now = Date.now();
    // One after another, 40 ms apart: without the delay each would be its own write (as with max_delay 0).
    for (let i = 0; i < 20; i++) {
      await post(gateway, '/v1/metrics', gauges(`${name}_${i}`, 1, now, i));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    await eventually(
      () => written(gateway, 'vm'),
      (n) => n === 20,
      15_000,
      '20 points written',
    );
    const count = await writes(gateway, 'vm');
    assert.ok(count >= 1 && count <= 3, `20 requests within the delay should take 1-3 writes, took ${count}`);
    await eventually(
      () => victoriaSeries(`{__name__=~"${name}_.*"}`),
      (n) => n === 20,
      15_000,
      'the 20 series in VictoriaMetrics',
    );
  } finally {
    await gateway.dispose();
  }
});

test('max_items caps the points of one write (a request is never split)', async () => {
  const gateway = await startTestGateway({
    backends: {
      vm: { kind: 'prometheus', url: `${backendUrl('victoria')}/api/v1/write`, delivery: { batch: { max_items: 4, max_delay: '1500ms' } } },
    },
  });
  try {
    const name = `cap_${run}`;
    const now = Date.now();
    await Promise.all(Array.from({ length: 20 }, (_, i) => post(gateway, '/v1/metrics', gauges(`${name}_${i}`, 2, now, i))));
    await eventually(
      () => written(gateway, 'vm'),
      (n) => n === 40,
      15_000,
      '40 points written',
    );
    const count = await writes(gateway, 'vm');
    assert.ok(count >= 10, `40 points at most 4 per write need at least 10 writes, took ${count}`);
    await eventually(
      () => victoriaSeries(`{__name__=~"${name}_.*"}`),
      (n) => n === 40,
      15_000,
      'the 40 series in VictoriaMetrics',
    );
  } finally {
    await gateway.dispose();
  }
});

test('remote write with concurrency 4 keeps every series in order on a strict Prometheus', async () => {
  const gateway = await startTestGateway({
    backends: {
      prom: {
        kind: 'prometheus',
        url: `${backendUrl('prometheus')}/api/v1/write`,
        max_samples_per_request: 10,
        delivery: { concurrency: 4, batch: { max_delay: 0 }, retry: { initial_interval: '200ms' } },
      },
    },
  });
  try {
    const name = `ordered_${run}`;
    const rounds = 8;
    const start = Date.now() - rounds * 1000;
    // Each round one request of 60 series, a second apart; sent one after another so batches hold whole rounds
    // in time order. 10 samples per request: each batch spreads over 6+ requests on 4 streams.
    for (let round = 0; round < rounds; round++) await post(gateway, '/v1/metrics', gauges(name, 60, start + round * 1000, round));
    await eventually(
      () => written(gateway, 'prom'),
      (n) => n === rounds * 60,
      20_000,
      'every point written',
    );
    assert.equal(await selfMetric(gateway, 'manifold_backend_dead_lettered_items_total', 'backend="prom"'), 0, 'no out-of-order refusals');
    const response = await fetch(
      `${backendUrl('prometheus')}/api/v1/query?query=${encodeURIComponent(`count_over_time(${name}[1h])`)}&time=${(start + rounds * 1000) / 1000}`,
    );
    const result = ((await response.json()) as { data: { result: { value: [number, string] }[] } }).data.result;
    assert.equal(result.length, 60);
    for (const series of result) assert.equal(series.value[1], String(rounds));
  } finally {
    await gateway.dispose();
  }
});

test('PostgreSQL written by 4 lanes at once holds every span exactly once', async () => {
  const schema = `lanes_${run}`;
  const gateway = await startTestGateway({
    backends: { pg: { kind: 'postgres', url: backendUrl('postgres'), schema, delivery: { concurrency: 4, batch: { max_items: 20, max_delay: 0 } } } },
  });
  try {
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = (r: number) =>
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: schema } }] },
            scopeSpans: [
              {
                spans: Array.from({ length: 20 }, (_, i) => ({
                  traceId: randomBytes(16).toString('hex'),
                  spanId: randomBytes(8).toString('hex'),
                  name: `op ${r}.${i}`,
                  startTimeUnixNano: String(now),
                  endTimeUnixNano: String(now + 1000n),
                })),
              },
            ],
          },
        ],
      });
    await Promise.all(Array.from({ length: 30 }, (_, r) => post(gateway, '/v1/traces', body(r))));
    await eventually(
      () => written(gateway, 'pg'),
      (n) => n === 600,
      30_000,
      '600 spans written',
    );
    const client = new pg.Client({ connectionString: backendUrl('postgres') });
    await client.connect();
    try {
      const rows = (await client.query(`SELECT count(*)::int AS n, count(DISTINCT span_id)::int AS d FROM ${schema}.otel_spans`)).rows[0] as {
        n: number;
        d: number;
      };
      assert.deepEqual(rows, { n: 600, d: 600 });
    } finally {
      await client.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined);
      await client.end();
    }
  } finally {
    await gateway.dispose();
  }
});
