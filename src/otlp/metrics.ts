/**
 * ExportMetricsServiceRequest (decoded by either encoding) to model points, validating point by point.
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import { FLAG_NO_RECORDED_VALUE } from '../model/index.js';
import type {
  ExponentialBuckets,
  Exemplar,
  InstrumentationScope,
  MetricDescriptor,
  MetricPoint,
  MetricType,
  Resource,
  Temporality,
} from '../model/index.js';
import { type DecodeContext, EMPTY_LIST } from './context.js';
import type {
  BucketsMsg,
  ExemplarMsg,
  ExpHistogramPointMsg,
  HistogramPointMsg,
  Int64,
  MetricMsg,
  MetricsRequestMsg,
  NumberPointMsg,
  PointBaseMsg,
  SummaryPointMsg,
} from './messages.js';
import { INT64_MAX, Uint64Memo, optionalIdHex, toBigInt, toNumber } from './scalars.js';

export const TEMPORALITIES: readonly Temporality[] = ['unspecified', 'delta', 'cumulative'];
export const EMPTY_BUCKETS: ExponentialBuckets = Object.freeze({ offset: 0, bucketCounts: EMPTY_LIST });
/** The scale range the OTLP data model allows for exponential histograms. */
export const MIN_SCALE = -10;
export const MAX_SCALE = 20;

/** The fields every point type shares, filled in once per point before the type-specific part. */
interface Base {
  resource: Resource;
  scope: InstrumentationScope;
  metric: MetricDescriptor;
  start: bigint;
  time: bigint;
  readonly startMemo: Uint64Memo;
  readonly timeMemo: Uint64Memo;
}

export function pointsFromRequest(req: MetricsRequestMsg, ctx: DecodeContext): MetricPoint[] {
  const out: MetricPoint[] = [];
  const base: Base = {
    resource: undefined!,
    scope: undefined!,
    metric: undefined!,
    start: 0n,
    time: 0n,
    startMemo: new Uint64Memo(),
    timeMemo: new Uint64Memo(),
  };
  for (const rm of req.resourceMetrics) {
    base.resource = ctx.resource(rm.resource, rm.schemaUrl);
    for (const sm of rm.scopeMetrics) {
      base.scope = ctx.scope(sm.scope, sm.schemaUrl);
      const metrics = sm.metrics;
      for (let i = 0; i < metrics.length; i++) addMetric(metrics[i] as MetricMsg, i, base, ctx, out);
    }
  }
  return out;
}

function addMetric(m: MetricMsg, index: number, base: Base, ctx: DecodeContext, out: MetricPoint[]): void {
  let type: MetricType;
  let points: PointBaseMsg[];
  let temporality = 0;
  if (m.gauge != null) {
    type = 'gauge';
    points = m.gauge.dataPoints;
  } else if (m.sum != null) {
    type = 'sum';
    points = m.sum.dataPoints;
    temporality = m.sum.aggregationTemporality;
  } else if (m.histogram != null) {
    type = 'histogram';
    points = m.histogram.dataPoints;
    temporality = m.histogram.aggregationTemporality;
  } else if (m.exponentialHistogram != null) {
    type = 'exponential_histogram';
    points = m.exponentialHistogram.dataPoints;
    temporality = m.exponentialHistogram.aggregationTemporality;
  } else if (m.summary != null) {
    type = 'summary';
    points = m.summary.dataPoints;
  } else return; // no data: no points to keep or reject
  if (points.length === 0) return;
  if (m.name === '') {
    ctx.reject(points.length, unnamedMetricRejection(index, base.scope, points.length));
    return;
  }
  const metadata = ctx.attributes(m.metadata);
  base.metric = {
    name: m.name,
    description: m.description,
    unit: m.unit,
    type,
    temporality: TEMPORALITIES[temporality] ?? 'unspecified',
    monotonic: type === 'sum' && m.sum!.isMonotonic,
    metadata,
  };
  for (let j = 0; j < points.length; j++) {
    const p = points[j] as PointBaseMsg;
    base.start = base.startMemo.get(p.startTimeUnixNano);
    base.time = base.timeMemo.get(p.timeUnixNano);
    let problem = timeProblem(base.start, base.time);
    let point: MetricPoint | undefined;
    if (problem === '') {
      switch (type) {
        case 'gauge':
        case 'sum':
          point = numberPoint(p as NumberPointMsg, type, base, ctx);
          if (point === undefined) problem = 'no value (as_double or as_int)';
          break;
        case 'histogram':
          problem = histogramProblem((p as HistogramPointMsg).bucketCounts.length, (p as HistogramPointMsg).explicitBounds);
          if (problem === '') point = histogramPoint(p as HistogramPointMsg, base, ctx);
          break;
        case 'exponential_histogram': {
          const scale = (p as ExpHistogramPointMsg).scale;
          problem = scaleProblem(scale);
          if (problem === '') point = expHistogramPoint(p as ExpHistogramPointMsg, base, ctx);
          break;
        }
        case 'summary':
          problem = summaryProblem((p as SummaryPointMsg).quantileValues);
          if (problem === '') point = summaryPoint(p as SummaryPointMsg, base, ctx);
          break;
      }
    }
    if (point !== undefined) out.push(point);
    else ctx.reject(1, pointRejection(j, m.name, problem));
  }
}

export function unnamedMetricRejection(index: number, scope: InstrumentationScope, points: number): string {
  return `metric ${index} of scope "${scope.name}": name is empty (${points} points rejected)`;
}

export function pointRejection(index: number, metricName: string, problem: string): string {
  return `point ${index} of metric "${metricName}": ${problem}`;
}

export function scaleProblem(scale: number): string {
  return scale < MIN_SCALE || scale > MAX_SCALE ? `scale ${scale} is outside [${MIN_SCALE}, ${MAX_SCALE}]` : '';
}

