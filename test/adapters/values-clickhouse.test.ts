/**
 * Values a backend may not hold (issue 16), one test per row of the table in src/adapters/clickhouse/README.md:
 * sent with the SDK's OTLP exporters to a gateway writing to the real ClickHouse engine, read back with SQL.
 * Each test sends its odd values in the same export as ordinary ones, and checks that the ordinary ones arrive
 * and that nothing is dead-lettered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import type { Tracer } from '@opentelemetry/api';
import { meterProvider, metricExporter } from '../support/otel.js';
import { assertNothingDeadLettered, selfMetrics, sendSpansInOneExport } from '../support/odd-values.js';

const url = backendUrl('clickhouse');
const db = `mf_ch_values_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const reader = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    backends: { ch: { kind: 'clickhouse', url, database: db, delivery: { retry: { initial_interval: '200ms' } } } },
  });
});
after(async () => {
  await gateway?.dispose();
  await reader.command({ query: `DROP DATABASE IF EXISTS \`${db}\`` });
  await reader.close();
});

async function rows<T = Record<string, any>>(query: string, params: Record<string, unknown>): Promise<T[]> {
  try {
    return await (await reader.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
  } catch (error) {
    if (/UNKNOWN_TABLE|UNKNOWN_DATABASE/.test(String((error as { type?: string }).type))) return [];
    throw error;
  }
}

async function spansOf(service: string, count: number) {
  return eventually(
    () =>
      rows(
        `SELECT SpanName, SpanAttributes, ResourceAttributes, Events.Name AS EventNames FROM \`${db}\`.otel_traces WHERE ServiceName = {s:String} ORDER BY toUInt32(SpanAttributes['index'])`,
        { s: service },
      ),
    (r) => r.length === count,
    30_000,
    `${count} spans of ${service}`,
  );
}

const sendSpans = (service: string, make: (tracer: Tracer) => void) => sendSpansInOneExport(gateway, service, make);
const noDeadLetters = () => assertNothingDeadLettered(gateway, 'ch');

test('NUL (U+0000) is stored as it is: ClickHouse strings are bytes', { timeout: 60_000 }, async () => {
  const service = 'values-nul';
  await sendSpans(service, (tracer) => {
    for (let i = 0; i < 3; i++) {
      const span = tracer.startSpan(i === 1 ? 'name \u0000 here' : `span ${i}`, { attributes: { index: i } });
      if (i === 0) span.setAttributes({ nul: 'a\u0000b', 'key\u0000': 'k' });
      if (i === 2) span.addEvent('event \u0000');
      span.end();
    }
  });
  const [first, second, third] = await spansOf(service, 3);
  assert.equal(first!.SpanAttributes.nul, 'a\u0000b');
  assert.equal(first!.SpanAttributes['key\u0000'], 'k');
  assert.equal(second!.SpanName, 'name \u0000 here');
  assert.deepEqual(third!.EventNames, ['event \u0000']);
  await noDeadLetters();
});

test('a lone UTF-16 surrogate becomes U+FFFD (the queue keeps well-formed UTF-8), the rest of the string kept', { timeout: 60_000 }, async () => {
  const service = 'values-surrogate';
  await sendSpans(service, (tracer) => {
    tracer.startSpan('x\ud800y', { attributes: { index: 0, lone: 'a\udc00b' } }).end();
    tracer.startSpan('plain', { attributes: { index: 1 } }).end();
  });
  const [first, second] = await spansOf(service, 2);
  assert.equal(first!.SpanName, 'x\ufffdy');
  assert.equal(first!.SpanAttributes.lone, 'a\ufffdb');
  assert.equal(second!.SpanName, 'plain');
  await noDeadLetters();
});

test('a huge attribute value is cut to limits.max_attribute_value_length (16,384) by the gateway, before any backend', {
  timeout: 60_000,
}, async () => {
  const service = 'values-huge';
  const huge = 'é'.repeat(1024 * 1024);
  await sendSpans(service, (tracer) => {
    tracer.startSpan('huge', { attributes: { index: 0, huge } }).end();
    tracer.startSpan('plain', { attributes: { index: 1 } }).end();
  });
  const [first] = await spansOf(service, 2);
  assert.equal(first!.SpanAttributes.huge, huge.slice(0, 16_384));
  await noDeadLetters();
});

test('control characters (newline, CR, tab) are stored as they are', { timeout: 60_000 }, async () => {
  const service = 'values-control';
  await sendSpans(service, (tracer) => {
    tracer.startSpan('line\none', { attributes: { index: 0, text: 'a\r\n\tb', 'key\nline': 'v' } }).end();
  });
  const [first] = await spansOf(service, 1);
  assert.equal(first!.SpanName, 'line\none');
  assert.equal(first!.SpanAttributes.text, 'a\r\n\tb');
  assert.equal(first!.SpanAttributes['key\nline'], 'v');
  await noDeadLetters();
});

test('NaN and ±Inf are stored as such (Float64 columns hold them)', { timeout: 60_000 }, async () => {
  const service = 'values-nan';
  const provider = meterProvider(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), { 'service.name': service });
  const values: Record<string, number> = { nan: Number.NaN, inf: Infinity, ninf: -Infinity, one: 1 };
  provider
    .getMeter('values')
    .createObservableGauge('values.odd')
    .addCallback((result) => {
      for (const [v, value] of Object.entries(values)) result.observe(value, { v });
    });
  await provider.shutdown();
  const stored = await eventually(
    () =>
      rows<{ v: string; value: string }>(
        `SELECT Attributes['v'] AS v, toString(Value) AS value FROM \`${db}\`.otel_metrics_gauge WHERE ServiceName = {s:String} ORDER BY v`,
        { s: service },
      ),
    (r) => r.length === 4,
    30_000,
    'four gauge points',
  );
  assert.deepEqual(stored, [
    { v: 'inf', value: 'inf' },
    { v: 'nan', value: 'nan' },
    { v: 'ninf', value: '-inf' },
    { v: 'one', value: '1' },
  ]);
  await noDeadLetters();
});

test("a time past int64 nanoseconds (after 2262-04-11, also DateTime64(9)'s end) is refused by the receiver: OTLP partial success, counted as rejected", {
  timeout: 60_000,
}, async () => {
  const service = 'values-far-time';
  const far = new Date(Date.UTC(2300, 0, 1));
  const counted = /^manifold_receiver_items_total\{signal="traces"/;
  const before = await selfMetrics(gateway, counted);
  await sendSpans(service, (tracer) => {
    tracer.startSpan('far', { attributes: { index: 0 }, startTime: far }).end(far);
    tracer.startSpan('plain', { attributes: { index: 1 } }).end();
  });
  const [only] = await spansOf(service, 1);
  assert.equal(only!.SpanName, 'plain');
  const after = await selfMetrics(gateway, counted);
  const grew = (result: string) => {
    const key = `manifold_receiver_items_total{signal="traces",transport="http",result="${result}"}`;
    return (after[key] ?? 0) - (before[key] ?? 0);
  };
  assert.deepEqual([grew('accepted'), grew('rejected')], [1, 1], 'one span accepted, one rejected');
  await noDeadLetters();
});
