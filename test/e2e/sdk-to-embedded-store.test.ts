/**
 * The main job with nothing installed: the official OpenTelemetry JS exporters (HTTP protobuf, HTTP JSON,
 * gRPC) send to the gateway on its embedded defaults, and the data lands as rows in the embedded
 * PostgreSQL, read back with SQL and compared with what the SDK recorded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import pg from 'pg';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { hrToNanos, metricExporter, recordE2eMetrics, traceExporter, tracerProvider, TRANSPORTS } from '../support/otel.js';

let gateway: TestGateway;
let db: pg.Client;

before(async () => {
  gateway = await startTestGateway();
  db = new pg.Client({ connectionString: gateway.endpoints.embeddedStore });
  await db.connect();
});

after(async () => {
  await db?.end();
  await gateway?.dispose();
});

async function rows<T>(sql: string, params: unknown[]): Promise<T[]> {
  try {
    return (await db.query(sql, params)).rows as T[];
  } catch (error) {
    // The adapter creates its tables on start: until then they don't exist.
    if ((error as { code?: string }).code === '42P01') return [];
    throw error;
  }
}

describe('traces from the SDK exporters land as span rows', () => {
  for (const transport of TRANSPORTS) {
    for (const compression of ['none', 'gzip'] as const) {
      test(`${transport}, compression ${compression}`, async () => {
        const service = `checkout-${transport.replace(/\W/g, '-')}-${compression}`;
        const { provider, sent } = tracerProvider(traceExporter(transport, gateway.httpUrl, gateway.grpcUrl, { compression }), {
          'service.name': service,
          'service.version': '1.4.2',
          'host.cores': 8,
        });
        const tracer = provider.getTracer('e2e-tracer', '0.9.1');
        const parent = tracer.startSpan('GET /cart', {
          kind: SpanKind.SERVER,
          attributes: { 'http.status_code': 200, 'http.route': '/cart', retry: false, ratio: 0.25, tags: ['a', 'b'] },
        });
        parent.addEvent('cache miss', { key: 'cart:42' });
        const link = parent.spanContext();
        const { trace, context } = await import('@opentelemetry/api');
        const child = tracer.startSpan(
          'SELECT carts',
          { kind: SpanKind.CLIENT, links: [{ context: link, attributes: { why: 'follows' } }] },
          trace.setSpan(context.active(), parent),
        );
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
        child.end();
        parent.setStatus({ code: SpanStatusCode.OK });
        parent.end();
        await provider.forceFlush();
        const expected = sent.getFinishedSpans(); // before shutdown, which empties the in-memory exporter
        await provider.shutdown();

        assert.equal(expected.length, 2);
        const stored = await eventually(
          () => rows<Record<string, unknown>>(`SELECT * FROM otel_spans WHERE service_name = $1 ORDER BY start_time_unix_nano, span_id`, [service]),
          (r) => r.length >= 2,
          20_000,
          `2 spans of ${service}`,
        );
        assert.equal(stored.length, 2, 'exactly the spans sent, none twice');
        for (const span of expected) {
          const row = stored.find((r) => r.span_id === span.spanContext().spanId);
          assert.ok(row, `span ${span.name} stored`);
          assert.equal(row.trace_id, span.spanContext().traceId);
          assert.equal(row.name, span.name);
          assert.equal(String(row.start_time_unix_nano), String(hrToNanos(span.startTime)));
          assert.equal(String(row.end_time_unix_nano), String(hrToNanos(span.endTime)));
          assert.equal(row.parent_span_id ?? undefined, span.parentSpanContext?.spanId);
          assert.equal(row.kind, span.kind === SpanKind.SERVER ? 'Server' : 'Client');
          assert.deepEqual(row.resource_attributes, {
            'service.name': service,
            'service.version': '1.4.2',
            'host.cores': 8,
            ...pick(row.resource_attributes as object, 'telemetry.'),
          });
          assert.equal(row.scope_name, 'e2e-tracer');
          assert.equal(row.scope_version, '0.9.1');
        }
        const server = stored.find((r) => r.name === 'GET /cart')!;
        assert.deepEqual(server.attributes, { 'http.status_code': 200, 'http.route': '/cart', retry: false, ratio: 0.25, tags: ['a', 'b'] });
        assert.equal(server.status_code, 'Ok');
        const events = server.events as Array<Record<string, unknown>>;
        assert.equal(events.length, 1);
        assert.equal(events[0]!.name, 'cache miss');
        assert.deepEqual(events[0]!.attributes, { key: 'cart:42' });
        const client = stored.find((r) => r.name === 'SELECT carts')!;
        assert.equal(client.status_code, 'Error');
        assert.equal(client.status_message, 'deadlock detected');
        const links = client.links as Array<Record<string, unknown>>;
        assert.equal(links.length, 1);
        assert.equal(links[0]!.span_id, link.spanId);
        assert.deepEqual(links[0]!.attributes, { why: 'follows' });
      });
    }
  }
});

/** The SDK adds telemetry.sdk.* resource attributes of its own: keep whichever it sent. */
function pick(object: object, prefix: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => key.startsWith(prefix)));
}

