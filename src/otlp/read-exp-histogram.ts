/** Exponential histogram data points, bytes to model points (see read-metrics.ts). */
import type { ExponentialBuckets } from '../model/index.js';
import { EMPTY_BUCKETS, scaleProblem, timeProblem } from './metrics.js';
import { type MetricState, V_POINT, attributesAndExemplars, reject } from './read-metric-state.js';
import { type WireReader, fieldMask, within } from './wire.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
/** opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint */
const enum ExpHistogramPointTag {
  Attributes_LEN = 0x0a, // attributes = 1, repeated KeyValue
  StartTimeUnixNano_I64 = 0x11, // startTimeUnixNano = 2, fixed64
  TimeUnixNano_I64 = 0x19, // timeUnixNano = 3, fixed64
  Count_I64 = 0x21, // count = 4, fixed64
  Sum_I64 = 0x29, // sum = 5, double
  Scale_VARINT = 0x30, // scale = 6, sint32
  ZeroCount_I64 = 0x39, // zeroCount = 7, fixed64
  Positive_LEN = 0x42, // positive = 8, Buckets
  Negative_LEN = 0x4a, // negative = 9, Buckets
  Flags_VARINT = 0x50, // flags = 10, uint32
  Exemplars_LEN = 0x5a, // exemplars = 11, repeated Exemplar
  Min_I64 = 0x61, // min = 12, double
  Max_I64 = 0x69, // max = 13, double
  ZeroThreshold_I64 = 0x71, // zeroThreshold = 14, double
}
/** opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint.Buckets */
const enum BucketsTag {
  Offset_VARINT = 0x08, // offset = 1, sint32
  BucketCounts_VARINT = 0x10, // bucketCounts = 2, repeated uint64
  BucketCounts_PACKED = 0x12, // bucketCounts = 2, repeated uint64, packed
}
// ---- end of generated field tags ----

const EXP_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
const BUCKETS_FIELDS = fieldMask(1, 2);

export function expHistogramPoint(st: MetricState, end: number, depth: number, index: number): void {
  const r = st.r;
  try {
    let rest = -1;
    let count = 0;
    let sum: number | undefined;
    let min: number | undefined;
    let max: number | undefined;
    let flags = 0;
    let scale = 0;
    let zeroCount = 0;
    let zeroThreshold = 0;
    let positive = EMPTY_BUCKETS;
    let negative = EMPTY_BUCKETS;
    st.start = st.time = 0n;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32(end);
      switch (tag) {
        case ExpHistogramPointTag.Attributes_LEN:
        case ExpHistogramPointTag.Exemplars_LEN:
          if (rest < 0) rest = at;
          r.pos = r.lenEnd(end);
          break;
        case ExpHistogramPointTag.StartTimeUnixNano_I64:
          st.readStart(end);
          break;
        case ExpHistogramPointTag.TimeUnixNano_I64:
          st.readTime(end);
          break;
        case ExpHistogramPointTag.Count_I64:
          count = r.fixed64Number(end);
          break;
        case ExpHistogramPointTag.Sum_I64:
          sum = r.double(end);
          break;
        case ExpHistogramPointTag.Scale_VARINT:
          scale = r.sint32(end);
          break;
        case ExpHistogramPointTag.ZeroCount_I64:
          zeroCount = r.fixed64Number(end);
          break;
        case ExpHistogramPointTag.Positive_LEN: {
          const e = r.lenEnd(end);
          positive = buckets(r, e, depth + 1);
          break;
        }
        case ExpHistogramPointTag.Negative_LEN: {
          const e = r.lenEnd(end);
          negative = buckets(r, e, depth + 1);
          break;
        }
        case ExpHistogramPointTag.Flags_VARINT:
          flags = r.uint32(end);
          break;
        case ExpHistogramPointTag.Min_I64:
          min = r.double(end);
          break;
        case ExpHistogramPointTag.Max_I64:
          max = r.double(end);
          break;
        case ExpHistogramPointTag.ZeroThreshold_I64:
          zeroThreshold = r.double(end);
          break;
        default:
          r.other(tag, end, depth, EXP_FIELDS);
      }
    }
    let problem = timeProblem(st.start, st.time);
    if (problem === '') problem = scaleProblem(scale);
    if (problem !== '') return reject(st, index, problem, V_POINT.exponential_histogram, rest, end, depth);
    attributesAndExemplars(st, rest, end, depth, ExpHistogramPointTag.Attributes_LEN, ExpHistogramPointTag.Exemplars_LEN);
    st.out.push({
      type: 'exponential_histogram',
      resource: st.resource,
      scope: st.scope,
      metric: st.metric,
      attributes: st.attributes,
      startTimeUnixNano: st.start,
      timeUnixNano: st.time,
      flags,
      exemplars: st.exemplars,
      count,
      sum,
      scale,
      zeroCount,
      zeroThreshold,
      positive,
      negative,
      min,
      max,
    });
  } catch (err) {
    throw within(err, 'ExponentialHistogramDataPoint');
  }
}

function buckets(r: WireReader, end: number, depth: number): ExponentialBuckets {
  try {
    let offset = 0;
    let counts: number[] | undefined;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === BucketsTag.Offset_VARINT) offset = r.sint32(end);
      else if (tag === BucketsTag.BucketCounts_PACKED) {
        const e = r.lenEnd(end);
        const list = (counts ??= []);
        while (r.pos < e) list.push(r.uint64Number(e));
      } else if (tag === BucketsTag.BucketCounts_VARINT) (counts ??= []).push(r.uint64Number(end));
      else r.other(tag, end, depth, BUCKETS_FIELDS);
    }
    if (offset === 0 && (counts === undefined || counts.length === 0)) return EMPTY_BUCKETS;
    return { offset, bucketCounts: counts ?? [] };
  } catch (err) {
    throw within(err, 'ExponentialHistogramDataPoint.Buckets');
  }
}
