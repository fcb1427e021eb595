/**
 * The series layout (layout: series, migrations 0005-0009) on all four kinds of server: the embedded PGlite store,
 * PostgreSQL 15, TimescaleDB's Apache build and the community-licensed TimescaleDB in PGlite. Model objects built by
 * hand are written, read back with SQL through the tables and the views and compared exactly; a batch written
 * twice stores once; rollups after a refresh equal aggregates over the raw rows; what the gateway does where the
 * server does not (partitions, retention) is checked against the catalog.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeDecoded, type DecodedBatch } from '../support/write.js';
import { pino } from 'pino';
import type { Adapter } from '../../src/adapters/contract.js';
import { postgresAdapter, type PostgresAdapter } from '../../src/adapters/postgres/index.js';
import { seriesIdOf } from '../../src/adapters/postgres/series-id.js';
import type { MetricPoint, NumberPoint, Span } from '../../src/model/index.js';
import { postgresTargets, schemaQuery } from '../support/postgres-targets.js';
import { adapterWithSchema } from '../support/schema-at-start.js';
import * as f from './postgres.fixtures.js';

const logger = pino({ level: 'silent' });
const dataDir = mkdtempSync(join(tmpdir(), 'manifold-pg2-series-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const metrics: MetricPoint[] = f.seriesMetrics;
const spans: Span[] = f.allSpans;
const us = (ns: bigint) => (ns / 1000n).toString();

let batchNo = 0;
const batch = (m: readonly MetricPoint[], s: readonly Span[] = []): DecodedBatch => ({ id: `pg2-${++batchNo}`, attempt: 1, metrics: m, spans: s });

const targets = postgresTargets(dataDir, logger);

for (const target of targets) {
  describe(`series layout on ${target.name}`, () => {
    const schema = `manifold_pg2_series_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    let url: string;
    // The PGlite TimescaleDB build serves one connection at a time: every read opens and closes its own, and
    // every adapter is closed (its pool with it) before anything reads.
    const q = schemaQuery(() => url, schema);
    const count = async (table: string) => Number((await q(`select count(*)::int as n from {{s}}.${table}`))[0].n);
    const create = (extra: Record<string, unknown> = {}) =>
      adapterWithSchema(
        postgresAdapter,
        postgresAdapter.configSchema.parse({ url, schema, layout: 'series', pool_size: 1, maintenance_interval: 0, ...extra }),
        { name: 'pg2', logger, dataDir },
      );

    /** Starts an adapter (migrations, maintenance once), runs `fn` with it, closes it. */
    const withAdapter = async <T>(fn: (a: Adapter) => Promise<T>, extra: Record<string, unknown> = {}): Promise<T> => {
      const a = create(extra);
      try {
        await a.start();
        return await fn(a);
      } finally {
        await a.close();
      }
    };

    before(async () => {
      url = await target.url();
    });
    after(async () => {
      await q(`drop schema if exists {{s}} cascade`).catch(() => undefined);
      await target.stop();
    });

    test('every metric type and spans land in the series tables; read back through the views, exactly', async () => {
      const result = await withAdapter((a) => writeDecoded(a, batch(metrics, spans)));
      assert.deepEqual(result, { written: metrics.length + spans.length });

      const series = await q(
        `select id::text, metric_name, metric_type, unit, temporality, monotonic, labels, labels->>'int.attr' as big from {{s}}.series order by metric_name, id`,
      );
      const expectedIds = [...new Set(metrics.map(seriesIdOf))].sort();
      assert.deepEqual(series.map((r) => r.id).sort(), expectedIds, 'one row per series, keyed by the id the gateway computes');
      const gauge = series.find((r) => r.metric_name === 'queue.depth')!;
      assert.equal(gauge.big, '9223372036854775807', 'int64 labels exact in jsonb');
      assert.deepEqual([gauge.metric_type, gauge.unit, gauge.temporality, gauge.monotonic], ['gauge', '{item}', 'unspecified', false]);
      const [resource] = await q(`select service_name, attributes->>'big' as big, attributes->'kv' as kv from {{s}}.resources`);
      assert.deepEqual(resource, { service_name: 'checkout', big: '9223372036854775807', kv: { inner: 'x', n: -3 } });
      assert.deepEqual(await q(`select name, version, attributes from {{s}}.scopes`), [
        { name: 'manifold.test', version: '1.2.3', attributes: { 'scope.attr': 'yes' } },
      ]);

      const numbers =
        await q(`select metric_name, labels, value::text as value, value_int::text as value_int, flags, service_name, start_time is null as no_start,
        (extract(epoch from time) * 1000000)::bigint::text as time_us from {{s}}.metric_points order by time, metric_name, labels->>'route'`);
      assert.deepEqual(numbers, [
        {
          metric_name: 'queue.depth',
          labels: { 'int.attr': 2 ** 63, 'neg.attr': -(2 ** 60), str: 'quote " and \\ backslash, comma', d: 1.5, b: false },
          value: '9.223372036854776e+18',
          value_int: '9223372036854775807',
          flags: 1,
          service_name: 'checkout',
          no_start: true,
          time_us: us(f.gaugePoint.timeUnixNano),
        },
        {
          metric_name: 'requests',
          labels: { worker: 1, route: '/r/1' },
          value: '0.1',
          value_int: null,
          flags: 0,
          service_name: 'checkout',
          no_start: false,
          time_us: us(f.sumPoint.timeUnixNano),
        },
        {
          metric_name: 'requests',
          labels: { worker: 2, route: '/r/2' },
          value: 'NaN',
          value_int: null,
          flags: 0,
          service_name: 'checkout',
          no_start: false,
          time_us: us(f.nanPoint.timeUnixNano),
        },
      ]);
      assert.equal((await q(`select labels->>'neg.attr' as v from {{s}}.series where metric_name = 'queue.depth'`))[0].v, '-1152921504606846976');

      const exemplars = await q(
        `select encode(trace_id, 'hex') as trace_id, encode(span_id, 'hex') as span_id, value::text, value_int::text, filtered_attributes from {{s}}.exemplars order by series_id, time, exemplar_index`,
      );
      assert.equal(exemplars.length, 3);
      assert.ok(
        exemplars.some(
          (e) =>
            e.trace_id === '0af7651916cd43dd8448eb211c80319c' &&
            e.span_id === 'b7ad6b7169203331' &&
            e.value === '0.1' &&
            e.filtered_attributes.user === 'u1',
        ),
      );
      assert.ok(exemplars.some((e) => e.trace_id === null && e.value_int === '-9223372036854775807'));

      const histograms = await q(
        `select count::int, sum, min, max, bounds, bucket_counts::text as buckets from {{s}}.histogram_metric_points order by time`,
      );
      assert.deepEqual(histograms, [
        { count: 6, sum: 12.75, min: 0.125, max: 7, bounds: [0.5, 2.5], buckets: '{1,2,3}' },
        { count: 0, sum: null, min: null, max: null, bounds: [], buckets: '{}' },
      ]);
      assert.deepEqual(
        await q(
          `select count::int, sum, scale, zero_count::int, zero_threshold, positive_offset, positive_bucket_counts::text as pos, negative_offset, negative_bucket_counts::text as neg, min, max from {{s}}.exp_histogram_points`,
        ),
        [
          {
            count: 10,
            sum: 3.5,
            scale: -2,
            zero_count: 1,
            zero_threshold: 1e-9,
            positive_offset: -3,
            pos: '{4,0,2}',
            negative_offset: 5,
            neg: '{3}',
            min: -4,
            max: 2.5,
          },
        ],
      );
      assert.deepEqual(await q(`select count::int, sum, quantiles, quantile_values from {{s}}.summary_points`), [
        { count: 4, sum: 100.5, quantiles: [0, 0.99, 1], quantile_values: [1, 97.25, 99] },
      ]);

      const stored =
        await q(`select trace_id, span_id, parent_span_id, name, kind, status_code, status_message, duration_ns::text as duration, service_name, scope_name, scope_version,
        attributes->>'big' as big, resource_attributes->>'service.name' as service, trace_state, flags::int, dropped_attributes_count, dropped_events_count, dropped_links_count,
        (extract(epoch from time) * 1000000)::bigint::text as time_us from {{s}}.spans order by time, span_id`);
      assert.deepEqual(stored, [
        {
          trace_id: f.rootSpan.traceId,
          span_id: f.rootSpan.spanId,
          parent_span_id: null,
          name: 'GET /checkout',
          kind: 'Server',
          status_code: 'Error',
          status_message: 'it broke',
          duration: '1500000001',
          service_name: 'checkout',
          scope_name: 'manifold.test',
          scope_version: '1.2.3',
          big: '9223372036854775807',
          service: 'checkout',
          trace_state: 'rojo=00f067aa0ba902b7',
          flags: 0x301,
          dropped_attributes_count: 1,
          dropped_events_count: 3,
          dropped_links_count: 4,
          time_us: us(f.T0),
        },
        {
          trace_id: f.rootSpan.traceId,
          span_id: f.childSpan.spanId,
          parent_span_id: f.rootSpan.spanId,
          name: 'SELECT',
          kind: 'Client',
          status_code: 'Unset',
          status_message: '',
          duration: '100',
          service_name: 'checkout',
          scope_name: 'manifold.test',
          scope_version: '1.2.3',
          big: null,
          service: 'checkout',
          trace_state: '',
          flags: 0,
          dropped_attributes_count: 0,
          dropped_events_count: 0,
          dropped_links_count: 0,
          time_us: us(f.T0 + 100n),
        },
      ]);
      assert.deepEqual(
        await q(
          `select event_index, name, attributes->>'count' as count, dropped_attributes_count, (extract(epoch from event_time) * 1000000)::bigint::text as t from {{s}}.span_events order by event_index`,
        ),
        [
          { event_index: 0, name: 'exception', count: '9223372036854775807', dropped_attributes_count: 2, t: us(f.T0 + 7n) },
          { event_index: 1, name: 'retry', count: null, dropped_attributes_count: 0, t: us(f.T0 + 8n) },
        ],
      );
      assert.deepEqual(
        await q(
          `select encode(linked_trace_id, 'hex') as t, encode(linked_span_id, 'hex') as s, trace_state, flags::int, attributes from {{s}}.span_links`,
        ),
        [{ t: '11111111111111111111111111111111', s: '2222222222222222', trace_state: 'a=b', flags: 1, attributes: { why: 'follows' } }],
      );
    });

    test('the same batch again stores nothing new, from a fresh adapter (empty cache) and from one that knows the series', async () => {
      const tables = [
        'series',
        'resources',
        'scopes',
        'histogram_bounds',
        'number_points',
        'histogram_points',
        'exp_histogram_points',
        'summary_points',
        'exemplars',
        'trace_spans',
        'span_events',
        'span_links',
      ];
      const before = await Promise.all(tables.map(count));
      assert.deepEqual(before, [6, 1, 1, 2, 3, 2, 1, 1, 3, 2, 2, 1]);
      await withAdapter(async (a) => {
        await writeDecoded(a, batch(metrics, spans));
        await writeDecoded(a, batch(metrics, spans)); // this time its cache knows the series
      });
      assert.deepEqual(await Promise.all(tables.map(count)), before);
    });

    test('rollups after a refresh equal aggregates over the raw rows (per series at 1 min and 1 h; span RED per minute)', async () => {
      const minute = 60_000_000_000n;
      const t0 = ((BigInt(Date.now()) * 1_000_000n - 30n * minute) / minute) * minute + 30_000_000_000n; // half past a minute, 30 min ago
      const points: NumberPoint[] = f.manyPoints(2_000, t0).map((p, i) => ({ ...p, value: i % 2 === 0 ? BigInt(i % 97) : (i % 89) * 0.5 }));
      const redSpans: Span[] = Array.from({ length: 60 }, (_, i) => ({
        ...f.childSpan,
        spanId: (0x1000 + i).toString(16).padStart(16, '0'),
        name: i % 3 === 0 ? 'GET /a' : 'GET /b',
        startTimeUnixNano: t0 + BigInt(i) * 1_000_000_000n,
        endTimeUnixNano: t0 + BigInt(i) * 1_000_000_000n + BigInt((i % 12) * 700_000 + 1),
        status: { code: i % 5 === 0 ? 2 : 0, message: '' },
      }));
      await withAdapter(async (a) => {
        await writeDecoded(a, batch(points, redSpans));
        if (target.kind !== 'community') await (a as PostgresAdapter).maintain();
      });
      if (target.kind === 'community') {
        for (const view of ['number_points_1m', 'number_points_1h', 'span_red_1m'])
          await q(`CALL refresh_continuous_aggregate('{{s}}.${view}', NULL, NULL)`);
      }

      const since = `timestamptz 'epoch' + ${us(t0 - 60n * minute)} * interval '1 microsecond'`;
      for (const [view, width] of [
        ['number_points_1m', '1 minute'],
        ['number_points_1h', '1 hour'],
      ] as const) {
        const rollup = await q(
          `select series_id::text, bucket, avg, min, max, last, count::int from {{s}}.${view} where bucket >= ${since} order by 1, 2`,
        );
        const raw =
          await q(`select series_id::text, date_bin(interval '${width}', time, timestamptz 'epoch') as bucket, avg(value), min(value), max(value),
          (array_agg(value order by time desc))[1] as last, count(*)::int from {{s}}.number_points where time >= ${since} group by 1, 2 order by 1, 2`);
        assert.ok(raw.length >= 100, `${view}: raw rows to compare (${raw.length})`);
        assert.deepEqual(rollup, raw, view);
      }
      const red = await q(
        `select service_name, span_name, bucket, count::int, errors::int, duration_sum_ns::text, duration_max_ns::text, le_1ms::int, le_5ms::int, le_10s::int from {{s}}.span_red_1m where bucket >= ${since} order by 1, 2, 3`,
      );
      const rawRed =
        await q(`select service_name, name as span_name, date_bin(interval '1 minute', time, timestamptz 'epoch') as bucket, count(*)::int as count,
        (count(*) filter (where status_code = 'Error'))::int as errors, sum(duration_ns)::text as duration_sum_ns, max(duration_ns)::text as duration_max_ns,
        (count(*) filter (where duration_ns <= 1000000))::int as le_1ms, (count(*) filter (where duration_ns <= 5000000))::int as le_5ms, (count(*) filter (where duration_ns <= 10000000000))::int as le_10s
        from {{s}}.trace_spans where time >= ${since} group by 1, 2, 3 order by 1, 2, 3`);
      assert.equal(
        rawRed.reduce((n, r) => n + r.count, 0),
        60,
      );
      assert.deepEqual(red, rawRed);
    });

    if (target.kind === 'partitioned') {
      test('plain PostgreSQL: partitions by time made by the gateway (ahead and on demand), old ones dropped for retention', async () => {
        const names = (
          await q(
            `select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = '{{s}}.number_points'::regclass order by 1`,
          )
        ).map((r) => r.relname);
        const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
        const fixtureDay = day(Number(f.T0 / 1_000_000n));
        assert.ok(names.includes(`number_points_p${fixtureDay}`), `on demand for the fixtures' day: ${names.join(', ')}`);
        for (const ahead of [0, 1, 2]) assert.ok(names.includes(`number_points_p${day(Date.now() + ahead * 86_400_000)}`), `ahead: ${ahead} days`);
        assert.equal(await count('trace_spans'), 62);

        await withAdapter(async () => undefined, { timescaledb: { retention: '7d' } }); // its start runs the maintenance once
        const after = (
          await q(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = '{{s}}.number_points'::regclass`)
        ).map((r) => r.relname);
        assert.ok(!after.includes(`number_points_p${fixtureDay}`), "the fixtures' day is past retention");
        assert.ok(after.includes(`number_points_p${day(Date.now())}`));
        assert.equal(await count('trace_spans'), 60, 'the old spans went with their partition; the recent ones stay');
      });
    }

    if (target.kind === 'apache') {
      test('TimescaleDB Apache build: hypertables; the gateway drops chunks past retention', async () => {
        const hypertables = (
          await q(
            `select hypertable_name from timescaledb_information.hypertables where hypertable_schema = $1 and hypertable_name not like 'otel\\_%' order by 1`,
            [schema],
          )
        ).map((r) => r.hypertable_name);
        assert.deepEqual(hypertables, [
          'exemplars',
          'exp_histogram_points',
          'histogram_points',
          'number_points',
          'span_events',
          'span_links',
          'summary_points',
          'trace_spans',
        ]);
        await withAdapter(async () => undefined, { timescaledb: { retention: '7d' } });
        assert.equal(await count('trace_spans'), 60);
        assert.equal(await count('summary_points'), 0);
      });
    }

    if (target.kind === 'community') {
      test('community TimescaleDB: compression by series, policies for compression and the rollups', async () => {
        const settings = await q(
          `select attname from timescaledb_information.compression_settings where hypertable_schema = $1 and hypertable_name = 'number_points' and segmentby_column_index is not null`,
          [schema],
        ).catch(async () =>
          q(
            `select segmentby as attname from timescaledb_information.hypertable_compression_settings where hypertable::text like $1 || '%number_points'`,
            [`"${schema}"`],
          ),
        );
        assert.deepEqual(
          settings.map((r) => r.attname),
          ['series_id'],
        );
        const jobs = await q(
          `select proc_name, hypertable_name from timescaledb_information.jobs where hypertable_schema = $1 or hypertable_name in (select view_name from timescaledb_information.continuous_aggregates where view_schema = $1)`,
          [schema],
        );
        assert.ok(jobs.some((j) => j.proc_name === 'policy_compression' && j.hypertable_name === 'number_points'));
        assert.ok(jobs.filter((j) => j.proc_name === 'policy_refresh_continuous_aggregate').length >= 3);
      });
    }
  });
}
