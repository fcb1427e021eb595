/**
 * The translation rules, case by case (pure functions; what they produce on real servers is in
 * test/adapters/prometheus.test.ts). Cases follow the Collector's pkg/translator/prometheus tables.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentWriteError, TransientWriteError } from '../../../src/adapters/contract.js';
import { retryAfterMs } from '../../../src/adapters/contract.js';
import { classifyResponse } from '../../../src/adapters/prometheus/errors.js';
import { LabelSetBuilder, sanitizeLabelName } from '../../../src/adapters/prometheus/labels.js';
import { prometheusMetricName } from '../../../src/adapters/prometheus/names.js';
import { downscaleBuckets } from '../../../src/adapters/prometheus/native-histogram.js';
import { STALE_NAN, formatFloat, isStaleNaN, nsToMs } from '../../../src/adapters/prometheus/values.js';
import { descriptor } from './fixtures.js';

describe('metric names', () => {
  const cases: [string, string, Parameters<typeof descriptor>[1], boolean, string][] = [
    // name, unit, type, monotonic, expected
    ['system.filesystem.usage', 'By', 'gauge', false, 'system_filesystem_usage_bytes'],
    ['system.network.dropped', '{packets}', 'sum', true, 'system_network_dropped_total'],
    ['system.network.dropped', 'packets', 'gauge', false, 'system_network_dropped_packets'],
    ['system.memory.utilization', '1', 'gauge', false, 'system_memory_utilization_ratio'],
    ['system.cpu.time', '1', 'sum', true, 'system_cpu_time_total'],
    ['storage.filesystem.utilization', '%', 'gauge', false, 'storage_filesystem_utilization_percent'],
    ['astro.light.speed', 'm/s', 'gauge', false, 'astro_light_speed_meters_per_second'],
    ['crypto.dogecoin.value', '$', 'gauge', false, 'crypto_dogecoin_value_dollars'],
    ['system.processes.created', '', 'sum', true, 'system_processes_created_total'],
    ['http.server.duration', 'ms', 'histogram', false, 'http_server_duration_milliseconds'],
    ['http.server.duration', 's', 'histogram', false, 'http_server_duration_seconds'],
    ['(lambda).function.executions(#)', '', 'gauge', false, 'lambda_function_executions'],
    ['requests_total', '', 'sum', true, 'requests_total'],
    ['total.requests', '', 'sum', true, 'requests_total'],
    ['latency_seconds', 's', 'histogram', false, 'latency_seconds'],
    ['throughput', 'KiBy/min', 'gauge', false, 'throughput_kibibytes_per_min'],
    ['rate', 'By/mo', 'gauge', false, 'rate_bytes_per_month'],
    ['temp', 'Cel', 'gauge', false, 'temp_celsius'],
    ['freq__x', 'Hz', 'gauge', false, 'freq_x_hertz'],
    ['2fast', '', 'gauge', false, '_2fast'],
    ['ns:sub.name', '', 'gauge', false, 'ns:sub_name'],
    ['...', '', 'gauge', false, ''],
  ];
  for (const [name, unit, type, monotonic, expected] of cases) {
    it(`${name} [${unit || 'no unit'}] ${type}${monotonic ? ' monotonic' : ''} → ${expected || '(empty: refused)'}`, () => {
      assert.equal(prometheusMetricName(descriptor(name, type, { unit, monotonic }), true), expected);
    });
  }
  it('without suffixes (UnderscoreEscapingWithoutSuffixes): only escaping', () => {
    assert.equal(prometheusMetricName(descriptor('http.server.duration', 'histogram', { unit: 's' }), false), 'http_server_duration');
    assert.equal(prometheusMetricName(descriptor('requests', 'sum', { monotonic: true }), false), 'requests');
  });
});

describe('labels', () => {
  it('sanitizes names as the Collector does', () => {
    const cases: [string, string][] = [
      ['name', 'name'],
      ['host.name', 'host_name'],
      ['host_name', 'host_name'],
      ['name (of the host)', 'name__of_the_host_'],
      ['2 cents', 'key_2_cents'],
      ['__name', '__name'],
      ['_name', 'key_name'],
      ['é', 'key_'],
    ];
    for (const [key, expected] of cases) assert.equal(sanitizeLabelName(key), expected, key);
  });

  it('joins colliding keys with ; in key order, drops empty values, sorts by name; later sets win', () => {
    const labels = new LabelSetBuilder()
      .addAttributes({ 'a.b': 'dot', a_b: 'under', 'a-b': 'dash', zed: 1n, empty: '', list: ['x', 1], ok: true })
      .set('job', 'j')
      .set('__name__', 'm')
      .build();
    assert.deepEqual(labels, [
      { name: '__name__', value: 'm' },
      { name: 'a_b', value: 'dash;dot;under' },
      { name: 'job', value: 'j' },
      { name: 'list', value: '["x",1]' },
      { name: 'ok', value: 'true' },
      { name: 'zed', value: '1' },
    ]);
  });

  it('sorts by byte order: upper case before __name__ before lower case', () => {
    const names = new LabelSetBuilder()
      .addAttributes({ b: '1', B: '2', a: '3' })
      .set('__name__', 'm')
      .build()
      .map((label) => label.name);
    assert.deepEqual(names, ['B', '__name__', 'a', 'b']);
  });
});

describe('values and timestamps', () => {
  it('converts ns to ms exactly, also where float division would round wrong', () => {
    const ns = 1_700_000_000_123_999_999n;
    assert.equal(Math.floor(Number(ns) / 1e6), 1_700_000_000_124, 'the float trap this avoids');
    assert.equal(nsToMs(ns), 1_700_000_000_123);
    assert.equal(nsToMs(0n), 0);
  });

  it('writes the staleness marker with its exact bits', () => {
    assert.ok(Number.isNaN(STALE_NAN));
    assert.ok(isStaleNaN(STALE_NAN));
    assert.ok(!isStaleNaN(Number.NaN));
  });

  it('formats bounds and quantiles like Go strconv.FormatFloat(x, f, -1)', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [1, '1'],
      [0.005, '0.005'],
      [100.5, '100.5'],
      [1e21, '1000000000000000000000'],
      [1.5e-7, '0.00000015'],
      [-2.5e-8, '-0.000000025'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
      [123456789012345680000, '123456789012345680000'],
    ];
    for (const [value, expected] of cases) assert.equal(formatFloat(value), expected, String(value));
  });
});

describe('exponential buckets', () => {
  it('merges buckets when downscaling, negative indexes included (floor, not truncation)', () => {
    assert.deepEqual(downscaleBuckets({ offset: -3, bucketCounts: [1, 2, 3, 4, 5] }, 1), { offset: -2, bucketCounts: [1, 5, 9] });
    assert.deepEqual(downscaleBuckets({ offset: 0, bucketCounts: [1, 1, 1, 1, 1] }, 2), { offset: 0, bucketCounts: [4, 1] });
  });
});

describe('error classes', () => {
  const target = 'http://prom/api/v1/write';
  it('400/409/422 are permanent, with the body text', () => {
    for (const status of [400, 409, 422]) {
      const error = classifyResponse(status, 'out of order sample\n', undefined, target);
      assert.ok(error instanceof PermanentWriteError);
      assert.equal(error.backendText, 'out of order sample');
    }
  });

  it("Prometheus's 500s for bad data are permanent; other 5xx and 429 are transient with Retry-After", () => {
    for (const body of ['empty labelset: invalid sample', 'label name "a" is not unique: invalid sample', 'native histograms are disabled']) {
      assert.ok(classifyResponse(500, body, undefined, target) instanceof PermanentWriteError, body);
    }
    const busy = classifyResponse(503, 'TSDB not ready', '7', target);
    assert.ok(busy instanceof TransientWriteError);
    assert.equal(busy.retryAfterMs, 7000);
    const limited = classifyResponse(429, 'too many', undefined, target);
    assert.ok(limited instanceof TransientWriteError);
    assert.ok((retryAfterMs(new Date(Date.now() + 60_000).toUTCString()) ?? 0) > 50_000);
  });
});
