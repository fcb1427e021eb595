/** Model batches for the remote-write tests: every metric type, shared resource/scope/descriptor objects. */
import type {
  Attributes,
  Exemplar,
  InstrumentationScope,
  MetricDescriptor,
  MetricPoint,
  MetricType,
  Resource,
  Temporality,
} from '../../../src/model/index.js';

export function resource(attributes: Attributes): Resource {
  return { attributes, droppedAttributesCount: 0, schemaUrl: '' };
}

export function scope(name: string, version = ''): InstrumentationScope {
  return { name, version, attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };
}

export function descriptor(
  name: string,
  type: MetricType,
  options: { unit?: string; temporality?: Temporality; monotonic?: boolean } = {},
): MetricDescriptor {
  return {
    name,
    description: '',
    unit: options.unit ?? '',
    type,
    temporality: options.temporality ?? (type === 'sum' || type.endsWith('histogram') ? 'cumulative' : 'unspecified'),
    monotonic: options.monotonic ?? false,
    metadata: {},
  };
}

/** Now, truncated to the millisecond and returned as ns, plus an offset in ms. */
export function nowNs(offsetMs = 0): bigint {
  return BigInt(Date.now() + offsetMs) * 1_000_000n;
}

interface Common {
  resource: Resource;
  scope: InstrumentationScope;
  metric: MetricDescriptor;
  attributes?: Attributes;
  time: bigint;
  start?: bigint;
  flags?: number;
  exemplars?: Exemplar[];
}

function base(c: Common) {
  return {
    resource: c.resource,
    scope: c.scope,
    metric: c.metric,
    attributes: c.attributes ?? {},
    startTimeUnixNano: c.start ?? 0n,
    timeUnixNano: c.time,
    flags: c.flags ?? 0,
    exemplars: c.exemplars ?? [],
  };
}

export function numberPoint(c: Common & { value: number | bigint }): MetricPoint {
  return { ...base(c), type: c.metric.type as 'gauge' | 'sum', value: c.value };
}

export function histogramPoint(c: Common & { bounds: number[]; counts: number[]; sum?: number }): MetricPoint {
  const count = c.counts.reduce((a, b) => a + b, 0);
  return { ...base(c), type: 'histogram', count, sum: c.sum, bucketCounts: c.counts, explicitBounds: c.bounds, min: undefined, max: undefined };
}

export function summaryPoint(c: Common & { count: number; sum: number; quantiles: [number, number][] }): MetricPoint {
  return { ...base(c), type: 'summary', count: c.count, sum: c.sum, quantileValues: c.quantiles.map(([quantile, value]) => ({ quantile, value })) };
}

export function exponentialPoint(
  c: Common & {
    scale: number;
    zeroCount: number;
    positive: { offset: number; counts: number[] };
    negative?: { offset: number; counts: number[] };
    sum?: number;
  },
): MetricPoint {
  const positive = { offset: c.positive.offset, bucketCounts: c.positive.counts };
  const negative = { offset: c.negative?.offset ?? 0, bucketCounts: c.negative?.counts ?? [] };
  const count = c.zeroCount + positive.bucketCounts.reduce((a, b) => a + b, 0) + negative.bucketCounts.reduce((a, b) => a + b, 0);
  return {
    ...base(c),
    type: 'exponential_histogram',
    count,
    sum: c.sum,
    scale: c.scale,
    zeroCount: c.zeroCount,
    zeroThreshold: 0,
    positive,
    negative,
    min: undefined,
    max: undefined,
  };
}
