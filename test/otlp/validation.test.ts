import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_DECODE_LIMITS, decodeMetrics, decodeTraces, type DecodeLimits } from '../../src/otlp/index.js';
import { ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../../src/otlp/proto.js';

const TRACE_ID = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const SPAN_ID = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');
const T = 1763800000000000000n;
const OVERFLOW = 2n ** 63n; // one past int64 max ns: beyond 2262-04-11

function span(name: string, overrides: Record<string, unknown> = {}) {
  return { traceId: TRACE_ID, spanId: SPAN_ID, name, startTimeUnixNano: String(T), endTimeUnixNano: String(T + 5n), ...overrides };
}

function tracesBody(spans: object[], scopeName = 'x'): Uint8Array {
  const request = { resourceSpans: [{ scopeSpans: [{ scope: { name: scopeName }, spans }] }] };
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish();
}

function metricsBody(metrics: object[]): Uint8Array {
  const request = { resourceMetrics: [{ scopeMetrics: [{ scope: { name: 'm' }, metrics }] }] };
  return ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request)).finish();
}

const point = (overrides: Record<string, unknown> = {}) => ({ timeUnixNano: String(T), asDouble: 1, ...overrides });
const histogramPoint = (overrides: Record<string, unknown> = {}) => ({
  timeUnixNano: String(T),
  count: 3,
  sum: 6,
  bucketCounts: [1, 1, 1],
  explicitBounds: [1, 2],
  ...overrides,
});

describe('span validation', () => {
  it('rejects bad spans one by one, naming each, and keeps the good ones', () => {
    const { batch, rejected } = decodeTraces(
      tracesBody([
        span('good-0'),
        span('no-trace-id', { traceId: Buffer.alloc(0) }),
        span('zero-trace-id', { traceId: Buffer.alloc(16) }),
        span('short-span-id', { spanId: Buffer.alloc(4, 1) }),
        span('zero-span-id', { spanId: Buffer.alloc(8) }),
        span('bad-parent', { parentSpanId: Buffer.alloc(3, 1) }),
        span('no-start', { startTimeUnixNano: '0' }),
        span('end-before-start', { endTimeUnixNano: String(T - 1n) }),
        span('far-future', { startTimeUnixNano: String(OVERFLOW), endTimeUnixNano: String(OVERFLOW) }),
        span('good-9', { parentSpanId: Buffer.alloc(8) }), // an all-zero parent means root
        span('good-10', { endTimeUnixNano: String(T) }),
      ]),
      'protobuf',
    );
    assert.deepEqual(
      batch.spans.map((s) => s.name),
      ['good-0', 'good-9', 'good-10'],
    );
    assert.equal(batch.spans[1]!.parentSpanId, '');
    assert.ok(batch.spans.every((s) => s.traceId === TRACE_ID.toString('hex'))); // a repeated trace id reuses its hex
    assert.equal(rejected.count, 8);
    assert.deepEqual(rejected.messages, [
      'span 1 of scope "x": trace_id must be 16 bytes, got 0',
      'span 2 of scope "x": trace_id must not be all zero',
      'span 3 of scope "x": span_id must be 8 bytes, got 4',
      'span 4 of scope "x": span_id must not be all zero',
      'span 5 of scope "x": parent_span_id must be 8 bytes, got 3',
      'span 6 of scope "x": start_time_unix_nano is 0',
      `span 7 of scope "x": end_time_unix_nano ${T - 1n} is before start_time_unix_nano ${T}`,
      `span 8 of scope "x": start_time_unix_nano ${OVERFLOW} is beyond int64 nanoseconds (year 2262)`,
    ]);
  });

  it('rejects ids that are not hex in JSON, keeps the rest', () => {
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              scope: { name: 'j' },
              spans: [
                { traceId: 'zz02030405060708090a0b0c0d0e0f10', spanId: 'a1a2a3a4a5a6a7a8', startTimeUnixNano: '1', endTimeUnixNano: '2' },
                { traceId: 'AQIDBAUGBwgJCgsMDQ4PEA==', spanId: 'a1a2a3a4a5a6a7a8', startTimeUnixNano: '1', endTimeUnixNano: '2' }, // base64 is not OTLP/JSON
                { traceId: '0102030405060708090a0b0c0d0e0f10', spanId: 'a1a2a3a4a5a6a7a8', startTimeUnixNano: '1', endTimeUnixNano: '2' },
              ],
            },
          ],
        },
      ],
    });
    const { batch, rejected } = decodeTraces(Buffer.from(body), 'json');
    assert.equal(batch.spans.length, 1);
    assert.equal(rejected.count, 2);
    assert.deepEqual(rejected.messages, [
      'span 0 of scope "j": trace_id must be 16 bytes as hex, got a non-hex string',
      'span 1 of scope "j": trace_id must be 16 bytes as hex, got a non-hex string',
    ]);
  });

  it('keeps a bounded number of distinct messages but counts every rejection', () => {
    const spans = Array.from({ length: 50 }, (_, i) => span(`s${i}`, { startTimeUnixNano: '0' }));
    const { batch, rejected } = decodeTraces(tracesBody(spans), 'protobuf');
    assert.equal(batch.spans.length, 0);
    assert.equal(rejected.count, 50);
    assert.equal(rejected.messages.length, 10);
  });
});

