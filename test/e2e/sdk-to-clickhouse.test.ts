/**
 * The whole path into ClickHouse: the official OpenTelemetry JS exporters (HTTP protobuf, HTTP JSON, gRPC)
 * send to an in-process gateway whose one backend is the ClickHouse engine (chDB behind its HTTP front),
 * schema applied at start (migrate: auto). Read back with ClickHouse SQL from the Collector-schema tables
 * and the rollup views, compared with what the SDK recorded. A schema problem ends in the dead-letter
 * queue with ClickHouse's own text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { hrToNanos, metricExporter, recordE2eMetrics, traceExporter, tracerProvider, TRANSPORTS } from '../support/otel.js';

const url = backendUrl('clickhouse');
const db = `mf_ch_e2e_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const reader = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    backends: { ch: { kind: 'clickhouse', url, database: db, delivery: { thread: true, retry: { initial_interval: '200ms' } } } },
  });
});

after(async () => {
  await gateway?.dispose();
  await reader.command({ query: `DROP DATABASE IF EXISTS \`${db}\`` });
  await reader.close();
});

/** Rows of a query; none while the gateway has not created the tables yet. */
async function rows<T = Record<string, unknown>>(query: string, params: Record<string, unknown>): Promise<T[]> {
  try {
    return await (await reader.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  } catch (error) {
    if (/UNKNOWN_TABLE|UNKNOWN_DATABASE/.test(String((error as { type?: string }).type))) return [];
    throw error;
  }
}
const ns = (column: string) => `toString(toUnixTimestamp64Nano(${column}))`;

/** The SDK adds telemetry.sdk.* resource attributes of its own: keep whichever it sent. */
function sdkAttributes(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([key]) => key.startsWith('telemetry.')));
}

describe('traces from the SDK exporters land in otel_traces', () => {
  for (const transport of TRANSPORTS) {
    test(transport, async () => {
      const service = `checkout-${transport.replace(/\W/g, '-')}`;
      const { provider, sent } = tracerProvider(traceExporter(transport, gateway.httpUrl, gateway.grpcUrl), {
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
        () =>
          rows<Record<string, unknown> & { ResourceAttributes: Record<string, string> }>(
            `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ${ns('Timestamp')} AS start, toString(Duration) AS duration, ServiceName,
                  ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, StatusCode, StatusMessage,
                  ${`arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp)`} AS event_times, Events.Name AS event_names, Events.Attributes AS event_attributes,
                  Links.TraceId AS link_traces, Links.SpanId AS link_spans, Links.Attributes AS link_attributes
             FROM ${db}.otel_traces WHERE ServiceName = {service:String} ORDER BY Timestamp, SpanId`,
            { service },
          ),
        (r) => r.length >= 2,
        20_000,
        `2 spans of ${service}`,
      );
      assert.equal(stored.length, 2, 'exactly the spans sent, none twice');
      for (const span of expected) {
        const row = stored.find((r) => r.SpanId === span.spanContext().spanId);
        assert.ok(row, `span ${span.name} stored`);
        const start = hrToNanos(span.startTime);
        assert.deepEqual(
          {
            ...row,
            ResourceAttributes: undefined,
            event_times: undefined,
            event_names: undefined,
            event_attributes: undefined,
            link_traces: undefined,
            link_spans: undefined,
            link_attributes: undefined,
          },
          {
            TraceId: span.spanContext().traceId,
            SpanId: span.spanContext().spanId,
            ParentSpanId: span.parentSpanContext?.spanId ?? '',
            SpanName: span.name,
            SpanKind: span.kind === SpanKind.SERVER ? 'Server' : 'Client',
            start: String(start),
            duration: String(hrToNanos(span.endTime) - start),
            ServiceName: service,
            ResourceAttributes: undefined,
            ScopeName: 'e2e-tracer',
            ScopeVersion: '0.9.1',
            SpanAttributes:
              span.kind === SpanKind.SERVER
                ? { 'http.status_code': '200', 'http.route': '/cart', retry: 'false', ratio: '0.25', tags: '["a","b"]' }
                : {},
            StatusCode: span.kind === SpanKind.SERVER ? 'Ok' : 'Error',
            StatusMessage: span.kind === SpanKind.SERVER ? '' : 'deadlock detected',
            event_times: undefined,
            event_names: undefined,
            event_attributes: undefined,
            link_traces: undefined,
            link_spans: undefined,
            link_attributes: undefined,
          },
        );
        assert.deepEqual(row.ResourceAttributes, {
          'service.name': service,
          'service.version': '1.4.2',
          'host.cores': '8',
          ...sdkAttributes(row.ResourceAttributes),
        });
      }
      const server = stored.find((r) => r.SpanName === 'GET /cart')!;
      const [event] = expected.find((s) => s.name === 'GET /cart')!.events;
      assert.deepEqual(
        [server.event_times, server.event_names, server.event_attributes],
        [[String(hrToNanos(event!.time))], ['cache miss'], [{ key: 'cart:42' }]],
      );
      const client = stored.find((r) => r.SpanName === 'SELECT carts')!;
      assert.deepEqual([client.link_traces, client.link_spans, client.link_attributes], [[link.traceId], [link.spanId], [{ why: 'follows' }]]);

      const [red] = await eventually(
        () =>
          rows<{ calls: string; errors: string }>(
            `SELECT toString(countMerge(Calls)) AS calls, toString(countIfMerge(Errors)) AS errors FROM ${db}.otel_traces_red_1m WHERE ServiceName = {service:String}`,
            { service },
          ),
        (r) => r.length === 1 && r[0]!.calls === '2',
        10_000,
        'the rollup',
      );
      assert.deepEqual(red, { calls: '2', errors: '1' });
      // The lookup view aggregates per insert (the SDK exported each span on its own): readers take min/max.
      const [lookup] = await rows<{ start: number; end: number }>(
        `SELECT toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = {trace:String}`,
        { trace: link.traceId },
      );
      const seconds = expected.map((s) => Number(hrToNanos(s.startTime) / 1_000_000_000n));
      assert.deepEqual(lookup, { start: Math.min(...seconds), end: Math.max(...seconds) });
    });
  }
});

