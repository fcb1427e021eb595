/**
 * The remote-write adapter against real servers: Prometheus 2.42 (plain, and with exemplar storage and native
 * histograms), VictoriaMetrics. Batches are written with the adapter and read back with each server's own API;
 * names, labels, values and timestamps are compared with what the OpenTelemetry compatibility spec says.
 * A missing backend fails the test (backendUrl throws), never skips it.
 */
import assert from 'node:assert/strict';
import { type IncomingHttpHeaders, createServer as createHttpServer } from 'node:http';
import { type Socket, createServer } from 'node:net';
import { describe, it } from 'node:test';
import type { Counter, Histogram, Meter } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import snappy from 'snappy';
import { remoteWriteMessages } from './prometheus/reference-proto.js';
import { decodeMetrics } from '../../src/otlp/index.js';
import { PermanentWriteError, TransientWriteError } from '../../src/adapters/contract.js';
import { writeDecoded } from '../support/write.js';
import { FLAG_NO_RECORDED_VALUE, type MetricPoint } from '../../src/model/index.js';
import { backendUrl } from '../support/backends.js';
import * as f from './prometheus/fixtures.js';
import { PrivatePrometheus } from './prometheus/private-prometheus.js';
import { makeAdapter, promExemplars, promQuery, promRaw, promSeries, seriesId, sleep, uniqueService, vmExport, write } from './prometheus/support.js';

/** A recent, whole-second base time: Prometheus refuses samples older than its head. */
function baseMs(): number {
  return Math.floor((Date.now() - 60_000) / 1000) * 1000;
}
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

/** Every metric type, under one resource and scope, at `t`; and what the spec says Prometheus must hold. */
function everyType(service: string, t: number) {
  const r = f.resource({
    'service.name': service,
    'service.namespace': 'shop',
    'service.instance.id': 'inst-1',
    'host.name': 'h1',
    'deployment.environment': 'test',
  });
  const s = f.scope('io.manifold.test', '2.0');
  const c = { resource: r, scope: s, time: ns(t), start: ns(t - 10_000) };
  const points: MetricPoint[] = [
    f.numberPoint({ ...c, metric: f.descriptor('system.memory.utilization', 'gauge', { unit: '1' }), attributes: { state: 'used' }, value: 0.5 }),
    f.numberPoint({
      ...c,
      metric: f.descriptor('http.server.requests', 'sum', { unit: '{request}', monotonic: true }),
      attributes: { 'http.method': 'GET', http_method: 'POST', '2xx': true, _private: 'p' },
      value: 7n,
    }),
    f.numberPoint({ ...c, metric: f.descriptor('queue.size', 'sum', { unit: 'By' }), value: 12 }),
    f.numberPoint({ ...c, metric: f.descriptor('cpu.temp', 'gauge', { unit: 'Cel' }), value: -3.25 }),
    f.numberPoint({ ...c, metric: f.descriptor('net.rate', 'gauge', { unit: 'By/s' }), value: 1e21 }),
    f.histogramPoint({
      ...c,
      metric: f.descriptor('http.server.duration', 'histogram', { unit: 'ms' }),
      bounds: [10, 100.5],
      counts: [1, 2, 3],
      sum: 500,
    }),
    f.summaryPoint({
      ...c,
      metric: f.descriptor('rpc.latency', 'summary', { unit: 's' }),
      count: 20,
      sum: 10,
      quantiles: [
        [0.5, 0.2],
        [0.99, 1.5],
      ],
    }),
  ];
  const common = { job: `shop/${service}`, instance: 'inst-1', otel_scope_name: 'io.manifold.test', otel_scope_version: '2.0' };
  const expected: { labels: Record<string, string>; value: string }[] = [
    { labels: { __name__: 'system_memory_utilization_ratio', ...common, state: 'used' }, value: '0.5' },
    { labels: { __name__: 'http_server_requests_total', ...common, http_method: 'GET;POST', key_2xx: 'true', key_private: 'p' }, value: '7' },
    { labels: { __name__: 'queue_size_bytes', ...common }, value: '12' },
    { labels: { __name__: 'cpu_temp_celsius', ...common }, value: '-3.25' },
    { labels: { __name__: 'net_rate_bytes_per_second', ...common }, value: '1e+21' },
    { labels: { __name__: 'http_server_duration_milliseconds_bucket', ...common, le: '10' }, value: '1' },
    { labels: { __name__: 'http_server_duration_milliseconds_bucket', ...common, le: '100.5' }, value: '3' },
    { labels: { __name__: 'http_server_duration_milliseconds_bucket', ...common, le: '+Inf' }, value: '6' },
    { labels: { __name__: 'http_server_duration_milliseconds_sum', ...common }, value: '500' },
    { labels: { __name__: 'http_server_duration_milliseconds_count', ...common }, value: '6' },
    { labels: { __name__: 'rpc_latency_seconds', ...common, quantile: '0.5' }, value: '0.2' },
    { labels: { __name__: 'rpc_latency_seconds', ...common, quantile: '0.99' }, value: '1.5' },
    { labels: { __name__: 'rpc_latency_seconds_sum', ...common }, value: '10' },
    { labels: { __name__: 'rpc_latency_seconds_count', ...common }, value: '20' },
    { labels: { __name__: 'target_info', job: `shop/${service}`, instance: 'inst-1', host_name: 'h1', deployment_environment: 'test' }, value: '1' },
  ];
  expected.sort((a, b) => seriesId(a.labels).localeCompare(seriesId(b.labels)));
  return { points, expected };
}

