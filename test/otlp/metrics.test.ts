import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValueType } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { MetricPoint } from '../../src/model/index.js';
import { decodeMetrics } from '../../src/otlp/index.js';
import { ExportMetricsServiceRequest } from '../../src/otlp/proto.js';
import { expectedAttributes, hrToNanos, makeMetrics } from './fixtures.js';

const TYPES = {
  [DataPointType.SUM]: 'sum',
  [DataPointType.GAUGE]: 'gauge',
  [DataPointType.HISTOGRAM]: 'histogram',
  [DataPointType.EXPONENTIAL_HISTOGRAM]: 'exponential_histogram',
} as const;

/** What the model should hold for each SDK data point, in request order. */
function expectedPoints(rm: ResourceMetrics) {
  const out: Record<string, unknown>[] = [];
  for (const sm of rm.scopeMetrics) {
    for (const metric of sm.metrics) {
      const type = TYPES[metric.dataPointType];
      const temporality = type === 'gauge' ? 'unspecified' : metric.aggregationTemporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative';
      const descriptor = {
        name: metric.descriptor.name,
        description: metric.descriptor.description,
        unit: metric.descriptor.unit,
        type,
        temporality,
        monotonic: metric.dataPointType === DataPointType.SUM && metric.isMonotonic,
        metadata: {},
      };
      for (const dp of metric.dataPoints) {
        const base = {
          type,
          metric: descriptor,
          attributes: expectedAttributes(dp.attributes),
          startTimeUnixNano: hrToNanos(dp.startTime),
          timeUnixNano: hrToNanos(dp.endTime),
          flags: 0,
          exemplars: [],
        };
        const v = dp.value as any;
        if (type === 'sum' || type === 'gauge') {
          out.push({ ...base, value: metric.descriptor.valueType === ValueType.INT ? BigInt(v) : v });
        } else if (type === 'histogram') {
          out.push({
            ...base,
            count: v.count,
            sum: v.sum,
            bucketCounts: v.buckets.counts,
            explicitBounds: v.buckets.boundaries,
            min: v.min,
            max: v.max,
          });
        } else {
          out.push({
            ...base,
            count: v.count,
            sum: v.sum,
            scale: v.scale,
            zeroCount: v.zeroCount,
            zeroThreshold: 0,
            positive: { offset: v.positive.offset, bucketCounts: v.positive.bucketCounts },
            negative: { offset: v.negative.offset, bucketCounts: v.negative.bucketCounts },
            min: v.min,
            max: v.max,
          });
        }
      }
    }
  }
  return out;
}

function withoutContainers(p: MetricPoint) {
  const { resource: _r, scope: _s, ...rest } = p;
  return rest;
}

