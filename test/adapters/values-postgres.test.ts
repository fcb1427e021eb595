/**
 * Values PostgreSQL cannot hold (issue 16), sent with the SDK's OTLP/HTTP JSON exporter to a gateway writing to
 * the real PostgreSQL, read back with SQL: a NUL in an attribute value, an attribute key, a span name, an event
 * name and a resource attribute is stored as U+FFFD (text and jsonb refuse NUL: it used to fail the whole batch),
 * a lone surrogate as U+FFFD too (the queue's format already makes it one), a 1 MB attribute value cut to the gateway's attribute value limit;
 * the other spans of the same batch all arrive and nothing is dead-lettered.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { meterProvider, metricExporter, traceExporter } from '../support/otel.js';

const schema = `values_${randomBytes(4).toString('hex')}`;
let gateway: TestGateway;
let db: pg.Client;

before(async () => {
  gateway = await startTestGateway({ backends: { pg: { kind: 'postgres', url: backendUrl('postgres'), schema } } });
  db = new pg.Client({ connectionString: backendUrl('postgres') });
  await db.connect();
});
after(async () => {
  await gateway?.dispose();
  await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db?.end();
});

test("NUL and lone surrogates become U+FFFD, a 1 MB string is cut to the limit; the batch's other spans arrive", { timeout: 60_000 }, async () => {
  const service = `values-\u0000-svc`;
  // One export of all 46 spans: one request, one batch, as in the drill that found the bug.
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'host.\u0000': 'r' }),
    spanProcessors: [
      new BatchSpanProcessor(traceExporter('http/json', gateway.httpUrl, gateway.grpcUrl), { maxExportBatchSize: 100, scheduledDelayMillis: 60_000 }),
    ],
  });
  const tracer = provider.getTracer('values');
  const huge = 'x'.repeat(1024 * 1024);
  for (let i = 0; i < 46; i++) {
    const span = tracer.startSpan(i === 1 ? 'name with \u0000 NUL' : `span ${i}`, { attributes: { index: i } });
    if (i === 0) span.setAttributes({ nul: 'a\u0000b', 'key\u0000': 'k', lone: 'x\ud800y' });
    if (i === 2) span.setAttribute('huge', huge);
    if (i === 3) span.addEvent('event \u0000');
    span.end();
  }
  await provider.forceFlush();
  await provider.shutdown();

  const rows = await eventually(
    async () =>
      (
        await db
          .query(
            `SELECT name, service_name, attributes, events, resource_attributes FROM ${schema}.otel_spans WHERE service_name = $1 ORDER BY (attributes->>'index')::int`,
            ['values-\ufffd-svc'],
          )
          .catch(() => ({ rows: [] }))
      ).rows,
    (r) => r.length === 46,
    30_000,
    '46 spans',
  );
  const first = rows[0]!;
  assert.equal(first.attributes.nul, 'a\ufffdb');
  assert.equal(first.attributes['key\ufffd'], 'k');
  assert.equal(first.attributes.lone, 'x\ufffdy');
  assert.equal(first.resource_attributes['host.\ufffd'], 'r');
  assert.equal(rows[1]!.name, 'name with \ufffd NUL');
  // Cut by the gateway's own limit (limits.max_attribute_value_length, 16,384 by default), before any backend.
  assert.equal(rows[2]!.attributes.huge, huge.slice(0, 16_384));
  assert.equal(rows[3]!.events[0].name, 'event \ufffd');
  assert.deepEqual(
    rows.map((r) => r.attributes.index),
    Array.from({ length: 46 }, (_, i) => i),
  );
  assert.deepEqual(await (await fetch(`${gateway.adminUrl}/dlq?backend=pg`)).json(), [], 'nothing dead-lettered');
});

test('NaN and ±Inf values are stored as float8 holds them; as attribute values (JSON has no NaN) as the text PostgreSQL prints', {
  timeout: 60_000,
}, async () => {
  const service = 'values-nan-svc';
  const provider = meterProvider(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), { 'service.name': service });
  const values: Record<string, number> = { nan: Number.NaN, inf: Infinity, ninf: -Infinity };
  provider
    .getMeter('values')
    .createObservableGauge('values.odd')
    .addCallback((result) => {
      for (const [v, value] of Object.entries(values)) result.observe(value, { v, odd: value });
    });
  await provider.shutdown();
  const rows = await eventually(
    async () =>
      (
        await db
          .query(
            `SELECT attributes->>'v' AS v, value::text AS value, attributes->'odd' AS odd FROM ${schema}.otel_metrics_number WHERE service_name = $1 ORDER BY 1`,
            [service],
          )
          .catch(() => ({ rows: [] }))
      ).rows,
    (r) => r.length === 3,
    30_000,
    'three points',
  );
  assert.deepEqual(rows, [
    { v: 'inf', value: 'Infinity', odd: 'Infinity' },
    { v: 'nan', value: 'NaN', odd: 'NaN' },
    { v: 'ninf', value: '-Infinity', odd: '-Infinity' },
  ]);
  assert.deepEqual(await (await fetch(`${gateway.adminUrl}/dlq?backend=pg`)).json(), [], 'nothing dead-lettered');
});