describe('Prometheus 2.42 (plain)', () => {
  it('stores every metric type with the spec names, labels, values and millisecond timestamps', async () => {
    const url = backendUrl('prometheus');
    const service = uniqueService('every-type');
    const t = baseMs() + 123; // a non-round millisecond, to see it survive exactly
    const { points, expected } = everyType(service, t);
    const adapter = makeAdapter(url);
    await adapter.start();
    const result = await write(adapter, points);
    assert.deepEqual(result, { written: points.length });

    const got = await promRaw(url, `{job="shop/${service}"}`, t + 1000, expected.length);
    assert.deepEqual(
      got.map((series) => series.metric),
      expected.map((e) => e.labels),
    );
    for (const [i, series] of got.entries()) {
      assert.deepEqual(series.values, [[t / 1000, expected[i]!.value]], seriesId(series.metric));
    }
    // /api/v1/series sees the same set, target_info once.
    const names = (await promSeries(url, `{job="shop/${service}"}`)).map((labels) => labels.__name__).sort();
    assert.equal(names.filter((name) => name === 'target_info').length, 1);
    assert.equal(names.length, expected.length);
    await adapter.close();
  });

  it('writes NaN and ±Inf as values, and no-recorded-value as a staleness marker that ends the series', async () => {
    const url = backendUrl('prometheus');
    const service = uniqueService('special-values');
    const t = baseMs();
    const r = f.resource({ 'service.name': service });
    const s = f.scope('special');
    const gauge = f.descriptor('special.value', 'gauge');
    const adapter = makeAdapter(url);
    await write(adapter, [
      f.numberPoint({ resource: r, scope: s, metric: gauge, attributes: { v: 'nan' }, time: ns(t), value: Number.NaN }),
      f.numberPoint({ resource: r, scope: s, metric: gauge, attributes: { v: 'inf' }, time: ns(t), value: Infinity }),
      f.numberPoint({ resource: r, scope: s, metric: gauge, attributes: { v: '-inf' }, time: ns(t), value: -Infinity }),
      f.numberPoint({ resource: r, scope: s, metric: gauge, attributes: { v: 'stale' }, time: ns(t), value: 42 }),
      f.numberPoint({
        resource: r,
        scope: s,
        metric: gauge,
        attributes: { v: 'stale' },
        time: ns(t + 1000),
        value: 0,
        flags: FLAG_NO_RECORDED_VALUE,
      }),
      f.numberPoint({ resource: r, scope: s, metric: gauge, attributes: { v: 'kept' }, time: ns(t), value: 1 }),
    ]);
    const raw = await promRaw(url, `special_value{job="${service}"}`, t + 2000, 5);
    const byV = Object.fromEntries(raw.map((series) => [series.metric.v, series.values]));
    assert.deepEqual(byV.nan, [[t / 1000, 'NaN']]);
    assert.deepEqual(byV.inf, [[t / 1000, '+Inf']]);
    assert.deepEqual(byV['-inf'], [[t / 1000, '-Inf']]);
    assert.deepEqual(byV.stale, [[t / 1000, '42']], 'the stale marker is not a sample');
    // Two seconds later, the series without a marker is still current (5-minute lookback), the marked one is gone.
    const now = await promQuery(url, `special_value{job="${service}", v=~"stale|kept"}`, t + 2000);
    assert.deepEqual(
      now.map((sample) => sample.metric.v),
      ['kept'],
    );
    await adapter.close();
  });

  it('turns delta sums and histograms into cumulative series, across batches, counting out-of-order deltas', async () => {
    const url = backendUrl('prometheus');
    const service = uniqueService('delta');
    const t = baseMs();
    const r = f.resource({ 'service.name': service });
    const s = f.scope('delta');
    const counter = f.descriptor('jobs.processed', 'sum', { monotonic: true, temporality: 'delta' });
    const histogram = f.descriptor('job.size', 'histogram', { temporality: 'delta', unit: 'By' });
    const c = { resource: r, scope: s };
    const adapter = makeAdapter(url);
    await write(adapter, [
      f.numberPoint({ ...c, metric: counter, start: ns(t - 1000), time: ns(t), value: 5 }),
      f.histogramPoint({ ...c, metric: histogram, start: ns(t - 1000), time: ns(t), bounds: [1], counts: [1, 1], sum: 3 }),
    ]);
    await write(adapter, [
      f.numberPoint({ ...c, metric: counter, start: ns(t), time: ns(t + 1000), value: 3 }),
      f.numberPoint({ ...c, metric: counter, start: ns(t + 1000), time: ns(t + 2000), value: 7n }),
      f.histogramPoint({ ...c, metric: histogram, start: ns(t), time: ns(t + 1000), bounds: [1], counts: [0, 2], sum: 10 }),
    ]);
    const late = await write(adapter, [f.numberPoint({ ...c, metric: counter, start: ns(t), time: ns(t + 1000), value: 100 })]);
    assert.deepEqual(late, { written: 0, skipped: { count: 1, reason: "delta point not newer than the series' last one" } });

    const raw = await promRaw(url, `{job="${service}"}`, t + 3000, 6);
    const byName = new Map(raw.map((series) => [`${series.metric.__name__}${series.metric.le ?? ''}`, series.values]));
    assert.deepEqual(byName.get('jobs_processed_total'), [
      [t / 1000, '5'],
      [t / 1000 + 1, '8'],
      [t / 1000 + 2, '15'],
    ]);
    assert.deepEqual(byName.get('job_size_bytes_bucket1'), [
      [t / 1000, '1'],
      [t / 1000 + 1, '1'],
    ]);
    assert.deepEqual(byName.get('job_size_bytes_bucket+Inf'), [
      [t / 1000, '2'],
      [t / 1000 + 1, '4'],
    ]);
    assert.deepEqual(byName.get('job_size_bytes_count'), [
      [t / 1000, '2'],
      [t / 1000 + 1, '4'],
    ]);
    assert.deepEqual(byName.get('job_size_bytes_sum'), [
      [t / 1000, '3'],
      [t / 1000 + 1, '13'],
    ]);
    await adapter.close();
  });

  it('with delta_to_cumulative off, skips delta points and says how many', async () => {
    const url = backendUrl('prometheus');
    const r = f.resource({ 'service.name': uniqueService('delta-off') });
    const adapter = makeAdapter(url, { delta_to_cumulative: { enabled: false } });
    const result = await write(adapter, [
      f.numberPoint({
        resource: r,
        scope: f.scope('x'),
        metric: f.descriptor('d', 'sum', { temporality: 'delta', monotonic: true }),
        time: ns(baseMs()),
        value: 1,
      }),
      f.numberPoint({ resource: r, scope: f.scope('x'), metric: f.descriptor('g', 'gauge'), time: ns(baseMs()), value: 1 }),
    ]);
    assert.deepEqual(result, { written: 1, skipped: { count: 1, reason: 'delta temporality (delta_to_cumulative off)' } });
    await adapter.close();
  });

  it('skips exponential histograms when native_histograms is off, and reports spans as skipped', async () => {
    const url = backendUrl('prometheus');
    const r = f.resource({ 'service.name': uniqueService('expo-off') });
    const adapter = makeAdapter(url);
    const batch = {
      id: 'expo-off',
      attempt: 1,
      metrics: [
        f.exponentialPoint({
          resource: r,
          scope: f.scope('x'),
          metric: f.descriptor('e', 'exponential_histogram'),
          time: ns(baseMs()),
          scale: 1,
          zeroCount: 0,
          positive: { offset: 0, counts: [1] },
        }),
      ],
      spans: [{} as never, {} as never],
    };
    assert.deepEqual(await writeDecoded(adapter, batch), {
      written: 0,
      skipped: { count: 3, reason: 'spans (remote write carries metrics only); exponential histogram (native_histograms off)' },
    });
    await adapter.close();
  });

  it('cuts a batch into requests by max_samples_per_request and keeps every series in time order', async () => {
    const url = backendUrl('prometheus');
    const service = uniqueService('split');
    const t = baseMs() - 100_000;
    const r = f.resource({ 'service.name': service });
    const gauge = f.descriptor('split.gauge', 'gauge');
    const points: MetricPoint[] = [];
    for (let i = 0; i < 100; i++) {
      for (const series of ['a', 'b', 'c']) {
        points.push(f.numberPoint({ resource: r, scope: f.scope('s'), metric: gauge, attributes: { series }, time: ns(t + i * 1000), value: i }));
      }
    }
    const adapter = makeAdapter(url, { max_samples_per_request: 7 });
    assert.deepEqual(await write(adapter, points), { written: 300 });
    const raw = await promRaw(url, `split_gauge{job="${service}"}`, t + 100_000, 3, 200);
    assert.equal(raw.length, 3);
    for (const series of raw) {
      assert.deepEqual(
        series.values,
        Array.from({ length: 100 }, (_, i) => [(t + i * 1000) / 1000, String(i)]),
      );
    }
    await adapter.close();
  });

  it('retrying a written batch is harmless: same series and timestamp, same value', async () => {
    const url = backendUrl('prometheus');
    const service = uniqueService('retry');
    const { points, expected } = everyType(service, baseMs());
    const adapter = makeAdapter(url);
    await write(adapter, points, 'same-id');
    await write(adapter, points, 'same-id');
    const raw = await promRaw(url, `{job="shop/${service}"}`, baseMs() + 2000, expected.length);
    assert.equal(raw.length, expected.length);
    for (const series of raw) assert.equal(series.values.length, 1);
    await adapter.close();
  });

  it("ends bad data in PermanentWriteError carrying Prometheus's own text (out of order, duplicate, out of bounds)", async () => {
    const url = backendUrl('prometheus');
    const r = f.resource({ 'service.name': uniqueService('bad-data') });
    const gauge = f.descriptor('bad.data', 'gauge');
    const t = baseMs();
    const point = (ms: number, value: number) => f.numberPoint({ resource: r, scope: f.scope('s'), metric: gauge, time: ns(ms), value });
    const adapter = makeAdapter(url);
    await write(adapter, [point(t, 1)]);

    const outOfOrder = await write(adapter, [point(t - 5000, 1)]).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(outOfOrder instanceof PermanentWriteError, String(outOfOrder));
    assert.match(outOfOrder.backendText, /out of order sample/);
    assert.equal(outOfOrder.reason, 'out_of_order');

    const duplicate = await write(adapter, [point(t, 2)]).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(duplicate instanceof PermanentWriteError);
    assert.match(duplicate.backendText, /duplicate sample for timestamp/);
    assert.equal(duplicate.reason, 'permanent', 'a different value at a held timestamp is not an order problem');

    const ancient = await write(adapter, [point(Date.now() - 3 * 86_400_000, 1)]).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(ancient instanceof PermanentWriteError);
    assert.match(ancient.backendText, /out of bounds/);
    assert.equal(ancient.reason, 'out_of_order');
    await adapter.close();
  });

  it('refuses native histograms without the feature flag as permanent, though Prometheus answers 500', async () => {
    const url = backendUrl('prometheus');
    const r = f.resource({ 'service.name': uniqueService('native-500') });
    const adapter = makeAdapter(url, { native_histograms: true });
    const error = await write(adapter, [
      f.exponentialPoint({
        resource: r,
        scope: f.scope('x'),
        metric: f.descriptor('e', 'exponential_histogram'),
        time: ns(baseMs()),
        scale: 1,
        zeroCount: 0,
        positive: { offset: 0, counts: [1] },
      }),
    ]).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof PermanentWriteError, String(error));
    assert.match(error.message, /HTTP 500/);
    assert.match(error.backendText, /native histograms are disabled/);
    await adapter.close();
  });

  it('names a server that is not there a TransientWriteError', async () => {
    const adapter = makeAdapter('http://127.0.0.1:1');
    const r = f.resource({ 'service.name': 'nowhere' });
    const error = await write(adapter, [
      f.numberPoint({ resource: r, scope: f.scope('s'), metric: f.descriptor('g', 'gauge'), time: ns(baseMs()), value: 1 }),
    ]).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof TransientWriteError, String(error));
    await assert.rejects(adapter.health(), TransientWriteError);
    await adapter.close();
  });
});

