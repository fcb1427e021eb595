import type { Attributes } from './attributes.js';
import type { InstrumentationScope, Resource } from './resource.js';

export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';
export type Temporality = 'unspecified' | 'delta' | 'cumulative';

/** One OTLP Metric's identity, shared by reference by all its points. */
export interface MetricDescriptor {
  readonly name: string;
  readonly description: string;
  readonly unit: string;
  readonly type: MetricType;
  /** For sum, histogram and exponential histogram; 'unspecified' for the others. */
  readonly temporality: Temporality;
  /** Only sums can be monotonic. */
  readonly monotonic: boolean;
  readonly metadata: Attributes;
}

/** OTLP DataPointFlags: the point marks a gap (Prometheus writes a stale marker). */
export const FLAG_NO_RECORDED_VALUE = 1;

export interface Exemplar {
  readonly filteredAttributes: Attributes;
  readonly timeUnixNano: bigint;
  /** bigint when the sender used as_int. */
  readonly value: number | bigint;
  /** Lower-case hex, '' when absent. */
  readonly traceId: string;
  readonly spanId: string;
}

interface PointBase {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly metric: MetricDescriptor;
  readonly attributes: Attributes;
  /** 0n when the sender gave none. */
  readonly startTimeUnixNano: bigint;
  readonly timeUnixNano: bigint;
  readonly flags: number;
  readonly exemplars: readonly Exemplar[];
}

/** Gauge and sum points. `value` is a bigint when the sender used as_int (int64 kept exact). */
export interface NumberPoint extends PointBase {
  readonly type: 'gauge' | 'sum';
  readonly value: number | bigint;
}

export interface HistogramPoint extends PointBase {
  readonly type: 'histogram';
  readonly count: number;
  readonly sum: number | undefined;
  /** bucketCounts.length === explicitBounds.length + 1 (or both empty). */
  readonly bucketCounts: readonly number[];
  readonly explicitBounds: readonly number[];
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface ExponentialBuckets {
  readonly offset: number;
  readonly bucketCounts: readonly number[];
}

export interface ExponentialHistogramPoint extends PointBase {
  readonly type: 'exponential_histogram';
  readonly count: number;
  readonly sum: number | undefined;
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

export interface SummaryQuantile {
  readonly quantile: number;
  readonly value: number;
}

export interface SummaryPoint extends PointBase {
  readonly type: 'summary';
  readonly count: number;
  readonly sum: number;
  readonly quantileValues: readonly SummaryQuantile[];
}

export type MetricPoint = NumberPoint | HistogramPoint | ExponentialHistogramPoint | SummaryPoint;

export function numericValue(value: number | bigint): number {
  return typeof value === 'bigint' ? Number(value) : value;
}