describe('metrics from the SDK exporters land in the five metric tables', () => {
  for (const [transport, temporality] of [
    ['http/protobuf', AggregationTemporality.CUMULATIVE],
    ['grpc', AggregationTemporality.DELTA],
  ] as const) {
    const temporalityName = temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative';
    test(`${transport}, ${temporalityName}`, async () => {
      const service = `billing-${transport.replace(/\W/g, '-')}-${temporalityName}`;
      const started = BigInt(Date.now() - 1_000) * 1_000_000n;
      await recordE2eMetrics(metricExporter(transport, gateway.httpUrl, gateway.grpcUrl, temporality), service);
      const params = { service };
      const where = `WHERE ServiceName = {service:String}`;
      const temporalityNumber = temporality === AggregationTemporality.DELTA ? 1 : 2;

      const sums = await eventually(
        () =>
          rows(
            `SELECT MetricName, MetricUnit, MetricDescription, Attributes, Value, AggregationTemporality, IsMonotonic, ScopeName, ScopeVersion FROM ${db}.otel_metrics_sum ${where} ORDER BY MetricName, toString(Attributes)`,
            params,
          ),
        (r) => r.length >= 3,
        20_000,
        `3 sum points of ${service}`,
      );
      assert.deepEqual(sums, [
        {
          MetricName: 'http.requests',
          MetricUnit: '{request}',
          MetricDescription: 'requests served',
          Attributes: { route: '/a' },
          Value: 12,
          AggregationTemporality: temporalityNumber,
          IsMonotonic: true,
          ScopeName: 'e2e-meter',
          ScopeVersion: '2.0.0',
        },
        {
          MetricName: 'http.requests',
          MetricUnit: '{request}',
          MetricDescription: 'requests served',
          Attributes: { route: '/b' },
          Value: 1,
          AggregationTemporality: temporalityNumber,
          IsMonotonic: true,
          ScopeName: 'e2e-meter',
          ScopeVersion: '2.0.0',
        },
        // The SDK's delta preference keeps up-down counters cumulative (as the metrics SDK spec says).
        {
          MetricName: 'queue.depth',
          MetricUnit: '',
          MetricDescription: '',
          Attributes: {},
          Value: -3,
          AggregationTemporality: 2,
          IsMonotonic: false,
          ScopeName: 'e2e-meter',
          ScopeVersion: '2.0.0',
        },
      ]);
      const gauges = await rows<{ TimeUnix: string }>(
        `SELECT MetricName, MetricUnit, Attributes, Value, ${ns('TimeUnix')} AS TimeUnix FROM ${db}.otel_metrics_gauge ${where}`,
        params,
      );
      assert.equal(gauges.length, 1);
      const time = BigInt(gauges[0]!.TimeUnix);
      assert.ok(time >= started && time <= BigInt(Date.now()) * 1_000_000n, `TimeUnix ${time} is the collection time`);
      assert.deepEqual(
        { ...gauges[0], TimeUnix: undefined },
        { MetricName: 'cpu.temperature', MetricUnit: 'Cel', Attributes: { core: '0' }, Value: 42.5, TimeUnix: undefined },
      );

      const histograms = await rows(
        `SELECT MetricName, MetricUnit, toString(Count) AS count, Sum, Min, Max, arrayMap(c -> toString(c), BucketCounts) AS buckets, ExplicitBounds, AggregationTemporality FROM ${db}.otel_metrics_histogram ${where}`,
        params,
      );
      assert.deepEqual(histograms, [
        {
          MetricName: 'http.latency',
          MetricUnit: 'ms',
          count: '5',
          Sum: 5556,
          Min: 1,
          Max: 5000,
          buckets: ['2', '1', '1', '1'],
          ExplicitBounds: [10, 100, 1000],
          AggregationTemporality: temporalityNumber,
        },
      ]);

      const exponential = await rows<{ count: string; Sum: number; Scale: number; zero: string; positive: number }>(
        `SELECT toString(Count) AS count, Sum, Scale, toString(ZeroCount) AS zero, arraySum(PositiveBucketCounts) AS positive, Min, Max FROM ${db}.otel_metrics_exp_histogram ${where} AND MetricName = 'payload.size'`,
        params,
      );
      assert.equal(exponential.length, 1);
      assert.deepEqual(
        { ...exponential[0], Scale: undefined },
        { count: '4', Sum: 1500, Scale: undefined, zero: '0', positive: 4, Min: 100, Max: 800 },
      );
      assert.ok(exponential[0]!.Scale > 0, 'four values in 160 buckets: a fine scale');
    });
  }
});

test("a schema problem: the batch goes to the dead-letter queue with ClickHouse's text", async () => {
  await eventually(
    () => rows(`SELECT 1 FROM ${db}.otel_metrics_gauge LIMIT 1`, {}),
    () => true,
    20_000,
    'the schema',
  );
  await reader.command({ query: `ALTER TABLE ${db}.otel_metrics_gauge DROP COLUMN Flags` });
  const body = JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'broken' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'broken.gauge',
                gauge: { dataPoints: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), asDouble: 1 }] },
              },
            ],
          },
        ],
      },
    ],
  });
  const response = await fetch(`${gateway.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(response.status, 200, 'accepted: durable, then refused by the backend');
  const letters = await eventually(
    async () => (await (await fetch(`${gateway.adminUrl}/dlq?backend=ch`)).json()) as Array<{ reason: string; lastError: string }>,
    (l) => l.length === 1,
    20_000,
    'the dead letter',
  );
  assert.equal(letters[0]!.reason, 'permanent');
  assert.match(letters[0]!.lastError, /^Code: 16\. DB::Exception: No such column Flags in table .*otel_metrics_gauge.*\(NO_SUCH_COLUMN_IN_TABLE\)$/s);
});