export function timeProblem(start: bigint, time: bigint): string {
  if (time === 0n) return 'time_unix_nano is 0';
  if (time > INT64_MAX) return `time_unix_nano ${time} is beyond int64 nanoseconds (year 2262)`;
  if (start > INT64_MAX) return `start_time_unix_nano ${start} is beyond int64 nanoseconds (year 2262)`;
  return '';
}

function numberPoint(p: NumberPointMsg, type: 'gauge' | 'sum', b: Base, ctx: DecodeContext): MetricPoint | undefined {
  let value: number | bigint;
  if (p.asDouble != null)
    value = p.asDouble; // NaN allowed: Prometheus uses it
  else if (p.asInt != null) value = toBigInt(p.asInt);
  else if ((p.flags & FLAG_NO_RECORDED_VALUE) !== 0)
    value = NaN; // a gap marker carries no value
  else return undefined;
  return {
    type,
    resource: b.resource,
    scope: b.scope,
    metric: b.metric,
    attributes: ctx.attributes(p.attributes),
    startTimeUnixNano: b.start,
    timeUnixNano: b.time,
    flags: p.flags,
    exemplars: p.exemplars.length === 0 ? EMPTY_LIST : exemplars(p.exemplars, ctx),
    value,
  };
}

export function histogramProblem(counts: number, bounds: readonly number[]): string {
  if (counts !== bounds.length + 1 && !(counts === 0 && bounds.length === 0)) {
    return `bucket_counts has ${counts} entries, want explicit_bounds (${bounds.length}) + 1`;
  }
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i] as number;
    if (Number.isNaN(bound)) return `explicit_bounds[${i}] is NaN`;
    if (i > 0 && !(bound > (bounds[i - 1] as number))) return `explicit_bounds are not strictly increasing at index ${i}`;
  }
  return '';
}

function histogramPoint(p: HistogramPointMsg, b: Base, ctx: DecodeContext): MetricPoint {
  return {
    type: 'histogram',
    resource: b.resource,
    scope: b.scope,
    metric: b.metric,
    attributes: ctx.attributes(p.attributes),
    startTimeUnixNano: b.start,
    timeUnixNano: b.time,
    flags: p.flags,
    exemplars: p.exemplars.length === 0 ? EMPTY_LIST : exemplars(p.exemplars, ctx),
    count: toNumber(p.count),
    sum: p.sum ?? undefined,
    bucketCounts: counts(p.bucketCounts),
    explicitBounds: p.explicitBounds,
    min: p.min ?? undefined,
    max: p.max ?? undefined,
  };
}

function expHistogramPoint(p: ExpHistogramPointMsg, b: Base, ctx: DecodeContext): MetricPoint {
  return {
    type: 'exponential_histogram',
    resource: b.resource,
    scope: b.scope,
    metric: b.metric,
    attributes: ctx.attributes(p.attributes),
    startTimeUnixNano: b.start,
    timeUnixNano: b.time,
    flags: p.flags,
    exemplars: p.exemplars.length === 0 ? EMPTY_LIST : exemplars(p.exemplars, ctx),
    count: toNumber(p.count),
    sum: p.sum ?? undefined,
    scale: p.scale,
    zeroCount: toNumber(p.zeroCount),
    zeroThreshold: p.zeroThreshold,
    positive: buckets(p.positive),
    negative: buckets(p.negative),
    min: p.min ?? undefined,
    max: p.max ?? undefined,
  };
}

export function summaryProblem(qs: readonly { quantile: number }[]): string {
  for (let i = 0; i < qs.length; i++) {
    const q = (qs[i] as { quantile: number }).quantile;
    if (!(q >= 0 && q <= 1)) return `quantile_values[${i}].quantile ${q} is outside [0, 1]`;
  }
  return '';
}

function summaryPoint(p: SummaryPointMsg, b: Base, ctx: DecodeContext): MetricPoint {
  const qs = p.quantileValues;
  const quantileValues = new Array<{ quantile: number; value: number }>(qs.length);
  for (let i = 0; i < qs.length; i++) {
    const q = qs[i] as { quantile: number; value: number };
    quantileValues[i] = { quantile: q.quantile, value: q.value };
  }
  return {
    type: 'summary',
    resource: b.resource,
    scope: b.scope,
    metric: b.metric,
    attributes: ctx.attributes(p.attributes),
    startTimeUnixNano: b.start,
    timeUnixNano: b.time,
    flags: p.flags,
    exemplars: EMPTY_LIST, // SummaryDataPoint has none
    count: toNumber(p.count),
    sum: p.sum,
    quantileValues,
  };
}

function counts(list: Int64[]): number[] {
  const out = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = toNumber(list[i] as Int64);
  return out;
}

function buckets(b: BucketsMsg | null): ExponentialBuckets {
  if (b == null || (b.offset === 0 && b.bucketCounts.length === 0)) return EMPTY_BUCKETS;
  return { offset: b.offset, bucketCounts: counts(b.bucketCounts) };
}

function exemplars(list: ExemplarMsg[], ctx: DecodeContext): Exemplar[] {
  const out = new Array<Exemplar>(list.length);
  for (let i = 0; i < list.length; i++) {
    const e = list[i] as ExemplarMsg;
    out[i] = {
      filteredAttributes: ctx.attributes(e.filteredAttributes),
      timeUnixNano: toBigInt(e.timeUnixNano),
      value: e.asDouble != null ? e.asDouble : e.asInt != null ? toBigInt(e.asInt) : NaN,
      traceId: optionalIdHex(e.traceId),
      spanId: optionalIdHex(e.spanId),
    };
  }
  return out;
}
