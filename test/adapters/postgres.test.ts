/**
 * The postgres adapter against the embedded PGlite store and a real PostgreSQL 15
 * (MANIFOLD_TEST_POSTGRES_URL; missing → the suite fails, it never skips). Model objects are built by hand,
 * written, read back with SQL and compared exactly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { TransientWriteError, type Adapter } from '../../src/adapters/contract.js';
import { writeDecoded, type DecodedBatch } from '../support/write.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded-postgres/postgres.js';
import type { MetricPoint, Span } from '../../src/model/index.js';
import { backendUrl } from '../support/backends.js';
import * as f from './postgres.fixtures.js';
import { adapterWithSchema } from '../support/schema-at-start.js';

const logger = pino({ level: 'silent' });
const dataDir = mkdtempSync(join(tmpdir(), 'manifold-pg-adapter-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

function adapterFor(url: string, schema: string, extra: Record<string, unknown> = {}): Adapter {
  const config = postgresAdapter.configSchema.parse({ url, schema, ...extra });
  return adapterWithSchema(postgresAdapter, config, { name: 'pg-test', logger, dataDir });
}

let batchNo = 0;
function batch(metrics: readonly MetricPoint[], spans: readonly Span[] = [], id = `b${++batchNo}`, attempt = 1): DecodedBatch {
  return { id, attempt, metrics, spans };
}

interface Target {
  readonly name: string;
  url(): Promise<string>;
  stop(): Promise<void>;
}

let embedded: EmbeddedPostgres | undefined;
const targets: Target[] = [
  {
    name: 'embedded PGlite store',
    url: async () => (embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pglite'), port: 0, logger })).url,
    stop: async () => embedded?.close(),
  },
  { name: 'PostgreSQL 15', url: async () => backendUrl('postgres'), stop: async () => undefined },
];

for (const target of targets) {
  describe(`postgres adapter on ${target.name}`, () => {
    const schema = `mf_test_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    let url: string;
    let adapter: Adapter;
    let reader: pg.Client;
    const q = async (sql: string, params: unknown[] = []) => (await reader.query(sql.replaceAll('{{s}}', `"${schema}"`), params)).rows;
    const count = async (table: string) => Number((await q(`select count(*)::int as n from {{s}}.${table}`))[0].n);

    before(async () => {
      url = await target.url();
      adapter = adapterFor(url, schema);
      await adapter.start();
      await adapter.start(); // idempotent schema
      reader = new pg.Client({ connectionString: url });
      await reader.connect();
    });
    after(async () => {
      await reader?.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await reader?.end().catch(() => undefined);
      await adapter?.close();
      await target.stop();
    });

    test('health() answers', async () => {
      await adapter.health();
    });

    test('stores gauges and sums exactly (ns times, int64, NaN, jsonb types, exemplars)', async () => {
      const result = await writeDecoded(adapter, batch([f.gaugePoint, f.sumPoint, f.nanPoint]));
      assert.equal(result.written, 3);
      const rows = await q(
        `select *, (extract(epoch from time) * 1000000)::bigint::text as time_us, (extract(epoch from start_time) * 1000000)::bigint::text as start_us,
           attributes = $1::jsonb as attrs_ok, resource_attributes = $2::jsonb as res_ok, scope_attributes = $3::jsonb as scope_ok,
           jsonb_typeof(attributes->'int.attr') as int_type, attributes->>'int.attr' as int_text, exemplars = $4::jsonb as exemplars_ok
         from {{s}}.otel_metrics_number order by time_unix_nano`,
        [
          '{"int.attr": 9223372036854775807, "neg.attr": -1152921504606846976, "str": "quote \\" and \\\\ backslash, comma", "d": 1.5, "b": false}',
          '{"service.name": "checkout", "host.name": "h1", "big": 9223372036854775807, "ratio": 0.25, "ok": true, "raw": "AQL/", "list": ["a", 7, 1.5], "kv": {"inner": "x", "n": -3}, "nothing": null}',
          '{"scope.attr": "yes"}',
          '[{"time_unix_nano": 1763800000123456784, "value": 0.1, "trace_id": "0af7651916cd43dd8448eb211c80319c", "span_id": "b7ad6b7169203331", "filtered_attributes": {"user": "u1"}},' +
            ' {"time_unix_nano": 1763800000123456785, "value": -9223372036854775807, "trace_id": "", "span_id": "", "filtered_attributes": {}}]',
        ],
      );
      assert.equal(rows.length, 3);
      const [gauge, sum, nan] = rows;
      assert.equal(gauge.time_unix_nano, '1763800000123456789');
      assert.equal(gauge.time_us, '1763800000123456');
      assert.equal(gauge.start_time, null);
      assert.equal(gauge.start_time_unix_nano, '0');
      assert.equal(gauge.value_int, '9223372036854775807');
      assert.equal(gauge.value, 2 ** 63); // the double nearest int64 max, as the float column stores it
      assert.equal(gauge.metric_name, 'queue.depth');
      assert.equal(gauge.metric_type, 'gauge');
      assert.equal(gauge.metric_unit, '{item}');
      assert.equal(gauge.metric_description, 'queue.depth help');
      assert.equal(gauge.temporality, 'unspecified');
      assert.equal(gauge.monotonic, false);
      assert.equal(gauge.service_name, 'checkout');
      assert.equal(gauge.scope_name, 'manifold.test');
      assert.equal(gauge.scope_version, '1.2.3');
      assert.equal(gauge.flags, '1');
      assert.equal(gauge.exemplars, null);
      assert.equal(gauge.attrs_ok, true);
      assert.equal(gauge.res_ok, true);
      assert.equal(gauge.scope_ok, true);
      assert.equal(gauge.int_type, 'number');
      assert.equal(gauge.int_text, '9223372036854775807');

      assert.equal(sum.time_unix_nano, '1763800000123456790');
      assert.equal(sum.start_time_unix_nano, '1763799940123456789');
      assert.equal(sum.start_us, '1763799940123456');
      assert.equal(sum.value, 0.1);
      assert.equal(sum.value_int, null);
      assert.equal(sum.metric_type, 'sum');
      assert.equal(sum.temporality, 'cumulative');
      assert.equal(sum.monotonic, true);
      assert.equal(sum.exemplars_ok, true);
      assert.ok(Number.isNaN(nan.value));
      assert.notEqual(gauge.series_id, sum.series_id);
      assert.notEqual(sum.series_id, nan.series_id, 'different point attributes, different series');
    });

    test('stores histograms, exponential histograms and summaries exactly', async () => {
      await writeDecoded(adapter, batch([f.histogramPoint, f.histogramNoSum, f.expPoint, f.summaryPoint]));
      const [h, empty] = await q(`select *, exemplars->0->>'time_unix_nano' as ex_time from {{s}}.otel_metrics_histogram order by time_unix_nano`);
      assert.equal(h.time_unix_nano, '1763800000123456799');
      assert.equal(h.count, '6');
      assert.equal(h.sum, 12.75);
      assert.equal(h.min, 0.125);
      assert.equal(h.max, 7);
      assert.deepEqual(h.bucket_counts, ['1', '2', '3']);
      assert.deepEqual(h.explicit_bounds, [0.5, 2.5]);
      assert.equal(h.temporality, 'delta');
      assert.equal(h.ex_time, '1763800000123456798');
      assert.equal(empty.count, '0');
      assert.equal(empty.sum, null);
      assert.equal(empty.min, null);
      assert.equal(empty.max, null);
      assert.deepEqual(empty.bucket_counts, []);
      assert.deepEqual(empty.explicit_bounds, []);
      assert.equal(empty.exemplars, null);

      const [e] = await q(`select * from {{s}}.otel_metrics_exponential_histogram`);
      assert.equal(e.time_unix_nano, '1763800000123456809');
      assert.equal(e.count, '10');
      assert.equal(e.sum, 3.5);
      assert.equal(e.scale, -2);
      assert.equal(e.zero_count, '1');
      assert.equal(e.zero_threshold, 1e-9);
      assert.equal(e.positive_offset, -3);
      assert.deepEqual(e.positive_bucket_counts, ['4', '0', '2']);
      assert.equal(e.negative_offset, 5);
      assert.deepEqual(e.negative_bucket_counts, ['3']);
      assert.equal(e.min, -4);
      assert.equal(e.max, 2.5);
      assert.equal(e.metric_name, 'latency.exp');

      const [s] = await q(`select * from {{s}}.otel_metrics_summary`);
      assert.equal(s.time_unix_nano, '1763800000123456819');
      assert.equal(s.count, '4');
      assert.equal(s.sum, 100.5);
      assert.deepEqual(s.quantiles, [0, 0.99, 1]);
      assert.deepEqual(s.quantile_values, [1, 97.25, 99]);
      assert.equal(s.metric_unit, 's');
    });

    test('stores spans with events and links exactly', async () => {
      await writeDecoded(adapter, batch([], f.allSpans));
      const [root, child] = await q(
        `select *, (extract(epoch from time) * 1000000)::bigint::text as time_us, (extract(epoch from end_time) * 1000000)::bigint::text as end_us,
           events = $1::jsonb as events_ok, links = $2::jsonb as links_ok, attributes = $3::jsonb as attrs_ok,
           (events->0->>'time_unix_nano')::bigint::text as event_time
         from {{s}}.otel_spans order by time`,
        [
          '[{"time_unix_nano": 1763800000123456796, "name": "exception", "attributes": {"exception.type": "Boom", "count": 9223372036854775807}, "dropped_attributes_count": 2},' +
            ' {"time_unix_nano": 1763800000123456797, "name": "retry", "attributes": {}, "dropped_attributes_count": 0}]',
          '[{"trace_id": "11111111111111111111111111111111", "span_id": "2222222222222222", "trace_state": "a=b", "flags": 1, "attributes": {"why": "follows"}, "dropped_attributes_count": 0}]',
          '{"http.status_code": 200, "big": 9223372036854775807}',
        ],
      );
      assert.equal(root.trace_id, '0af7651916cd43dd8448eb211c80319c');
      assert.equal(root.span_id, 'b7ad6b7169203331');
      assert.equal(root.parent_span_id, null);
      assert.equal(root.trace_state, 'rojo=00f067aa0ba902b7');
      assert.equal(root.flags, '769');
      assert.equal(root.name, 'GET /checkout');
      assert.equal(root.kind, 'Server');
      assert.equal(root.status_code, 'Error');
      assert.equal(root.status_message, 'it broke');
      assert.equal(root.start_time_unix_nano, '1763800000123456789');
      assert.equal(root.end_time_unix_nano, '1763800001623456790');
      assert.equal(root.duration_ns, '1500000001');
      assert.equal(root.time_us, '1763800000123456');
      assert.equal(root.end_us, '1763800001623456');
      assert.equal(root.service_name, 'checkout');
      assert.equal(root.scope_name, 'manifold.test');
      assert.equal(root.dropped_attributes_count, 1);
      assert.equal(root.dropped_events_count, 3);
      assert.equal(root.dropped_links_count, 4);
      assert.equal(root.events_ok, true);
      assert.equal(root.links_ok, true);
      assert.equal(root.attrs_ok, true);
      assert.equal(root.event_time, '1763800000123456796');
      assert.equal(child.parent_span_id, 'b7ad6b7169203331');
      assert.equal(child.kind, 'Client');
      assert.equal(child.status_code, 'Unset');
      assert.deepEqual(child.events, []);
      assert.deepEqual(child.links, []);
    });

    test('the same batch written twice stores each item exactly once', async () => {
      const points = f.manyPoints(5_000, f.T0 + 10_000_000_000_000n);
      const spans = f.allSpans.map((s) => ({ ...s, traceId: 'ffffffffffffffffffffffffffffff01' }));
      const before = { n: await count('otel_metrics_number'), s: await count('otel_spans') };
      const first = await writeDecoded(adapter, batch(points, spans, 'dup-batch', 1));
      const second = await writeDecoded(adapter, batch(points, spans, 'dup-batch', 2));
      assert.equal(first.written, 5_002);
      assert.equal(second.written, 5_002, 'a retry still reports everything as held');
      assert.equal((await count('otel_metrics_number')) - before.n, 5_000);
      assert.equal((await count('otel_spans')) - before.s, 2);
    });

    test('writes 50K points (timed)', async () => {
      const points = f.manyPoints(50_000, f.T0 + 20_000_000_000_000n);
      const before = await count('otel_metrics_number');
      const started = process.hrtime.bigint();
      await writeDecoded(adapter, batch(points));
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const rate = Math.round(50_000 / (ms / 1000));
      console.log(`# ${target.name}: 50,000 points in ${ms.toFixed(0)} ms = ${rate} rows/s`);
      assert.equal((await count('otel_metrics_number')) - before, 50_000);
    });

    test('a NUL PostgreSQL cannot hold is stored as U+FFFD, and the rest of the batch lands with it (issue 16)', async () => {
      const bad = f.numberPoint({ ...f.gaugeInt, name: 'nul\u0000name' }, 1, 1);
      const good = f.numberPoint(f.gaugeInt, 1, 1, { timeUnixNano: f.T0 + 999_999n });
      const before = await count('otel_metrics_number');
      assert.deepEqual(await writeDecoded(adapter, batch([good, bad])), { written: 2 });
      assert.equal(await count('otel_metrics_number'), before + 2);
    });

    test('a server that does not answer: TransientWriteError', async () => {
      const dead = adapterFor('postgresql://postgres@127.0.0.1:1/postgres', schema, { connect_timeout: '2s' });
      try {
        await assert.rejects(
          writeDecoded(dead, batch([f.gaugePoint])),
          (e: unknown) => e instanceof TransientWriteError && /ECONNREFUSED/.test(e.message),
        );
        await assert.rejects(dead.health(), TransientWriteError);
      } finally {
        await dead.close();
      }
    });
  });
}

test('a stopped embedded server: TransientWriteError, and writes resume when it is back', async () => {
  const dir = join(dataDir, 'stopped');
  // Below the kernel's ephemeral range (32768-60999): between the stop and the restart a client socket of another
  // test could take a port in that range (it did once: EADDRINUSE on the restart).
  const port = 21_000 + Math.floor(Math.random() * 4000);
  let store = await startEmbeddedPostgres({ dataDir: dir, port, logger });
  const adapter = adapterFor(store.url, 'public', { pool_size: 1, connect_timeout: '2s' });
  try {
    await adapter.start();
    await writeDecoded(adapter, batch([f.gaugePoint]));
    await store.close();
    await assert.rejects(writeDecoded(adapter, batch([f.sumPoint])), TransientWriteError);
    await assert.rejects(adapter.health(), TransientWriteError);
    store = await startEmbeddedPostgres({ dataDir: dir, port, logger });
    await writeDecoded(adapter, batch([f.sumPoint]));
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    const { rows } = await client.query('select count(*)::int as n from otel_metrics_number');
    await client.end();
    assert.equal(rows[0].n, 2);
  } finally {
    await adapter.close();
    await store.close();
  }
});
