/** Model objects built by hand (no OTLP decoder involved): every metric type and spans with events/links. */
import type {
  ExponentialHistogramPoint,
  HistogramPoint,
  InstrumentationScope,
  MetricDescriptor,
  MetricPoint,
  NumberPoint,
  Resource,
  Span,
  SummaryPoint,
} from '../../src/model/index.js';

export const BIG = 9_223_372_036_854_775_807n; // int64 max: far above 2^53
export const T0 = 1_763_800_000_123_456_789n; // ns, with sub-microsecond digits

export const resource: Resource = {
  attributes: {
    'service.name': 'checkout',
    'host.name': 'h1',
    big: BIG,
    ratio: 0.25,
    ok: true,
    raw: new Uint8Array([1, 2, 255]),
    list: ['a', 7n, 1.5],
    kv: { inner: 'x', n: -3n },
    nothing: null,
  },
  droppedAttributesCount: 0,
  schemaUrl: '',
};
export const scope: InstrumentationScope = {
  name: 'manifold.test',
  version: '1.2.3',
  attributes: { 'scope.attr': 'yes' },
  droppedAttributesCount: 0,
  schemaUrl: '',
};

const descriptor = (name: string, type: MetricDescriptor['type'], extra: Partial<MetricDescriptor> = {}): MetricDescriptor => ({
  name,
  description: `${name} help`,
  unit: 's',
  type,
  temporality: 'unspecified',
  monotonic: false,
  metadata: {},
  ...extra,
});
export const gaugeInt = descriptor('queue.depth', 'gauge', { unit: '{item}' });
export const sumDouble = descriptor('requests', 'sum', { temporality: 'cumulative', monotonic: true, unit: '{request}' });
export const histogramDesc = descriptor('latency', 'histogram', { temporality: 'delta' });
export const expDesc = descriptor('latency.exp', 'exponential_histogram', { temporality: 'cumulative' });
export const summaryDesc = descriptor('latency.summary', 'summary');

const base = { resource, scope, startTimeUnixNano: T0 - 60_000_000_000n, flags: 0, exemplars: [] as const };

export function numberPoint(metric: MetricDescriptor, i: number, value: number | bigint, extra: Partial<NumberPoint> = {}): NumberPoint {
  return {
    ...base,
    metric,
    type: metric.type as 'gauge' | 'sum',
    attributes: { worker: i % 10, route: `/r/${i % 7}` },
    timeUnixNano: T0 + BigInt(i),
    value,
    ...extra,
  };
}

export const gaugePoint: NumberPoint = numberPoint(gaugeInt, 0, BIG, {
  attributes: { 'int.attr': BIG, 'neg.attr': -(2n ** 60n), str: 'quote " and \\ backslash, comma', d: 1.5, b: false },
  startTimeUnixNano: 0n,
  flags: 1,
});
export const sumPoint: NumberPoint = numberPoint(sumDouble, 1, 0.1, {
  exemplars: [
    {
      filteredAttributes: { user: 'u1' },
      timeUnixNano: T0 - 5n,
      value: 0.1,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    },
    { filteredAttributes: {}, timeUnixNano: T0 - 4n, value: -BIG, traceId: '', spanId: '' },
  ],
});
export const nanPoint: NumberPoint = numberPoint(sumDouble, 2, Number.NaN);
export const histogramPoint: HistogramPoint = {
  ...base,
  metric: histogramDesc,
  type: 'histogram',
  attributes: { route: '/h' },
  timeUnixNano: T0 + 10n,
  count: 6,
  sum: 12.75,
  bucketCounts: [1, 2, 3],
  explicitBounds: [0.5, 2.5],
  min: 0.125,
  max: 7,
  exemplars: [{ filteredAttributes: {}, timeUnixNano: T0 + 9n, value: 7, traceId: '', spanId: '' }],
};
export const histogramNoSum: HistogramPoint = {
  ...histogramPoint,
  timeUnixNano: T0 + 11n,
  sum: undefined,
  min: undefined,
  max: undefined,
  count: 0,
  bucketCounts: [],
  explicitBounds: [],
  exemplars: [],
};
export const expPoint: ExponentialHistogramPoint = {
  ...base,
  metric: expDesc,
  type: 'exponential_histogram',
  attributes: {},
  timeUnixNano: T0 + 20n,
  count: 10,
  sum: 3.5,
  scale: -2,
  zeroCount: 1,
  zeroThreshold: 1e-9,
  positive: { offset: -3, bucketCounts: [4, 0, 2] },
  negative: { offset: 5, bucketCounts: [3] },
  min: -4,
  max: 2.5,
};
export const summaryPoint: SummaryPoint = {
  ...base,
  metric: summaryDesc,
  type: 'summary',
  attributes: { q: 'yes' },
  timeUnixNano: T0 + 30n,
  count: 4,
  sum: 100.5,
  quantileValues: [
    { quantile: 0, value: 1 },
    { quantile: 0.99, value: 97.25 },
    { quantile: 1, value: 99 },
  ],
};