describe('metrics from the SDK exporters land as point rows', () => {
  for (const transport of TRANSPORTS) {
    for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
      const temporalityName = temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative';
      test(`${transport}, ${temporalityName}`, async () => {
        const service = `billing-${transport.replace(/\W/g, '-')}-${temporalityName}`;
        await recordE2eMetrics(metricExporter(transport, gateway.httpUrl, gateway.grpcUrl, temporality), service);

        const numbers = await eventually(
          () =>
            rows<Record<string, unknown>>(
              `SELECT metric_name, metric_type, temporality, monotonic, value, attributes, metric_unit, scope_name FROM otel_metrics_number WHERE service_name = $1 ORDER BY metric_name, attributes::text`,
              [service],
            ),
          (r) => r.length >= 4,
          20_000,
          `4 number points of ${service}`,
        );
        assert.deepEqual(
          numbers.map((r) => [r.metric_name, r.metric_type, r.value, r.attributes]),
          [
            ['cpu.temperature', 'gauge', 42.5, { core: 0 }],
            ['http.requests', 'sum', 12, { route: '/a' }],
            ['http.requests', 'sum', 1, { route: '/b' }],
            ['queue.depth', 'sum', -3, {}],
          ],
        );
        const requestRow = numbers.find((r) => r.metric_name === 'http.requests')!;
        assert.equal(requestRow.temporality, temporalityName);
        assert.equal(requestRow.monotonic, true);
        assert.equal(requestRow.metric_unit, '{request}');
        assert.equal(requestRow.scope_name, 'e2e-meter');
        assert.equal(numbers.find((r) => r.metric_name === 'queue.depth')!.monotonic, false);

        const histograms = await eventually(
          () =>
            rows<Record<string, unknown>>(
              `SELECT count, sum, min, max, bucket_counts, explicit_bounds, temporality FROM otel_metrics_histogram WHERE service_name = $1 AND metric_name = 'http.latency'`,
              [service],
            ),
          (r) => r.length >= 1,
          20_000,
          'the latency histogram',
        );
        assert.equal(histograms.length, 1);
        const histogram = histograms[0]!;
        assert.equal(Number(histogram.count), 5);
        assert.equal(histogram.sum, 5556);
        assert.equal(histogram.min, 1);
        assert.equal(histogram.max, 5000);
        assert.deepEqual((histogram.bucket_counts as string[]).map(Number), [2, 1, 1, 1]);
        assert.deepEqual(histogram.explicit_bounds, [10, 100, 1000]);
        assert.equal(histogram.temporality, temporalityName);

        const exponential = await eventually(
          () =>
            rows<Record<string, unknown>>(
              `SELECT count, sum, scale, zero_count FROM otel_metrics_exponential_histogram WHERE service_name = $1 AND metric_name = 'payload.size'`,
              [service],
            ),
          (r) => r.length >= 1,
          20_000,
          'the exponential histogram',
        );
        assert.equal(exponential.length, 1);
        assert.equal(Number(exponential[0]!.count), 4);
        assert.equal(exponential[0]!.sum, 1500);
      });
    }
  }
});
