/**
 * The upgrade from the wide tables to the series layout (`manifold postgres upgrade`, the adapter's `upgrade`) on
 * all four kinds of server: a batch written with layout wide is copied into the series tables, which must then
 * hold exactly what writing the same batch with layout series gives (a second schema, the reference): same ids, so
 * new writes of the same series land next to the copied history; the batch written again after the switch stores
 * nothing; the upgrade run again stores nothing; rollups cover the copied history; the wide tables dropped on request.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import type { UpgradeReport } from '../../src/adapters/contract.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { seriesIdOf } from '../../src/adapters/postgres/series-id.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded-postgres/postgres.js';
import type { MetricDescriptor, MetricPoint, NumberPoint, Span } from '../../src/model/index.js';
import { backendUrl, type BackendName } from '../support/backends.js';
import { adapterWithSchema } from '../support/schema-at-start.js';
import { writeDecoded } from '../support/write.js';
import * as f from './postgres.fixtures.js';

const logger = pino({ level: 'silent' });
const dataDir = mkdtempSync(join(tmpdir(), 'manifold-pg-upgrade-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Labels whose JSON is the same for two types: only the wide series_id tells which the sender used. */
const typed: MetricDescriptor = { ...f.gaugeInt, name: 'upgrade.types', unit: '1' };
const labelPairs: Record<string, unknown>[] = [
  { ratio: 2 },
  { ratio: 2n },
  { raw: new Uint8Array([1, 2, 255]) },
  { raw: 'AQL/' },
  { v: Number.NaN },
  { v: 'NaN' },
  { list: [1, 2n, 'abcd'] },
];
const typedPoints: NumberPoint[] = labelPairs.map((attributes, i) =>
  f.numberPoint(typed, 100 + i, i + 0.5, { attributes: attributes as NumberPoint['attributes'], timeUnixNano: f.T0 + 1_000_000n }),
);
/** The gauge on other days, so a hypertable's copy goes chunk by chunk. */
const DAY = 86_400_000_000_000n;
const otherDays: MetricPoint[] = [-10n, -3n, 2n].map((days) => ({ ...f.gaugePoint, timeUnixNano: f.gaugePoint.timeUnixNano + days * DAY }));
/** The fixtures (f.resource has bytes, lists, int64 and a kvlist), the second histogram point microseconds later. */
const metrics: MetricPoint[] = [...f.seriesMetrics, ...typedPoints, ...otherDays];
const spans: Span[] = f.allSpans;
const ITEMS = metrics.length + spans.length;
const NUMBERS = 3 + typedPoints.length + otherDays.length;

