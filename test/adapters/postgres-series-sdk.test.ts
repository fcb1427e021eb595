/**
 * The series layout end to end: the OpenTelemetry JS SDK's exporters send every metric type it makes (counter,
 * up-down counter, histogram, gauge, exponential histogram; the SDK has no summary instrument, so summaries are
 * covered with model batches in postgres-series.test.ts) and spans with an event and a link to a gateway writing
 * `layout: series`, each export sent twice; read back with SQL through the views and compared with what was sent,
 * stored once, and the rollups after a refresh compared with aggregates over the stored rows. On all four kinds of
 * server: PostgreSQL 15, TimescaleDB's Apache build, the community-licensed TimescaleDB build (PGlite, one
 * connection at a time: read only after the gateway stopped) and an embedded PGlite store.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded-postgres/postgres.js';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { hrToNanos, metricExporter, recordE2eMetrics, traceExporter, tracerProvider } from '../support/otel.js';

const dir = mkdtempSync(join(tmpdir(), 'manifold-pg2-sdk-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let embedded: EmbeddedPostgres | undefined;

type Kind = 'partitioned' | 'apache' | 'community';
const targets: [string, Kind, () => Promise<string>][] = [
  ['PostgreSQL 15', 'partitioned', async () => backendUrl('postgres')],
  ['TimescaleDB (Apache build)', 'apache', async () => backendUrl('timescale')],
  ['TimescaleDB community build (PGlite)', 'community', async () => backendUrl('timescale-community')],
  [
    'embedded PGlite store',
    'partitioned',
    async () => (embedded = await startEmbeddedPostgres({ dataDir: join(dir, 'pglite'), port: 0, logger: pino({ level: 'silent' }) })).url,
  ],
];

/** Every export goes out twice, as a sender retrying a request whose answer it lost: two requests, two batches. */
function exportingTwice(inner: PushMetricExporter): PushMetricExporter {
  return {
    export: (metrics, done) => inner.export(metrics, (first) => (first.code === 0 ? inner.export(metrics, done) : done(first))),
    forceFlush: () => inner.forceFlush(),
    shutdown: () => inner.shutdown(),
    ...(inner.selectAggregationTemporality ? { selectAggregationTemporality: inner.selectAggregationTemporality.bind(inner) } : {}),
  };
}