describe('Prometheus 2.42 with exemplar storage and native histograms', () => {
  it('stores exponential histograms as native histograms (finer scales merged down to 8, too-coarse ones refused)', async () => {
    const url = backendUrl('prometheus-native');
    const service = uniqueService('native');
    const t = baseMs();
    const r = f.resource({ 'service.name': service });
    const s = f.scope('native');
    const adapter = makeAdapter(url, { native_histograms: true });
    const result = await write(adapter, [
      f.exponentialPoint({
        resource: r,
        scope: s,
        metric: f.descriptor('latency', 'exponential_histogram', { unit: 's' }),
        time: ns(t),
        scale: 2,
        zeroCount: 1,
        sum: 10,
        positive: { offset: -1, counts: [1, 0, 0, 0, 2, 3] },
        negative: { offset: 0, counts: [4] },
      }),
      f.exponentialPoint({
        resource: r,
        scope: s,
        metric: f.descriptor('fine', 'exponential_histogram'),
        time: ns(t),
        scale: 10,
        zeroCount: 0,
        sum: 3,
        positive: { offset: 0, counts: [1, 1, 1, 1, 1] },
      }),
      f.exponentialPoint({
        resource: r,
        scope: s,
        metric: f.descriptor('coarse', 'exponential_histogram'),
        time: ns(t),
        scale: -5,
        zeroCount: 0,
        sum: 1,
        positive: { offset: 0, counts: [1] },
      }),
    ]);
    assert.deepEqual(result, {
      written: 2,
      skipped: { count: 1, reason: 'exponential histogram scale -5 is below -4, the coarsest Prometheus takes' },
    });

    let got: Awaited<ReturnType<typeof promQuery>> = [];
    for (let tries = 0; tries < 40 && got.length === 0; tries++) {
      got = await promQuery(url, `latency_seconds{job="${service}"}`, t);
      if (got.length === 0) await sleep(50);
    }
    assert.equal(got.length, 1);
    const histogram = got[0]!.histogram![1];
    assert.equal(histogram.count, '11');
    assert.equal(histogram.sum, '10');
    // OTel bucket i at scale 2 covers (2^(i/4), 2^((i+1)/4)]: [-1] → (2^-0.25, 1], [3] → (2^0.75, 2], [4] → (2, 2^1.25].
    const base = 2 ** 0.25;
    const buckets = (histogram.buckets as [number, string, string, string][]).map(([, lo, hi, n]) => [Number(lo), Number(hi), Number(n)]);
    const near = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b));
    const expectedBuckets = [
      [-base, -1, 4], // negative bucket 0: [-(2^0.25), -1)
      [-0.001 * 0, 0, 1], // zero bucket (threshold 0)
      [1 / base, 1, 1],
      [base ** 3, 2, 2],
      [2, base ** 5, 3],
    ];
    assert.equal(buckets.length, expectedBuckets.length, JSON.stringify(histogram.buckets));
    for (const [i, [lo, hi, n]] of expectedBuckets.entries()) {
      assert.ok(
        near(buckets[i]![0]!, lo!) && near(buckets[i]![1]!, hi!) && buckets[i]![2] === n,
        `bucket ${i}: ${JSON.stringify(histogram.buckets[i])}`,
      );
    }
    const fine = await promQuery(url, `histogram_count(fine{job="${service}"})`, t);
    assert.equal(fine[0]?.value[1], '5');
    await adapter.close();
  });

  it('carries exemplars with trace_id and span_id on counters and on the histogram bucket they fall in', async () => {
    const url = backendUrl('prometheus-native');
    const service = uniqueService('exemplars');
    const t = baseMs();
    const r = f.resource({ 'service.name': service });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const spanId = '00f067aa0ba902b7';
    const exemplar = (value: number) => ({ filteredAttributes: { 'user.id': 'u1' }, timeUnixNano: ns(t - 500), value, traceId, spanId });
    const adapter = makeAdapter(url);
    await write(adapter, [
      f.numberPoint({
        resource: r,
        scope: f.scope('s'),
        metric: f.descriptor('orders', 'sum', { monotonic: true }),
        time: ns(t),
        value: 3,
        exemplars: [exemplar(1)],
      }),
      f.histogramPoint({
        resource: r,
        scope: f.scope('s'),
        metric: f.descriptor('order.value', 'histogram'),
        time: ns(t),
        bounds: [10, 100],
        counts: [0, 1, 0],
        sum: 42,
        exemplars: [exemplar(42)],
      }),
    ]);
    const counter = await promExemplars(url, `orders_total{job="${service}"}`, t - 10_000, t + 10_000);
    assert.equal(counter.length, 1);
    assert.deepEqual(counter[0].exemplars, [
      { labels: { span_id: spanId, trace_id: traceId, user_id: 'u1' }, value: '1', timestamp: (t - 500) / 1000 },
    ]);
    const buckets = await promExemplars(url, `order_value_bucket{job="${service}"}`, t - 10_000, t + 10_000);
    assert.equal(buckets.length, 1);
    assert.equal(buckets[0].seriesLabels.le, '100');
    assert.equal(buckets[0].exemplars[0].value, '42');
    await adapter.close();
  });
});

