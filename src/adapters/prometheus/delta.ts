/**
 * Delta → cumulative, per series. The Collector drops delta sums and histograms; we keep a running total per
 * series and send that, so Prometheus sees an ordinary counter or histogram.
 *
 * State lives in memory, bounded: at most `max_series` series, and a series not updated for `max_stale` is
 * forgotten. A forgotten (or, after a gateway restart, never seen) series starts again from its next delta,
 * which Prometheus sees as a counter reset: rate() and increase() stay right.
 *
 * Writes are all-or-nothing per batch: a batch works on a transaction over the state, committed only when the
 * whole batch is written. A retried batch therefore computes exactly the same totals (and the same samples, so
 * a request that did go through before is an identical duplicate, which Prometheus accepts).
 */
import type { ExponentialBuckets } from '../../model/index.js';
import { downscaleBuckets } from './native-histogram.js';

export interface SumTotal {
  readonly kind: 'sum';
  readonly start: bigint;
  readonly last: bigint;
  readonly value: number;
}

export interface HistogramTotal {
  readonly kind: 'histogram';
  readonly start: bigint;
  readonly last: bigint;
  readonly bounds: readonly number[];
  readonly bucketCounts: readonly number[];
  readonly count: number;
  readonly sum: number;
}

export interface ExponentialTotal {
  readonly kind: 'exponential';
  readonly start: bigint;
  readonly last: bigint;
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positive: ExponentialBuckets;
  readonly negative: ExponentialBuckets;
  readonly count: number;
  readonly sum: number;
}

export type Total = SumTotal | HistogramTotal | ExponentialTotal;

interface Entry {
  total: Total;
  /** Wall clock of the last update, for max_stale. */
  touchedMs: number;
}

export class CumulativeState {
  /** Insertion order = least recently updated first (an update re-inserts). */
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly maxSeries: number,
    private readonly maxStaleMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  begin(): DeltaTransaction {
    return new DeltaTransaction(this);
  }

  get(key: string): Total | undefined {
    return this.entries.get(key)?.total;
  }

  commit(changes: ReadonlyMap<string, Total>, nowMs: number): void {
    for (const [key, total] of changes) {
      this.entries.delete(key);
      this.entries.set(key, { total, touchedMs: nowMs });
    }
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.maxSeries && nowMs - entry.touchedMs <= this.maxStaleMs) break;
      this.entries.delete(key);
    }
  }
}

/** Why a delta point was not turned into a cumulative one. */
export const OUT_OF_ORDER_DELTA = "delta point not newer than the series' last one";

export class DeltaTransaction {
  private readonly changes = new Map<string, Total>();

  constructor(private readonly state: CumulativeState) {}

  private current(key: string): Total | undefined {
    return this.changes.get(key) ?? this.state.get(key);
  }

  /** The running total after adding this delta, or a reason string when the point is out of order. */
  addSum(key: string, start: bigint, time: bigint, delta: number): SumTotal | string {
    const before = this.current(key);
    if (before !== undefined && before.kind === 'sum') {
      if (time <= before.last) return OUT_OF_ORDER_DELTA;
      return this.put(key, { kind: 'sum', start: before.start, last: time, value: before.value + delta });
    }
    return this.put(key, { kind: 'sum', start: start || time, last: time, value: delta });
  }

  addHistogram(
    key: string,
    start: bigint,
    time: bigint,
    bounds: readonly number[],
    bucketCounts: readonly number[],
    count: number,
    sum: number,
  ): HistogramTotal | string {
    const before = this.current(key);
    if (before !== undefined && before.kind === 'histogram' && sameBounds(before.bounds, bounds)) {
      if (time <= before.last) return OUT_OF_ORDER_DELTA;
      const counts = before.bucketCounts.map((value, i) => value + (bucketCounts[i] ?? 0));
      return this.put(key, {
        kind: 'histogram',
        start: before.start,
        last: time,
        bounds,
        bucketCounts: counts,
        count: before.count + count,
        sum: before.sum + sum,
      });
    }
    // New series, or its bounds changed (a new histogram as far as Prometheus can tell): start over.
    return this.put(key, { kind: 'histogram', start: start || time, last: time, bounds, bucketCounts: [...bucketCounts], count, sum });
  }

  addExponential(key: string, start: bigint, time: bigint, point: Omit<ExponentialTotal, 'kind' | 'start' | 'last'>): ExponentialTotal | string {
    const before = this.current(key);
    if (before !== undefined && before.kind === 'exponential' && before.zeroThreshold === point.zeroThreshold) {
      if (time <= before.last) return OUT_OF_ORDER_DELTA;
      // Add at the coarser of the two scales.
      const scale = Math.min(before.scale, point.scale);
      return this.put(key, {
        kind: 'exponential',
        start: before.start,
        last: time,
        scale,
        zeroThreshold: point.zeroThreshold,
        zeroCount: before.zeroCount + point.zeroCount,
        count: before.count + point.count,
        sum: before.sum + point.sum,
        positive: addBuckets(downscaleBuckets(before.positive, before.scale - scale), downscaleBuckets(point.positive, point.scale - scale)),
        negative: addBuckets(downscaleBuckets(before.negative, before.scale - scale), downscaleBuckets(point.negative, point.scale - scale)),
      });
    }
    return this.put(key, { kind: 'exponential', start: start || time, last: time, ...point });
  }

  commit(nowMs: number): void {
    this.state.commit(this.changes, nowMs);
    this.changes.clear();
  }

  private put<T extends Total>(key: string, total: T): T {
    this.changes.set(key, total);
    return total;
  }
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function addBuckets(a: ExponentialBuckets, b: ExponentialBuckets): ExponentialBuckets {
  if (a.bucketCounts.length === 0) return b;
  if (b.bucketCounts.length === 0) return a;
  const offset = Math.min(a.offset, b.offset);
  const end = Math.max(a.offset + a.bucketCounts.length, b.offset + b.bucketCounts.length);
  const counts = new Array<number>(end - offset).fill(0);
  for (let i = 0; i < a.bucketCounts.length; i++) counts[a.offset - offset + i]! += a.bucketCounts[i]!;
  for (let i = 0; i < b.bucketCounts.length; i++) counts[b.offset - offset + i]! += b.bucketCounts[i]!;
  return { offset, bucketCounts: counts };
}