/** The gateway's own count of items the backend acknowledged. */
async function written(gateway: TestGateway, backend: string): Promise<number> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`manifold_backend_written_items_total{backend="${backend}"}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Six points: http.requests on /a and /b, queue.depth, http.latency, cpu.temperature, payload.size (recordE2eMetrics). */
const POINTS = 6;

for (const [name, kind, urlOf] of targets) {
  describe(`SDK → gateway → series layout on ${name}`, () => {
    test('every SDK metric type and spans land in the new tables as sent, once though sent twice; rollups match the rows', {
      timeout: 120_000,
    }, async () => {
      const url = await urlOf();
      const schema = `manifold_pg2_sdk_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
      const gateway = await startTestGateway(
        // pool_size 1: the community build serves one connection at a time, and the gateway's pool holds it.
        { backends: { pg: { kind: 'postgres', url, schema, layout: 'series', pool_size: 1, maintenance_interval: 0 } } },
        mkdtempSync(join(dir, 'gw-')),
      );
      let stopped = false;
      let db: pg.Client | undefined;
      try {
        const service = 'pg2-sdk';
        await recordE2eMetrics(exportingTwice(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl)), service);
        const { provider, sent } = tracerProvider(traceExporter('grpc', gateway.httpUrl, gateway.grpcUrl), {
          'service.name': service,
          'service.version': '1.0.0',
        });
        const tracer = provider.getTracer('pg2-tracer', '0.1.0');
        const parent = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.route': '/cart', retry: false } });
        parent.addEvent('cache miss', { key: 'cart:42' });
        const child = tracer.startSpan(
          'SELECT carts',
          { kind: SpanKind.CLIENT, links: [{ context: parent.spanContext(), attributes: { why: 'follows' } }] },
          trace.setSpan(context.active(), parent),
        );
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
        child.end();
        parent.end();
        await provider.forceFlush();
        const expected: ReadableSpan[] = sent.getFinishedSpans();
        await provider.shutdown();
        // The same spans again, through another of the SDK's exporters.
        const again = traceExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl);
        const result = await new Promise<ExportResult>((resolve) => again.export(expected, resolve));
        assert.equal(result.code, 0, String(result.error));
        await again.shutdown();

        await eventually(
          () => written(gateway, 'pg'),
          (n) => n >= 2 * (POINTS + expected.length),
          60_000,
          'the gateway writing both copies',
        );
        assert.deepEqual(await (await fetch(`${gateway.adminUrl}/dlq?backend=pg`)).json(), [], 'nothing dead-lettered');
        await gateway.dispose();
        stopped = true;

        db = new pg.Client({ connectionString: url });
        await db.connect();
        const client = db;
        const rows = async (sql: string, params: unknown[] = []) => (await client.query(sql.replaceAll('{{s}}', `"${schema}"`), params)).rows;

        const numbers = await rows(
          `SELECT metric_name, metric_type, temporality, value, labels, unit FROM {{s}}.metric_points WHERE service_name = $1 ORDER BY metric_name, labels::text`,
          [service],
        );
        assert.deepEqual(
          numbers.map((r) => [r.metric_name, r.metric_type, r.temporality, r.value, r.labels]),
          [
            ['cpu.temperature', 'gauge', 'unspecified', 42.5, { core: 0 }],
            ['http.requests', 'sum', 'cumulative', 12, { route: '/a' }],
            ['http.requests', 'sum', 'cumulative', 1, { route: '/b' }],
            ['queue.depth', 'sum', 'cumulative', -3, {}],
          ],
          'each number point once, though sent twice',
        );
        assert.equal(numbers[1]!.unit, '{request}');
        const histograms = await rows(
          `SELECT count::int, sum, min, max, bounds, bucket_counts::text AS buckets FROM {{s}}.histogram_metric_points WHERE metric_name = 'http.latency'`,
        );
        assert.deepEqual(histograms, [{ count: 5, sum: 5556, min: 1, max: 5000, bounds: [10, 100, 1000], buckets: '{2,1,1,1}' }]);
        const exponential = await rows(
          `SELECT p.count::int, p.sum, p.min, p.max, p.zero_count::int AS zero, (SELECT sum(c)::int FROM unnest(p.positive_bucket_counts) c) AS positive
           FROM {{s}}.exp_histogram_points p JOIN {{s}}.series s ON s.id = p.series_id WHERE s.metric_name = 'payload.size'`,
        );
        assert.deepEqual(exponential, [{ count: 4, sum: 1500, min: 100, max: 800, zero: 0, positive: 4 }]);
        assert.deepEqual(await rows(`SELECT count(*)::int AS n FROM {{s}}.series`), [{ n: POINTS }], 'one series row per series');
        assert.deepEqual(await rows(`SELECT count(*)::int AS n FROM {{s}}.summary_points`), [{ n: 0 }], 'the SDK sends no summaries');

        const spans = await rows(`SELECT * FROM {{s}}.spans WHERE service_name = $1 ORDER BY name`, [service]);
        assert.equal(spans.length, 2, 'each span once, though sent twice');
        for (const span of expected) {
          const row = spans.find((r) => r.span_id === span.spanContext().spanId)!;
          assert.ok(row, span.name);
          assert.equal(row.trace_id, span.spanContext().traceId);
          assert.equal(String(hrToNanos(span.endTime) - hrToNanos(span.startTime)), row.duration_ns);
          assert.equal(row.scope_name, 'pg2-tracer');
          assert.equal(row.resource_attributes['service.version'], '1.0.0');
        }
        const server = spans.find((r) => r.name === 'GET /cart')!;
        assert.deepEqual(server.attributes, { 'http.route': '/cart', retry: false });
        assert.equal(server.kind, 'Server');
        const clientSpan = spans.find((r) => r.name === 'SELECT carts')!;
        assert.deepEqual(
          [clientSpan.status_code, clientSpan.status_message, clientSpan.parent_span_id],
          ['Error', 'deadlock detected', server.span_id],
        );
        assert.deepEqual(await rows(`SELECT name, attributes FROM {{s}}.span_events`), [{ name: 'cache miss', attributes: { key: 'cart:42' } }]);
        assert.deepEqual(await rows(`SELECT encode(linked_span_id, 'hex') AS s, attributes FROM {{s}}.span_links`), [
          { s: server.span_id, attributes: { why: 'follows' } },
        ]);

        for (const view of ['number_points_1m', 'number_points_1h', 'span_red_1m'])
          await rows(
            kind === 'community' ? `CALL refresh_continuous_aggregate('{{s}}.${view}', NULL, NULL)` : `REFRESH MATERIALIZED VIEW {{s}}.${view}`,
          );
        for (const [view, width] of [
          ['number_points_1m', '1 minute'],
          ['number_points_1h', '1 hour'],
        ] as const) {
          const rollup = await rows(`SELECT series_id::text, bucket, avg, min, max, last, count::int FROM {{s}}.${view} ORDER BY 1, 2`);
          const raw = await rows(
            `SELECT series_id::text, date_bin(interval '${width}', time, timestamptz 'epoch') AS bucket, avg(value), min(value), max(value),
             (array_agg(value ORDER BY time DESC))[1] AS last, count(*)::int FROM {{s}}.number_points GROUP BY 1, 2 ORDER BY 1, 2`,
          );
          assert.equal(raw.length, 4, `${view}: one bucket per number series`);
          assert.deepEqual(rollup, raw, view);
        }
        const red = await rows(
          `SELECT span_name, count::int, errors::int, duration_sum_ns::text, duration_max_ns::text FROM {{s}}.span_red_1m ORDER BY 1`,
        );
        assert.deepEqual(
          red,
          await rows(
            `SELECT name AS span_name, count(*)::int AS count, (count(*) FILTER (WHERE status_code = 'Error'))::int AS errors,
             sum(duration_ns)::text AS duration_sum_ns, max(duration_ns)::text AS duration_max_ns FROM {{s}}.trace_spans GROUP BY 1 ORDER BY 1`,
          ),
        );
        assert.deepEqual(
          red.map((r) => [r.span_name, r.count, r.errors]),
          [
            ['GET /cart', 1, 0],
            ['SELECT carts', 1, 1],
          ],
        );
      } finally {
        if (!stopped) await gateway.dispose();
        if (!db) {
          db = new pg.Client({ connectionString: url });
          await db.connect();
        }
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await db.end();
        await embedded?.close();
        embedded = undefined;
      }
    });
  });
}