describe('metric validation', () => {
  it('rejects every point of a metric without a name', () => {
    const { batch, rejected } = decodeMetrics(
      metricsBody([
        { name: '', gauge: { dataPoints: [point(), point(), point()] } },
        { name: 'ok', gauge: { dataPoints: [point()] } },
      ]),
      'protobuf',
    );
    assert.deepEqual(
      batch.metrics.map((p) => p.metric.name),
      ['ok'],
    );
    assert.deepEqual(rejected, { count: 3, messages: ['metric 0 of scope "m": name is empty (3 points rejected)'] });
  });

  it('rejects bad points one by one and keeps the good ones', () => {
    const { batch, rejected } = decodeMetrics(
      metricsBody([
        {
          name: 'g',
          gauge: {
            dataPoints: [
              point({ asDouble: NaN }), // NaN is allowed (Prometheus uses it)
              point({ asDouble: undefined }),
              point({ timeUnixNano: '0' }),
              point({ timeUnixNano: String(OVERFLOW) }),
              point({ startTimeUnixNano: '18446744073709551615' }),
              point({ asDouble: undefined, asInt: '-3' }),
            ],
          },
        },
        {
          name: 'h',
          histogram: {
            aggregationTemporality: 2,
            dataPoints: [
              histogramPoint(),
              histogramPoint({ bucketCounts: [1, 2] }),
              histogramPoint({ explicitBounds: [2, 1] }),
              histogramPoint({ explicitBounds: [1, 1] }),
              histogramPoint({ explicitBounds: [1, NaN] }),
              histogramPoint({ bucketCounts: [], explicitBounds: [] }), // count and sum only: allowed
            ],
          },
        },
        {
          name: 's',
          summary: {
            dataPoints: [
              { timeUnixNano: String(T), quantileValues: [{ quantile: 0.5, value: 1 }] },
              {
                timeUnixNano: String(T),
                quantileValues: [
                  { quantile: 0.5, value: 1 },
                  { quantile: 1.5, value: 2 },
                ],
              },
              { timeUnixNano: String(T), quantileValues: [{ quantile: -0.1, value: 1 }] },
            ],
          },
        },
        {
          name: 'e',
          exponentialHistogram: {
            aggregationTemporality: 1,
            dataPoints: [
              { timeUnixNano: String(T), scale: 20 },
              { timeUnixNano: String(T), scale: 21 },
              { timeUnixNano: String(T), scale: -11 },
            ],
          },
        },
      ]),
      'protobuf',
    );
    assert.deepEqual(
      batch.metrics.map((p) => `${p.metric.name}:${p.type === 'gauge' ? String(p.value) : ''}`),
      ['g:NaN', 'g:-3', 'h:', 'h:', 's:', 'e:'],
    );
    assert.equal(rejected.count, 12);
    assert.deepEqual(rejected.messages, [
      'point 1 of metric "g": no value (as_double or as_int)',
      'point 2 of metric "g": time_unix_nano is 0',
      `point 3 of metric "g": time_unix_nano ${OVERFLOW} is beyond int64 nanoseconds (year 2262)`,
      'point 4 of metric "g": start_time_unix_nano 18446744073709551615 is beyond int64 nanoseconds (year 2262)',
      'point 1 of metric "h": bucket_counts has 2 entries, want explicit_bounds (2) + 1',
      'point 2 of metric "h": explicit_bounds are not strictly increasing at index 1',
      'point 3 of metric "h": explicit_bounds are not strictly increasing at index 1',
      'point 4 of metric "h": explicit_bounds[1] is NaN',
      'point 1 of metric "s": quantile_values[1].quantile 1.5 is outside [0, 1]',
      'point 2 of metric "s": quantile_values[0].quantile -0.1 is outside [0, 1]',
    ]);
  });
});