export const rootSpan: Span = {
  resource,
  scope,
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '',
  traceState: 'rojo=00f067aa0ba902b7',
  flags: 0x301,
  name: 'GET /checkout',
  kind: 2,
  startTimeUnixNano: T0,
  endTimeUnixNano: T0 + 1_500_000_001n,
  attributes: { 'http.status_code': 200n, big: BIG },
  droppedAttributesCount: 1,
  events: [
    { timeUnixNano: T0 + 7n, name: 'exception', attributes: { 'exception.type': 'Boom', count: BIG }, droppedAttributesCount: 2 },
    { timeUnixNano: T0 + 8n, name: 'retry', attributes: {}, droppedAttributesCount: 0 },
  ],
  droppedEventsCount: 3,
  links: [
    {
      traceId: '11111111111111111111111111111111',
      spanId: '2222222222222222',
      traceState: 'a=b',
      attributes: { why: 'follows' },
      droppedAttributesCount: 0,
      flags: 1,
    },
  ],
  droppedLinksCount: 4,
  status: { code: 2, message: 'it broke' },
};
export const childSpan: Span = {
  ...rootSpan,
  spanId: 'c7ad6b7169203332',
  parentSpanId: 'b7ad6b7169203331',
  name: 'SELECT',
  kind: 3,
  startTimeUnixNano: T0 + 100n,
  endTimeUnixNano: T0 + 200n,
  events: [],
  links: [],
  droppedEventsCount: 0,
  droppedLinksCount: 0,
  droppedAttributesCount: 0,
  attributes: {},
  traceState: '',
  flags: 0,
  status: { code: 0, message: '' },
};

export const allMetrics: MetricPoint[] = [gaugePoint, sumPoint, nanPoint, histogramPoint, histogramNoSum, expPoint, summaryPoint];
/** allMetrics with the second histogram point a few microseconds later (timestamptz holds microseconds: the series
 * layout keys points by series and time, so two points of one series need distinct microseconds). */
export const seriesMetrics: MetricPoint[] = [
  gaugePoint,
  sumPoint,
  nanPoint,
  histogramPoint,
  { ...histogramNoSum, timeUnixNano: T0 + 5_000n },
  expPoint,
  summaryPoint,
];
export const allSpans: Span[] = [rootSpan, childSpan];

/** n gauge/sum points over 100 series sharing one resource, scope and two descriptors, as a decoder builds them. */
export function manyPoints(n: number, t0 = T0): NumberPoint[] {
  const points: NumberPoint[] = [];
  for (let i = 0; i < n; i++) {
    const metric = i % 2 === 0 ? gaugeInt : sumDouble;
    points.push({
      ...base,
      metric,
      type: metric.type as 'gauge' | 'sum',
      attributes: { series: i % 100, 'k8s.pod.name': `pod-${i % 100}`, region: 'eu-west-1' },
      timeUnixNano: t0 + BigInt(Math.floor(i / 100)) * 1_000_000_000n,
      value: i % 2 === 0 ? BigInt(i) : i * 0.5,
    });
  }
  return points;
}