let embedded: EmbeddedPostgres | undefined;
const remote = (name: string, backend: BackendName, hypertables: boolean) => ({
  name,
  hypertables,
  url: async () => backendUrl(backend),
  stop: async () => undefined,
});
const targets = [
  {
    name: 'embedded PGlite store',
    hypertables: false,
    url: async () => (embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pglite'), port: 0, logger })).url,
    stop: async () => embedded?.close(),
  },
  remote('PostgreSQL 15', 'postgres', false),
  remote('TimescaleDB (Apache build)', 'timescale', true),
  remote('TimescaleDB community build (PGlite)', 'timescale-community', true),
];

/** What the series layout holds, table by table, without the times rows were first seen. */
const CONTENT: Record<string, string> = {
  series: `SELECT id::text, metric_name, metric_type, unit, description, temporality, monotonic, labels::text, resource_id::text, scope_id::text FROM {{s}}.series ORDER BY id`,
  resources: `SELECT id::text, service_name, attributes::text, schema_url FROM {{s}}.resources ORDER BY id`,
  scopes: `SELECT id::text, name, version, attributes::text FROM {{s}}.scopes ORDER BY id`,
  histogram_bounds: `SELECT id::text, bounds::text FROM {{s}}.histogram_bounds ORDER BY id`,
  metric_points: `SELECT series_id::text, time, start_time, value::text, value_int::text, flags, metric_name, labels::text, service_name FROM {{s}}.metric_points ORDER BY series_id, time`,
  histogram_metric_points: `SELECT series_id::text, time, count::text, sum, min, max, bounds::text, bucket_counts::text FROM {{s}}.histogram_metric_points ORDER BY series_id, time`,
  exp_histogram_points: `SELECT series_id::text, time, count::text, sum, scale, zero_count::text, positive_offset, positive_bucket_counts::text, negative_offset, negative_bucket_counts::text, min, max FROM {{s}}.exp_histogram_points ORDER BY series_id, time`,
  summary_points: `SELECT series_id::text, time, count::text, sum, quantiles::text, quantile_values::text FROM {{s}}.summary_points ORDER BY series_id, time`,
  // value_int left out: an exemplar's integral double value comes back as an int64 (JSON cannot tell them apart).
  exemplars: `SELECT series_id::text, time, exemplar_index, value::text, encode(trace_id, 'hex') AS trace_id, filtered_attributes::text FROM {{s}}.exemplars ORDER BY series_id, time, exemplar_index`,
  spans: `SELECT * FROM {{s}}.spans ORDER BY trace_id, span_id`,
  span_events: `SELECT encode(span_id, 'hex') AS span_id, event_index, event_time, name, attributes::text, dropped_attributes_count FROM {{s}}.span_events ORDER BY 1, 2`,
  span_links: `SELECT encode(span_id, 'hex') AS span_id, encode(linked_span_id, 'hex') AS linked, trace_state, flags, attributes::text FROM {{s}}.span_links ORDER BY 1, 2`,
};

for (const target of targets) {
  describe(`upgrade from the wide tables to the series layout on ${target.name}`, () => {
    const suffix = `${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const schema = `manifold_pg_upgrade_${suffix}`;
    const reference = `manifold_pg_upgrade_ref_${suffix}`;
    let url: string;
    // The community build serves one connection at a time: every read has its own, every adapter is closed first.
    const q = async (sql: string, inSchema = schema) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return (await c.query(sql.replaceAll('{{s}}', `"${inSchema}"`))).rows;
      } finally {
        await c.end();
      }
    };
    const content = async (inSchema: string) => {
      const out: Record<string, unknown[]> = {};
      for (const [name, sql] of Object.entries(CONTENT)) out[name] = await q(sql, inSchema);
      return out;
    };
    const config = (layout: 'wide' | 'series', inSchema = schema) =>
      postgresAdapter.configSchema.parse({ url, schema: inSchema, layout, pool_size: 1, maintenance_interval: 0 });
    const write = async (layout: 'wide' | 'series', batch: { metrics: readonly MetricPoint[]; spans: readonly Span[] }, inSchema = schema) => {
      const adapter = adapterWithSchema(postgresAdapter, config(layout, inSchema), { name: 'pgup', logger, dataDir });
      try {
        await adapter.start();
        return await writeDecoded(adapter, { id: `up-${Math.random()}`, attempt: 1, ...batch });
      } finally {
        await adapter.close();
      }
    };
    const upgrade = (dropOld = false): Promise<UpgradeReport> =>
      postgresAdapter.upgrade!(config('series'), { name: 'pgup', logger, dataDir }, { batchSize: 4, dropOld });
    const stored = (report: UpgradeReport) => Object.fromEntries(report.tables.map((t) => [t.table, [t.read, t.stored]]));

    before(async () => {
      url = await target.url();
    });
    after(async () => {
      for (const s of [schema, reference]) await q('DROP SCHEMA IF EXISTS {{s}} CASCADE', s).catch(() => undefined);
      await target.stop();
    });

    test('written wide, upgraded: the series tables hold what a series-layout write of the same batch holds, ids included', async () => {
      assert.deepEqual(await write('wide', { metrics, spans }), { written: ITEMS });
      await write('series', { metrics, spans }, reference);
      // Before the switch, the series tables come with the series layout's migrations (an adapter with layout series
      // starting, or `manifold migrate up` with it configured); the upgrade refuses a config that still says wide.
      await assert.rejects(
        postgresAdapter.upgrade!(config('wide'), { name: 'pgup', logger, dataDir }, { batchSize: 4, dropOld: false }),
        /set backends\.pgup\.layout: series first/,
      );
      await write('series', { metrics: [], spans: [] });
      if (target.hypertables) {
        const chunks = await q(`SELECT show_chunks('{{s}}.otel_metrics_number') AS c`);
        assert.ok(chunks.length >= 4, `the wide numbers in ${chunks.length} chunks`);
        // Compressed chunks are read too (the community build compresses; the Apache build cannot).
        if (target.name.includes('community'))
          assert.equal((await q(`SELECT compress_chunk(c) FROM show_chunks('{{s}}.otel_metrics_number') c`)).length, chunks.length);
      }

      const report = await upgrade();
      assert.equal(report.unverified, 0, 'every series identity proven by its wide series_id');
      assert.deepEqual(stored(report), {
        otel_metrics_number: [NUMBERS, NUMBERS],
        otel_metrics_histogram: [2, 2],
        otel_metrics_exponential_histogram: [1, 1],
        otel_metrics_summary: [1, 1],
        otel_spans: [2, 2],
      });
      const ids = (await q('SELECT id::text FROM {{s}}.series')).map((r) => r.id).sort();
      assert.deepEqual(ids, [...new Set(metrics.map(seriesIdOf))].sort(), 'series ids as the gateway computes them');
      assert.deepEqual(await content(schema), await content(reference));
      const labels = (await q(`SELECT labels::text FROM {{s}}.series WHERE metric_name = 'upgrade.types' ORDER BY labels::text`)).map(
        (r) => r.labels,
      );
      assert.equal(labels.length, labelPairs.length, 'labels that read the same in JSON stay separate series');
    });

    test('after the switch: the same batch stores nothing; new points of the same series join the copied ones; a second upgrade stores nothing', async () => {
      const before = await content(schema);
      await write('series', { metrics, spans });
      assert.deepEqual(await content(schema), before, 'the batch again (a retry across the switch) stores once');

      const later = metrics.map((p) => ({ ...p, timeUnixNano: p.timeUnixNano + 60_000_000_000n })) as MetricPoint[];
      await write('series', { metrics: later, spans: [] });
      const after = await content(schema);
      assert.deepEqual(after.series, before.series, 'no new series: the new points have the copied series ids');
      assert.equal(after.metric_points!.length, 2 * before.metric_points!.length);
      assert.equal(after.histogram_metric_points!.length, 2 * before.histogram_metric_points!.length);

      const again = await upgrade();
      assert.deepEqual(
        again.tables.map((t) => t.stored),
        [0, 0, 0, 0, 0],
      );
    });

    test('rollups cover the copied history; with dropOld the wide tables go and the series tables stay', async () => {
      const rollup = await q('SELECT series_id::text, bucket, avg, min, max, last, count::int FROM {{s}}.number_points_1m ORDER BY 1, 2');
      const raw =
        await q(`SELECT series_id::text, date_bin(interval '1 minute', time, timestamptz 'epoch') AS bucket, avg(value), min(value), max(value),
        (array_agg(value ORDER BY time DESC))[1] AS last, count(*)::int FROM {{s}}.number_points GROUP BY 1, 2 ORDER BY 1, 2`);
      assert.ok(raw.length >= 2 * NUMBERS, `rows to compare: ${raw.length}`);
      assert.deepEqual(rollup, raw);

      const before = await content(schema);
      const report = await upgrade(true);
      assert.deepEqual(report.dropped, [
        'otel_metrics_number',
        'otel_metrics_histogram',
        'otel_metrics_exponential_histogram',
        'otel_metrics_summary',
        'otel_spans',
      ]);
      const left = (await q(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' AND table_name LIKE 'otel\\_%'`))
        .map((r) => r.table_name)
        .filter((t) => !/^otel_logs_p\d+$/.test(t)); // otel_logs' partitions on plain PostgreSQL (0012)
      assert.deepEqual(left, ['otel_logs'], 'otel_logs belongs to both layouts');
      assert.deepEqual(await content(schema), before);
    });
  });
}
