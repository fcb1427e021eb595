/**
 * OpenTelemetry exponential histograms → Prometheus native histograms (integer form). The two use the same
 * base-2 exponential buckets: OTel's scale is Prometheus's schema, but OTel bucket i covers (base^i, base^(i+1)]
 * while Prometheus bucket i covers (base^(i-1), base^i], so indexes shift by one. Prometheus takes schemas
 * -4..8: a finer scale is merged down to 8 (as the Collector does), a coarser one cannot be represented.
 */
import type { ExponentialBuckets, ExponentialHistogramPoint } from '../../model/index.js';
import { STALE_NAN } from './values.js';

export const MAX_SCHEMA = 8;
export const MIN_SCHEMA = -4;

export interface BucketSpan {
  offset: number;
  length: number;
}

/** The protobufjs shape of prometheus.Histogram (integer counts). */
export interface NativeHistogram {
  countInt: number;
  sum: number;
  schema: number;
  zeroThreshold: number;
  zeroCountInt: number;
  negativeSpans: BucketSpan[];
  negativeDeltas: number[];
  positiveSpans: BucketSpan[];
  positiveDeltas: number[];
  resetHint: number;
  timestamp: number;
}

/** A gap of more than this many empty buckets starts a new span; shorter ones are sent as zero deltas (cheaper). */
const MAX_GAP_IN_SPAN = 2;

/** Merges buckets `by` scale steps coarser: index i goes to floor(i / 2^by). */
export function downscaleBuckets(buckets: ExponentialBuckets, by: number): ExponentialBuckets {
  if (by === 0 || buckets.bucketCounts.length === 0) return buckets;
  const first = buckets.offset >> by;
  const counts: number[] = [];
  for (let i = 0; i < buckets.bucketCounts.length; i++) {
    const target = ((buckets.offset + i) >> by) - first;
    counts[target] = (counts[target] ?? 0) + buckets.bucketCounts[i]!;
  }
  return { offset: first, bucketCounts: counts };
}

function spansAndDeltas(buckets: ExponentialBuckets): { spans: BucketSpan[]; deltas: number[] } {
  const spans: BucketSpan[] = [];
  const deltas: number[] = [];
  const counts = buckets.bucketCounts;
  let previous = 0;
  let nextIndex = 0; // Prometheus index just after the current span
  let current: BucketSpan | undefined;
  let gap = 0;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i]!;
    if (count === 0) {
      gap++;
      continue;
    }
    const index = buckets.offset + i + 1; // OTel → Prometheus bucket index
    if (current === undefined || gap > MAX_GAP_IN_SPAN) {
      current = { offset: current === undefined ? index : index - nextIndex, length: 0 };
      spans.push(current);
    } else {
      for (let z = 0; z < gap; z++) {
        deltas.push(-previous);
        previous = 0;
        current.length++;
      }
    }
    deltas.push(count - previous);
    previous = count;
    current.length++;
    nextIndex = index + 1;
    gap = 0;
  }
  return { spans, deltas };
}

/** A native histogram, or a reason why this point cannot be one. */
export function toNativeHistogram(point: ExponentialHistogramPoint, timestampMs: number, stale: boolean): NativeHistogram | string {
  if (point.scale < MIN_SCHEMA) return `exponential histogram scale ${point.scale} is below ${MIN_SCHEMA}, the coarsest Prometheus takes`;
  const by = Math.max(0, point.scale - MAX_SCHEMA);
  const positive = spansAndDeltas(downscaleBuckets(point.positive, by));
  const negative = spansAndDeltas(downscaleBuckets(point.negative, by));
  return {
    countInt: point.count,
    // No sum sent: Prometheus needs a number; 0 is what the Collector writes too.
    sum: stale ? STALE_NAN : (point.sum ?? 0),
    schema: point.scale - by,
    zeroThreshold: point.zeroThreshold,
    zeroCountInt: point.zeroCount,
    negativeSpans: negative.spans,
    negativeDeltas: negative.deltas,
    positiveSpans: positive.spans,
    positiveDeltas: positive.deltas,
    resetHint: 0, // UNKNOWN: a cumulative OTel histogram says nothing about resets
    timestamp: timestampMs,
  };
}
