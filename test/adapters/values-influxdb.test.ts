/**
 * Values line protocol or InfluxDB may not hold (issue 16), one test per row of the table in
 * src/adapters/influxdb/README.md: sent with the SDK's OTLP exporters to a gateway writing to a real InfluxDB 1.x,
 * read back with InfluxQL. Each odd value travels in the same export as plain ones; the plain ones must arrive
 * and nothing may be dead-lettered.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { meterProvider, metricExporter } from '../support/otel.js';
import { assertNothingDeadLettered, selfMetrics, sendSpansInOneExport } from '../support/odd-values.js';
import { dropDatabase, select } from './influxdb/support.js';

const influx = backendUrl('influxdb1');
const db = `manifold_values_${randomBytes(3).toString('hex')}`;
let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    backends: { influx: { kind: 'influxdb', url: influx, database: db, create_database: true, delivery: { retry: { initial_interval: '200ms' } } } },
  });
});
after(async () => {
  await gateway?.dispose();
  await dropDatabase(influx, db);
});

const noDeadLetters = () => assertNothingDeadLettered(gateway, 'influx');

/** One export of gauge points, each series with its own attributes, beside a plain series `{ v: 'plain' }`. */
async function sendGauges(service: string, series: readonly { attributes: Attributes; value: number }[]): Promise<void> {
  const provider = meterProvider(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), { 'service.name': service });
  provider
    .getMeter('values')
    .createObservableGauge('values.odd')
    .addCallback((result) => {
      for (const { attributes, value } of [...series, { attributes: { v: 'plain' }, value: 1 }]) result.observe(value, attributes);
    });
  await provider.shutdown();
}

async function gaugeRows(service: string, count: number): Promise<Record<string, any>[]> {
  return eventually(
    () => select(influx, db, `SELECT * FROM "values.odd" WHERE "service.name" = '${service}'`),
    (rows) => rows.length >= count,
    20_000,
    `${count} points`,
  );
}

const byV = (rows: Record<string, any>[]) => Object.fromEntries(rows.map((row) => [row.v ?? '(none)', row]));

test('NUL (U+0000) is stored as it is, in tags and in string fields', { timeout: 60_000 }, async () => {
  const service = 'values-nul';
  await sendGauges(service, [{ attributes: { v: 'a\u0000b' }, value: 2 }]);
  await sendSpansInOneExport(gateway, service, (tracer) => tracer.startSpan('span \u0000 name', { attributes: { nul: 'x\u0000y' } }).end());
  const points = byV(await gaugeRows(service, 2));
  assert.equal(points['a\u0000b']?.gauge, 2);
  assert.equal(points.plain?.gauge, 1);
  const [span] = await eventually(
    () => select(influx, db, `SELECT * FROM spans WHERE "service.name" = '${service}'`),
    (rows) => rows.length === 1,
    20_000,
    'the span',
  );
  assert.equal(span!['span.name'], 'span \u0000 name');
  assert.equal(span!.name, 'span \u0000 name');
  assert.deepEqual(JSON.parse(span!.attributes as string), { nul: 'x\u0000y' });
  await noDeadLetters();
});

test('a lone UTF-16 surrogate becomes U+FFFD (the queue keeps well-formed UTF-8)', { timeout: 60_000 }, async () => {
  const service = 'values-surrogate';
  await sendGauges(service, [{ attributes: { v: 'a\ud800b' }, value: 2 }]);
  const points = byV(await gaugeRows(service, 2));
  assert.equal(points['a\ufffdb']?.gauge, 2);
  await noDeadLetters();
});

test('newline, CR and tab in a tag are stored as the two characters \\n, \\r, \\t; in a string field as they are', { timeout: 60_000 }, async () => {
  const service = 'values-control';
  await sendGauges(service, [{ attributes: { v: 'a\nb\rc\td' }, value: 2 }]);
  await sendSpansInOneExport(gateway, service, (tracer) => tracer.startSpan('plain', { attributes: { text: 'x\ny' } }).end());
  const points = byV(await gaugeRows(service, 2));
  assert.equal(points['a\\nb\\rc\\td']?.gauge, 2);
  const [span] = await eventually(
    () => select(influx, db, `SELECT * FROM spans WHERE "service.name" = '${service}'`),
    (rows) => rows.length === 1,
    20_000,
    'the span',
  );
  assert.deepEqual(JSON.parse(span!.attributes as string), { text: 'x\ny' });
  await noDeadLetters();
});