describe('VictoriaMetrics', () => {
  it('stores every metric type with the same names, labels, values and timestamps as Prometheus', async () => {
    const url = backendUrl('victoria');
    const service = uniqueService('vm-every-type');
    const t = baseMs() + 7;
    const { points, expected } = everyType(service, t);
    const adapter = makeAdapter(url);
    await adapter.start();
    assert.deepEqual(await write(adapter, points), { written: points.length });
    const rows = await vmExport(url, `{job="shop/${service}"}`, expected.length);
    assert.deepEqual(
      rows.map((row) => row.metric),
      expected.map((e) => e.labels),
    );
    for (const [i, row] of rows.entries()) {
      assert.deepEqual(row.timestamps, [t], seriesId(row.metric));
      assert.equal(row.values[0], Number(expected[i]!.value), seriesId(row.metric));
    }
    await adapter.close();
  });

  it('gets delta counters as cumulative ones', async () => {
    const url = backendUrl('victoria');
    const service = uniqueService('vm-delta');
    const t = baseMs();
    const r = f.resource({ 'service.name': service });
    const counter = f.descriptor('vm.jobs', 'sum', { monotonic: true, temporality: 'delta' });
    const adapter = makeAdapter(url);
    await write(
      adapter,
      [1, 2, 3].map((i) => f.numberPoint({ resource: r, scope: f.scope('s'), metric: counter, time: ns(t + i * 1000), value: i })),
    );
    const rows = await vmExport(url, `vm_jobs_total{job="${service}"}`, 1);
    assert.deepEqual(rows[0]?.values, [1, 3, 6]);
    assert.deepEqual(rows[0]?.timestamps, [t + 1000, t + 2000, t + 3000]);
    await adapter.close();
  });
});

