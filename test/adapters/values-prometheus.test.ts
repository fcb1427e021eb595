/**
 * Values remote write, Prometheus or VictoriaMetrics may not hold (issue 16), one test per row of the table in
 * src/adapters/prometheus/README.md: sent with the SDK's OTLP exporter to a gateway writing to a real Prometheus
 * and a real VictoriaMetrics, read back with PromQL (Prometheus) and /api/v1/export (VictoriaMetrics). Each odd
 * value travels in the same export as a plain series; the plain one must arrive and nothing may be dead-lettered.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { meterProvider, metricExporter } from '../support/otel.js';
import { assertNothingDeadLettered, selfMetrics } from '../support/odd-values.js';
import { promRaw, vmExport } from './prometheus/support.js';

const run = randomBytes(3).toString('hex');
const prometheus = backendUrl('prometheus');
const victoria = backendUrl('victoria');
let gateway: TestGateway;

before(async () => {
  const retry = { initial_interval: '200ms' };
  gateway = await startTestGateway({
    backends: {
      prom: { kind: 'prometheus', url: `${prometheus}/api/v1/write`, delivery: { retry } },
      vm: { kind: 'prometheus', url: `${victoria}/api/v1/write`, delivery: { retry } },
    },
  });
});
after(async () => {
  await gateway?.dispose();
});

async function noDeadLetters(): Promise<void> {
  await assertNothingDeadLettered(gateway, 'prom');
  await assertNothingDeadLettered(gateway, 'vm');
}

/** One export of gauge points of `name`, each series with its own attributes, beside a plain series `{ v: 'plain' }`. */
async function sendGauges(service: string, series: readonly { attributes: Attributes; value: number }[], name = 'values.odd'): Promise<void> {
  const provider = meterProvider(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), { 'service.name': service });
  provider
    .getMeter('values')
    .createObservableGauge(name)
    .addCallback((result) => {
      for (const { attributes, value } of series) result.observe(value, attributes);
    });
  provider
    .getMeter('values')
    .createObservableGauge('values.plain')
    .addCallback((result) => result.observe(1, { v: 'plain' }));
  await provider.shutdown();
}

/** PromQL's JSON writes values as text: "+Inf", "-Inf", "NaN" among them. */
const promValue = (text: string): number => (text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text));

interface Stored {
  labels: Record<string, string>;
  values: number[];
}

/** The series of `selector` in Prometheus and in VictoriaMetrics, once the plain series of the same export is there in both. */
async function stored(service: string, selector: string, expect: number, vmExpect = expect): Promise<{ prom: Stored[]; vm: Stored[] }> {
  const now = Date.now() + 1000;
  await promRaw(prometheus, `values_plain{job="${service}"}`, now, 1);
  await vmExport(victoria, `values_plain{job="${service}"}`, 1);
  const prom = (await promRaw(prometheus, selector, now, expect)).map((s) => ({ labels: s.metric, values: s.values.map(([, v]) => promValue(v)) }));
  const vm = (await vmExport(victoria, selector, vmExpect)).map((s) => ({ labels: s.metric, values: s.values }));
  return { prom, vm };
}

const byV = (series: Stored[]) => Object.fromEntries(series.map((one) => [one.labels.v ?? '(none)', one]));

test('NUL (U+0000) in a label value is stored as it is by both', { timeout: 60_000 }, async () => {
  const service = `values-nul-${run}`;
  await sendGauges(service, [{ attributes: { v: 'a\u0000b' }, value: 2 }]);
  const { prom, vm } = await stored(service, `values_odd{job="${service}"}`, 1);
  for (const found of [prom, vm]) assert.deepEqual(byV(found)['a\u0000b']?.values, [2]);
  await noDeadLetters();
});

test('a lone UTF-16 surrogate becomes U+FFFD (remote write strings must be UTF-8)', { timeout: 60_000 }, async () => {
  const service = `values-surrogate-${run}`;
  await sendGauges(service, [{ attributes: { v: 'a\ud800b' }, value: 2 }]);
  const { prom, vm } = await stored(service, `values_odd{job="${service}"}`, 1);
  for (const found of [prom, vm]) assert.deepEqual(byV(found)['a\ufffdb']?.values, [2]);
  await noDeadLetters();
});

test('an empty attribute value leaves its label out (Prometheus reads an empty label as absent)', { timeout: 60_000 }, async () => {
  const service = `values-empty-${run}`;
  await sendGauges(service, [{ attributes: { v: 'empty', blank: '' }, value: 2 }]);
  const { prom, vm } = await stored(service, `values_odd{job="${service}"}`, 1);
  for (const found of [prom, vm]) assert.deepEqual(Object.keys(byV(found).empty!.labels).sort(), ['__name__', 'job', 'otel_scope_name', 'v']);
  await noDeadLetters();
});