describe('decodeMetrics with OpenTelemetry JS SDK output', async () => {
  const { cumulative, delta } = await makeMetrics();
  for (const [name, rm] of [
    ['cumulative', cumulative],
    ['delta', delta],
  ] as const) {
    const decoded = decodeMetrics(ProtobufMetricsSerializer.serializeRequest(rm)!, 'protobuf');
    const points = decoded.batch.metrics;

    it(`decodes every ${name} point and field as sent`, () => {
      assert.deepEqual(decoded.rejected, { count: 0, messages: [] });
      assert.equal(decoded.batch.spans.length, 0);
      assert.deepStrictEqual(points.map(withoutContainers), expectedPoints(rm));
      const types = new Set(points.map((p) => `${p.type}/${p.metric.temporality}/${p.metric.monotonic}`));
      for (const t of [
        'gauge/unspecified/false',
        `sum/${name}/true`,
        `sum/${name}/false`,
        `histogram/${name}/false`,
        `exponential_histogram/${name}/false`,
      ]) {
        assert.ok(types.has(t), `has ${t}`);
      }
      const nan = points.find((p) => p.metric.name === 'room.temperature' && p.attributes.room === 'b');
      assert.ok(nan && nan.type === 'gauge' && Number.isNaN(nan.value), 'NaN gauge kept');
    });

    it(`shares resource, scope and descriptor by reference (${name})`, () => {
      assert.ok(points.every((p) => p.resource === points[0]!.resource && p.scope === points[0]!.scope));
      assert.deepEqual(points[0]!.resource.attributes, expectedAttributes(rm.resource.attributes));
      assert.deepEqual(points[0]!.scope, { name: 'shop-metrics', version: '0.9.0', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' });
      const requests = points.filter((p) => p.metric.name === 'http.requests');
      assert.equal(requests.length, 2);
      assert.equal(requests[0]!.metric, requests[1]!.metric);
    });

    it(`gives the same model from OTLP/JSON (${name})`, () => {
      assert.deepStrictEqual(decodeMetrics(JsonMetricsSerializer.serializeRequest(rm)!, 'json'), decoded);
    });
  }
});

describe('decodeMetrics: what the SDK does not send', () => {
  const request = {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'legacy' } }] },
        scopeMetrics: [
          {
            scope: { name: 'prometheus-bridge' },
            metrics: [
              {
                name: 'rpc.latency',
                unit: 's',
                metadata: [{ key: 'prometheus.type', value: { stringValue: 'summary' } }],
                summary: {
                  dataPoints: [
                    {
                      attributes: [{ key: 'method', value: { stringValue: 'Get' } }],
                      startTimeUnixNano: '1763800000000000000',
                      timeUnixNano: '1763800010000000001',
                      count: '12',
                      sum: 3.5,
                      quantileValues: [
                        { quantile: 0, value: 0.01 },
                        { quantile: 0.5, value: 0.2 },
                        { quantile: 1, value: 1.5 },
                      ],
                    },
                  ],
                },
              },
              {
                name: 'big.counter',
                sum: {
                  aggregationTemporality: 2,
                  isMonotonic: true,
                  dataPoints: [
                    {
                      timeUnixNano: '1763800010000000000',
                      asInt: '9007199254740993',
                      flags: 0,
                      exemplars: [
                        {
                          timeUnixNano: '1763800009000000000',
                          asInt: '-5',
                          traceId: Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'),
                          spanId: Buffer.from('a1a2a3a4a5a6a7a8', 'hex'),
                          filteredAttributes: [{ key: 'user', value: { stringValue: 'u1' } }],
                        },
                        { timeUnixNano: '1763800009500000000', asDouble: 2.5 },
                      ],
                    },
                    { timeUnixNano: '1763800010000000000', flags: 1 }, // no recorded value: a staleness marker
                  ],
                },
              },
              {
                name: 'exp.zero',
                exponentialHistogram: {
                  aggregationTemporality: 1,
                  dataPoints: [{ timeUnixNano: '1763800010000000000', count: '4', zeroCount: '4', zeroThreshold: 1e-9, scale: -10 }],
                },
              },
            ],
          },
        ],
      },
    ],
  };
  const protobufBody = ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(request)).finish();
  const json = JSON.stringify(request, (key, value) => (key === 'traceId' || key === 'spanId' ? Buffer.from(value.data).toString('hex') : value));

  for (const [encoding, body] of [
    ['protobuf', protobufBody],
    ['json', Buffer.from(json)],
  ] as const) {
    it(`decodes summaries, int64 sums beyond 2^53, exemplars, no-value markers (${encoding})`, () => {
      const { batch, rejected } = decodeMetrics(body, encoding);
      assert.deepEqual(rejected, { count: 0, messages: [] });
      const [summary, counter, stale, exp] = batch.metrics;
      assert.ok(summary?.type === 'summary');
      assert.deepEqual(summary.metric, {
        name: 'rpc.latency',
        description: '',
        unit: 's',
        type: 'summary',
        temporality: 'unspecified',
        monotonic: false,
        metadata: { 'prometheus.type': 'summary' },
      });
      assert.equal(summary.count, 12);
      assert.equal(summary.sum, 3.5);
      assert.equal(summary.timeUnixNano, 1763800010000000001n);
      assert.deepEqual(summary.quantileValues, [
        { quantile: 0, value: 0.01 },
        { quantile: 0.5, value: 0.2 },
        { quantile: 1, value: 1.5 },
      ]);
      assert.ok(counter?.type === 'sum');
      assert.equal(counter.value, 9007199254740993n);
      assert.equal(counter.startTimeUnixNano, 0n);
      assert.deepEqual(counter.exemplars, [
        {
          filteredAttributes: { user: 'u1' },
          timeUnixNano: 1763800009000000000n,
          value: -5n,
          traceId: '0102030405060708090a0b0c0d0e0f10',
          spanId: 'a1a2a3a4a5a6a7a8',
        },
        { filteredAttributes: {}, timeUnixNano: 1763800009500000000n, value: 2.5, traceId: '', spanId: '' },
      ]);
      assert.ok(stale?.type === 'sum');
      assert.equal(stale.flags, 1);
      assert.ok(Number.isNaN(stale.value));
      assert.ok(exp?.type === 'exponential_histogram');
      assert.deepEqual(
        [exp.count, exp.zeroCount, exp.zeroThreshold, exp.scale, exp.positive, exp.negative, exp.sum, exp.metric.temporality],
        [4, 4, 1e-9, -10, { offset: 0, bucketCounts: [] }, { offset: 0, bucketCounts: [] }, undefined, 'delta'],
      );
    });
  }
});