describe('Prometheus outage', () => {
  it('fails with TransientWriteError while Prometheus is down; the same batch retried later lands once, in order', async () => {
    const prometheus = await PrivatePrometheus.start();
    try {
      const service = uniqueService('outage');
      const t = baseMs();
      const r = f.resource({ 'service.name': service });
      const counter = f.descriptor('outage.events', 'sum', { monotonic: true, temporality: 'delta' });
      const point = (i: number) => f.numberPoint({ resource: r, scope: f.scope('s'), metric: counter, time: ns(t + i * 1000), value: 10 });
      const adapter = makeAdapter(prometheus.url, { timeout: '2s' });
      await write(adapter, [point(0), point(1)], 'first');

      await prometheus.stop();
      const batch2 = [point(2), point(3)];
      for (let attempt = 0; attempt < 2; attempt++) {
        await assert.rejects(write(adapter, batch2, 'second'), TransientWriteError);
      }
      await prometheus.resume();
      await write(adapter, batch2, 'second'); // the engine's retry: same batch, same id
      await write(adapter, [point(4)], 'third');

      // Delta totals were not counted twice by the failed attempts: 10, 20, 30, 40, 50.
      const raw = await promRaw(prometheus.url, `outage_events_total{job="${service}"}`, t + 5000, 1);
      assert.deepEqual(
        raw[0]?.values,
        [0, 1, 2, 3, 4].map((i) => [(t + i * 1000) / 1000, String((i + 1) * 10)]),
      );
      await adapter.close();
    } finally {
      await prometheus.stop();
    }
  });

  it('turns a server that accepts the connection but never answers into a TransientWriteError after the timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const adapter = makeAdapter(`http://127.0.0.1:${port}`, { timeout: '300ms' });
    const started = Date.now();
    const error = await adapter.health().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof TransientWriteError, String(error));
    assert.match(error.message, /timed out after 300 ms/);
    assert.ok(Date.now() - started < 3000);
    await adapter.close();
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
});