test('label names: characters outside [a-zA-Z0-9_] become _, and keys that then collide are joined with ;', { timeout: 60_000 }, async () => {
  const service = `values-keys-${run}`;
  await sendGauges(service, [{ attributes: { v: 'keys', 'http.route': '/a', 'a.b': 'x', a_b: 'y' }, value: 2 }]);
  const { prom, vm } = await stored(service, `values_odd{job="${service}"}`, 1);
  for (const found of [prom, vm]) {
    const { labels } = byV(found).keys!;
    assert.deepEqual([labels.http_route, labels.a_b], ['/a', 'x;y']);
  }
  await noDeadLetters();
});

test('NaN: Prometheus stores it, VictoriaMetrics drops the sample; ±Inf stored by both', { timeout: 60_000 }, async () => {
  const service = `values-nan-${run}`;
  await sendGauges(service, [
    { attributes: { v: 'nan' }, value: Number.NaN },
    { attributes: { v: 'inf' }, value: Infinity },
    { attributes: { v: 'ninf' }, value: -Infinity },
  ]);
  const { prom, vm } = await stored(service, `values_odd{job="${service}"}`, 3, 2);
  const p = byV(prom);
  assert.ok(Number.isNaN(p.nan?.values[0]), 'Prometheus keeps NaN');
  assert.deepEqual([p.inf?.values, p.ninf?.values], [[Infinity], [-Infinity]]);
  const v = byV(vm);
  assert.equal(v.nan, undefined, 'VictoriaMetrics drops NaN');
  assert.deepEqual([v.inf?.values, v.ninf?.values], [[Infinity], [-Infinity]]);
  await noDeadLetters();
});

test('a huge value is cut to 16,384 characters by the gateway; VictoriaMetrics cuts a label value past 16 KiB (-maxLabelValueLen)', {
  timeout: 60_000,
}, async () => {
  const service = `values-huge-${run}`;
  const huge = 'é'.repeat(1024 * 1024); // two bytes each in UTF-8
  await sendGauges(service, [{ attributes: { v: 'huge', huge }, value: 2 }]);
  const { prom, vm } = await stored(service, `values_odd{job="${service}"}`, 1);
  assert.equal(byV(prom).huge?.labels.huge, huge.slice(0, 16_384));
  assert.equal(byV(vm).huge?.labels.huge, huge.slice(0, 8_192));
  await noDeadLetters();
});

test('more than 30 labels: Prometheus keeps them all, VictoriaMetrics drops those past -maxLabelsPerTimeseries (30)', {
  timeout: 60_000,
}, async () => {
  const service = `values-many-${run}`;
  const many: Attributes = { v: 'many' };
  for (let i = 0; i < 40; i++) many[`k${i}`] = String(i);
  await sendGauges(service, [{ attributes: many, value: 2 }]);
  const { prom, vm } = await stored(service, `values_odd{job="${service}"}`, 1);
  assert.equal(Object.keys(byV(prom).many!.labels).length, 44, '__name__, job, otel_scope_name, v and 40 more');
  assert.equal(vm.length, 1);
  assert.equal(Object.keys(vm[0]!.labels).length, 30, 'VictoriaMetrics keeps 30');
  await noDeadLetters();
});

test('a metric name with no valid character (e.g. "...") cannot name a series: skipped and counted, the rest of the request stored', {
  timeout: 60_000,
}, async () => {
  const service = `values-noname-${run}`;
  const reason = 'metric name has no valid characters';
  const counter = (backend: string) => `manifold_backend_skipped_items_total{backend="${backend}",reason="${reason}"}`;
  const before = await selfMetrics(gateway, /skipped/);
  // The SDK refuses such an instrument name, so this one request is OTLP/JSON written out.
  const nowNs = `${BigInt(Date.now()) * 1_000_000n}`;
  const gauge = (name: string) => ({ name, gauge: { dataPoints: [{ timeUnixNano: nowNs, asDouble: 1 }] } });
  const body = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [{ scope: { name: 'values' }, metrics: [gauge('...'), gauge('values.plain')] }],
      },
    ],
  };
  const response = await fetch(`${gateway.httpUrl}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
  await stored(service, `values_plain{job="${service}"}`, 1);
  for (const backend of ['prom', 'vm']) {
    await eventually(
      async () => ((await selfMetrics(gateway, /skipped/))[counter(backend)] ?? 0) - (before[counter(backend)] ?? 0),
      (n) => n === 1,
      10_000,
      `${backend}: one point skipped`,
    );
  }
  await noDeadLetters();
});