test('a tag value ending in a backslash (no valid spelling) loses its trailing backslashes', { timeout: 60_000 }, async () => {
  const service = 'values-backslash';
  await sendGauges(service, [{ attributes: { v: 'C:\\dir\\\\' }, value: 2 }]);
  const points = byV(await gaugeRows(service, 2));
  assert.equal(points['C:\\dir']?.gauge, 2);
  await noDeadLetters();
});

test('the keys time, _measurement and _field (reserved) get a trailing _', { timeout: 60_000 }, async () => {
  const service = 'values-reserved';
  await sendGauges(service, [{ attributes: { v: 'reserved', time: 't', _measurement: 'm', _field: 'f' }, value: 2 }]);
  const points = byV(await gaugeRows(service, 2));
  const { time_, _measurement_, _field_ } = points.reserved!;
  assert.deepEqual([time_, _measurement_, _field_], ['t', 'm', 'f']);
  await noDeadLetters();
});

test('an empty attribute value is left out (line protocol has no empty tag value)', { timeout: 60_000 }, async () => {
  const service = 'values-empty';
  await sendGauges(service, [{ attributes: { v: 'empty', blank: '' }, value: 2 }]);
  const points = byV(await gaugeRows(service, 2));
  assert.equal(points.empty?.gauge, 2);
  assert.equal(points.empty?.blank ?? null, null);
  await noDeadLetters();
});

test('a huge attribute value is cut to limits.max_attribute_value_length (16,384) by the gateway', { timeout: 60_000 }, async () => {
  const service = 'values-huge';
  const huge = 'é'.repeat(1024 * 1024);
  await sendGauges(service, [{ attributes: { v: 'huge', huge }, value: 2 }]);
  const points = byV(await gaugeRows(service, 2));
  assert.equal(points.huge?.huge, huge.slice(0, 16_384));
  await noDeadLetters();
});

test('NaN and ±Inf cannot be written: the field is left out, a point left without fields is skipped and counted', { timeout: 60_000 }, async () => {
  const service = 'values-nan';
  const skipped = /^manifold_backend_skipped_items_total\{backend="influx"/;
  const before = Object.values(await selfMetrics(gateway, skipped)).reduce((a, b) => a + b, 0);
  await sendGauges(service, [
    { attributes: { v: 'nan' }, value: Number.NaN },
    { attributes: { v: 'inf' }, value: Infinity },
    { attributes: { v: 'ninf' }, value: -Infinity },
  ]);
  const points = byV(await gaugeRows(service, 1));
  assert.deepEqual(Object.keys(points), ['plain']);
  const counted = await eventually(
    async () => Object.values(await selfMetrics(gateway, skipped)).reduce((a, b) => a + b, 0) - before,
    (n) => n >= 3,
    10_000,
    'three skipped',
  );
  assert.equal(counted, 3);
  await noDeadLetters();
});

test('a series key over 65,535 bytes (InfluxDB refuses the line and its request): the point is left out and counted, the rest of the batch stored', {
  timeout: 60_000,
}, async () => {
  const service = 'values-long-key';
  const long = 'k'.repeat(16_000); // each value within the attribute limit, five of them past InfluxDB's key limit
  const skipped = 'manifold_backend_skipped_items_total{backend="influx",reason="series key over 65,535 bytes (InfluxDB refuses it)"}';
  const before = (await selfMetrics(gateway, /skipped/))[skipped] ?? 0;
  await sendGauges(service, [
    { attributes: { v: 'long', a: long, b: long, c: long, d: long, e: long }, value: 2 },
    { attributes: { v: 'short', a: long }, value: 3 },
  ]);
  const points = byV(await gaugeRows(service, 2));
  assert.deepEqual(Object.keys(points).sort(), ['plain', 'short']);
  await eventually(
    async () => ((await selfMetrics(gateway, /skipped/))[skipped] ?? 0) - before,
    (n) => n === 1,
    10_000,
    'one point skipped for its key',
  );
  await noDeadLetters();
});