describe('OpenTelemetry JS SDK output, decoded by the gateway', () => {
  async function sdkBatch(
    service: string,
    temporality: AggregationTemporality,
    exponential: boolean,
    record: (meter: Meter, collection: number) => void,
  ): Promise<MetricPoint[][]> {
    class Reader extends MetricReader {
      constructor() {
        super({ aggregationTemporalitySelector: () => temporality });
      }
      protected override async onShutdown(): Promise<void> {}
      protected override async onForceFlush(): Promise<void> {}
    }
    const reader = new Reader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': service, 'service.instance.id': 'sdk-1', 'host.arch': 'amd64' }),
      readers: [reader],
      views: exponential ? [{ instrumentName: 'sdk.latency', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }] : [],
    });
    const meter = provider.getMeter('manifold-sdk-test', '0.1.0');
    const batches: MetricPoint[][] = [];
    for (let collection = 0; collection < 2; collection++) {
      if (collection === 1) await sleep(5);
      record(meter, collection);
      const { resourceMetrics } = await reader.collect();
      const body = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
      const decoded = decodeMetrics(body, 'protobuf');
      assert.equal(decoded.rejected.count, 0);
      batches.push([...decoded.batch.metrics]);
    }
    await provider.shutdown();
    return batches;
  }

  it('counter, up-down counter, histogram and observable gauge reach Prometheus under the spec names', async () => {
    const url = backendUrl('prometheus');
    const service = uniqueService('sdk');
    const [first] = await sdkBatch(service, AggregationTemporality.CUMULATIVE, false, (meter, collection) => {
      if (collection > 0) return;
      meter.createCounter('sdk.requests', { unit: '{request}' }).add(3, { 'http.route': '/a' });
      meter.createUpDownCounter('sdk.queue', { unit: 'By' }).add(4);
      const histogram = meter.createHistogram('sdk.duration', { unit: 'ms' });
      for (const value of [5, 50, 500]) histogram.record(value, { 'http.route': '/a' });
      meter.createObservableGauge('sdk.temperature', { unit: 'Cel' }).addCallback((result) => result.observe(21.5, { room: 'lab' }));
    });
    const adapter = makeAdapter(url);
    await write(adapter, first!);
    const at = Number(first![0]!.timeUnixNano / 1_000_000n);
    const labels = { job: service, instance: 'sdk-1', otel_scope_name: 'manifold-sdk-test', otel_scope_version: '0.1.0' };
    const value = async (query: string) => (await promQuery(url, query, at)).map((sample) => ({ metric: sample.metric, value: sample.value[1] }));
    let requests: { metric: Record<string, string>; value: string }[] = [];
    for (let tries = 0; tries < 40 && requests.length === 0; tries++) {
      requests = await value(`sdk_requests_total{job="${service}"}`);
      if (requests.length === 0) await sleep(50);
    }
    assert.deepEqual(requests, [{ metric: { __name__: 'sdk_requests_total', ...labels, http_route: '/a' }, value: '3' }]);
    assert.deepEqual(await value(`sdk_queue_bytes{job="${service}"}`), [{ metric: { __name__: 'sdk_queue_bytes', ...labels }, value: '4' }]);
    assert.deepEqual(await value(`sdk_temperature_celsius{job="${service}"}`), [
      { metric: { __name__: 'sdk_temperature_celsius', ...labels, room: 'lab' }, value: '21.5' },
    ]);
    assert.deepEqual(await value(`sdk_duration_milliseconds_count{job="${service}"}`), [
      { metric: { __name__: 'sdk_duration_milliseconds_count', ...labels, http_route: '/a' }, value: '3' },
    ]);
    assert.deepEqual(
      (await value(`sdk_duration_milliseconds_sum{job="${service}"}`)).map((s) => s.value),
      ['555'],
    );
    // The SDK's default bounds (0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000) and +Inf.
    const buckets = await value(`sdk_duration_milliseconds_bucket{job="${service}"}`);
    const byLe = Object.fromEntries(buckets.map((bucket) => [bucket.metric.le, bucket.value]));
    assert.deepEqual(byLe, {
      '0': '0',
      '5': '1',
      '10': '1',
      '25': '1',
      '50': '2',
      '75': '2',
      '100': '2',
      '250': '2',
      '500': '3',
      '750': '3',
      '1000': '3',
      '2500': '3',
      '5000': '3',
      '7500': '3',
      '10000': '3',
      '+Inf': '3',
    });
    const target = await value(`target_info{job="${service}"}`);
    assert.equal(target.length, 1);
    assert.equal(target[0]!.metric.host_arch, 'amd64');
    await adapter.close();
  });

  it('delta-temporality SDK counters and exponential histograms become cumulative (native histograms on)', async () => {
    const url = backendUrl('prometheus-native');
    const service = uniqueService('sdk-delta');
    let counter: Counter | undefined;
    let latency: Histogram | undefined;
    const batches = await sdkBatch(service, AggregationTemporality.DELTA, true, (meter, collection) => {
      counter ??= meter.createCounter('sdk.events');
      latency ??= meter.createHistogram('sdk.latency', { unit: 's' });
      counter.add(collection === 0 ? 2 : 5);
      latency.record(collection === 0 ? 0.5 : 4);
    });
    assert.equal(batches[1]![0]!.metric.temporality, 'delta');
    const adapter = makeAdapter(url, { native_histograms: true });
    for (const batch of batches) await write(adapter, batch);
    const at = Number(batches[1]![0]!.timeUnixNano / 1_000_000n);
    let got: Awaited<ReturnType<typeof promQuery>> = [];
    for (let tries = 0; tries < 40 && got.length === 0; tries++) {
      got = await promQuery(url, `sdk_events_total{job="${service}"}`, at);
      if (got.length === 0) await sleep(50);
    }
    // 2 then 5 more: the second sample is the running total.
    assert.equal(got[0]?.value[1], '7');
    const count = await promQuery(url, `histogram_count(sdk_latency_seconds{job="${service}"})`, at);
    assert.equal(count[0]?.value[1], '2');
    const sum = await promQuery(url, `histogram_sum(sdk_latency_seconds{job="${service}"})`, at);
    assert.equal(sum[0]?.value[1], '4.5');
    await adapter.close();
  });
});

