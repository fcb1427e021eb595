/**
 * The series layout end to end: the OpenTelemetry JS SDK's exporters send every metric type it makes (counter,
 * up-down counter, histogram, gauge, exponential histogram) and spans with an event and a link to a gateway
 * writing `layout: series`; read back with SQL through the tables and views and compared with what was sent.
 * On PostgreSQL 15, TimescaleDB's Apache build and an embedded PGlite store. (The community PGlite build serves
 * one connection at a time, which a running gateway holds: it is covered with model batches in postgres-series.test.ts.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded-postgres/postgres.js';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway } from '../support/gateway.js';
import { hrToNanos, metricExporter, recordE2eMetrics, traceExporter, tracerProvider } from '../support/otel.js';

const dir = mkdtempSync(join(tmpdir(), 'manifold-pg2-sdk-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let embedded: EmbeddedPostgres | undefined;

const targets: [string, () => Promise<string>][] = [
  ['PostgreSQL 15', async () => backendUrl('postgres')],
  ['TimescaleDB (Apache build)', async () => backendUrl('timescale')],
  [
    'embedded PGlite store',
    async () => (embedded = await startEmbeddedPostgres({ dataDir: join(dir, 'pglite'), port: 0, logger: pino({ level: 'silent' }) })).url,
  ],
];

for (const [name, urlOf] of targets) {
  describe(`SDK → gateway → series layout on ${name}`, () => {
    test('every SDK metric type and spans land in the new tables, as sent', { timeout: 90_000 }, async () => {
      const url = await urlOf();
      const schema = `manifold_pg2_sdk_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
      const gateway = await startTestGateway(
        { backends: { pg: { kind: 'postgres', url, schema, layout: 'series' } } },
        mkdtempSync(join(dir, 'gw-')),
      );
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const rows = async (sql: string, params: unknown[] = []) =>
        (
          await db.query(sql.replaceAll('{{s}}', `"${schema}"`), params).catch((e: { code?: string }) => {
            if (e.code === '42P01') return { rows: [] }; // tables not made yet
            throw e;
          })
        ).rows;
      try {
        const service = 'pg2-sdk';
        await recordE2eMetrics(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), service);
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
        const expected = sent.getFinishedSpans();
        await provider.shutdown();

        const numbers = await eventually(
          () =>
            rows(
              `SELECT metric_name, metric_type, temporality, value, labels, unit FROM {{s}}.metric_points WHERE service_name = $1 ORDER BY metric_name, labels::text`,
              [service],
            ),
          (r) => r.length >= 4,
          30_000,
          'number points',
        );
        assert.deepEqual(
          numbers.map((r) => [r.metric_name, r.metric_type, r.value, r.labels]),
          [
            ['cpu.temperature', 'gauge', 42.5, { core: 0 }],
            ['http.requests', 'sum', 12, { route: '/a' }],
            ['http.requests', 'sum', 1, { route: '/b' }],
            ['queue.depth', 'sum', -3, {}],
          ],
        );
        assert.equal(numbers[1]!.unit, '{request}');
        const [histogram] = await eventually(
          () =>
            rows(
              `SELECT count::int, sum, min, max, bounds, bucket_counts::text AS buckets FROM {{s}}.histogram_metric_points WHERE metric_name = 'http.latency'`,
            ),
          (r) => r.length >= 1,
          30_000,
          'histogram',
        );
        assert.deepEqual(histogram, { count: 5, sum: 5556, min: 1, max: 5000, bounds: [10, 100, 1000], buckets: '{2,1,1,1}' });
        const exponential = await rows(
          `SELECT p.count::int, p.sum FROM {{s}}.exp_histogram_points p JOIN {{s}}.series s ON s.id = p.series_id WHERE s.metric_name = 'payload.size'`,
        );
        assert.deepEqual(exponential, [{ count: 4, sum: 1500 }]);

        const spans = await eventually(
          () => rows(`SELECT * FROM {{s}}.spans WHERE service_name = $1 ORDER BY name`, [service]),
          (r) => r.length >= 2,
          30_000,
          'spans',
        );
        assert.equal(spans.length, 2);
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
        const client = spans.find((r) => r.name === 'SELECT carts')!;
        assert.deepEqual([client.status_code, client.status_message, client.parent_span_id], ['Error', 'deadlock detected', server.span_id]);
        assert.deepEqual(await rows(`SELECT name, attributes FROM {{s}}.span_events`), [{ name: 'cache miss', attributes: { key: 'cart:42' } }]);
        assert.deepEqual(await rows(`SELECT encode(linked_span_id, 'hex') AS s, attributes FROM {{s}}.span_links`), [
          { s: server.span_id, attributes: { why: 'follows' } },
        ]);
        assert.deepEqual(await (await fetch(`${gateway.adminUrl}/dlq?backend=pg`)).json(), [], 'nothing dead-lettered');
      } finally {
        await gateway.dispose();
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await db.end();
        await embedded?.close();
        embedded = undefined;
      }
    });
  });
}