describe('limits', () => {
  const limits: DecodeLimits = { maxAttributes: 3, maxAttributeValueLength: 5 };
  const attrs = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { stringValue: `v${i}` } }));

  it('drops attributes beyond maxAttributes, adding them to droppedAttributesCount', () => {
    const request = {
      resourceSpans: [
        {
          resource: { attributes: attrs(5), droppedAttributesCount: 1 },
          scopeSpans: [
            {
              scope: { name: 'x', attributes: attrs(4) },
              spans: [
                span('s', {
                  attributes: attrs(6),
                  droppedAttributesCount: 2,
                  events: [{ name: 'e', timeUnixNano: String(T), attributes: attrs(4) }],
                  links: [{ traceId: TRACE_ID, spanId: SPAN_ID, attributes: attrs(3) }],
                }),
              ],
            },
          ],
        },
      ],
    };
    const body = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish();
    const decoded = decodeTraces(body, 'protobuf', limits);
    const s = decoded.batch.spans[0]!;
    assert.deepEqual(s.attributes, { k0: 'v0', k1: 'v1', k2: 'v2' }); // the first ones are kept, as the SDKs do
    assert.equal(s.droppedAttributesCount, 2 + 3);
    assert.equal(s.resource.droppedAttributesCount, 1 + 2);
    assert.equal(s.scope.droppedAttributesCount, 1);
    assert.equal(s.events[0]!.droppedAttributesCount, 1);
    assert.equal(s.links[0]!.droppedAttributesCount, 0);
    assert.equal(decoded.droppedAttributes, 3 + 2 + 1 + 1);
    assert.equal(decoded.rejected.count, 0);
  });

  it('truncates long string values (also inside lists and maps) and counts them', () => {
    const metrics = [
      {
        name: 'g',
        gauge: {
          dataPoints: [
            point({
              attributes: [
                { key: 'long', value: { stringValue: 'abcdefgh' } },
                { key: 'list', value: { arrayValue: { values: [{ stringValue: '123456' }, { stringValue: 'ok' }] } } },
                { key: 'emoji', value: { stringValue: 'abcd\u{1F600}z' } }, // the cut would split a surrogate pair
              ],
            }),
          ],
        },
      },
    ];
    const decoded = decodeMetrics(metricsBody(metrics), 'protobuf', limits);
    assert.deepEqual(decoded.batch.metrics[0]!.attributes, { long: 'abcde', list: ['12345', 'ok'], emoji: 'abcd' });
    assert.equal(decoded.truncatedValues, 3);
    assert.equal(decoded.droppedAttributes, 0);
  });

  it('defaults to 128 attributes and 16384 characters', () => {
    assert.deepEqual(DEFAULT_DECODE_LIMITS, { maxAttributes: 128, maxAttributeValueLength: 16384 });
    const many = [...attrs(130), { key: 'long', value: { stringValue: 'x'.repeat(20_000) } }];
    const decoded = decodeTraces(
      tracesBody([span('s', { attributes: [{ key: 'long', value: { stringValue: 'y'.repeat(16_385) } }, ...many] })]),
      'protobuf',
    );
    const s = decoded.batch.spans[0]!;
    assert.equal(Object.keys(s.attributes).length, 128);
    assert.equal((s.attributes.long as string).length, 16_384); // an existing key is overwritten, not dropped
    assert.equal(s.droppedAttributesCount, 3); // 131 distinct keys
    assert.equal(decoded.truncatedValues, 2);
  });

  it('counts attributes dropped from points (which have no droppedAttributesCount)', () => {
    const decoded = decodeMetrics(metricsBody([{ name: 'g', gauge: { dataPoints: [point({ attributes: attrs(5) })] } }]), 'protobuf', limits);
    assert.deepEqual(Object.keys(decoded.batch.metrics[0]!.attributes), ['k0', 'k1', 'k2']);
    assert.equal(decoded.droppedAttributes, 2);
  });
});