describe('the request on the wire', () => {
  it('is a snappy-compressed prometheus.WriteRequest with sorted labels and the remote-write headers', async () => {
    const seen: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
    const server = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ headers: request.headers, body: Buffer.concat(chunks) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const adapter = makeAdapter(`http://127.0.0.1:${port}`, { bearer_token: 'sekret', headers: { 'X-Scope-OrgID': 'tenant-1' } });
    const { points } = everyType('wire', baseMs());
    await write(adapter, points);
    await adapter.close();
    server.close();

    assert.equal(seen.length, 1);
    const { headers, body } = seen[0]!;
    assert.equal(headers['content-encoding'], 'snappy');
    assert.equal(headers['content-type'], 'application/x-protobuf');
    assert.equal(headers['x-prometheus-remote-write-version'], '0.1.0');
    assert.match(headers['user-agent'] ?? '', /^Manifold/);
    assert.equal(headers.authorization, 'Bearer sekret');
    assert.equal(headers['x-scope-orgid'], 'tenant-1');
    const request = remoteWriteMessages().writeRequest.toObject(remoteWriteMessages().writeRequest.decode(snappy.uncompressSync(body) as Buffer), {
      longs: Number,
    });
    assert.equal(request.timeseries.length, 15);
    for (const series of request.timeseries as { labels: { name: string }[] }[]) {
      const names = series.labels.map((label) => label.name);
      assert.deepEqual(names, [...names].sort(), 'labels sorted by name');
      assert.equal(new Set(names).size, names.length, 'label names unique');
      assert.ok(names.includes('__name__'));
    }
  });
});
