/**
 * Exponential histogram data points, bytes to model points (see read-metrics.ts).
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import type { ExponentialBuckets } from '../model/index.js';
import { EMPTY_BUCKETS, scaleProblem, timeProblem } from './metrics.js';
import { type MetricState, POINT_SCHEMAS, attributesAndExemplars, reject } from './read-metric-state.js';
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

export function expHistogramPoint(state: MetricState, end: number, depth: number, index: number): void {
  const reader = state.reader;
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
    state.start = state.time = 0n;
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case ExpHistogramPointTag.Attributes_LEN:
        case ExpHistogramPointTag.Exemplars_LEN:
          if (rest < 0) rest = at;
          reader.pos = reader.lenEnd(end);
          break;
        case ExpHistogramPointTag.StartTimeUnixNano_I64:
          state.readStart(end);
          break;
        case ExpHistogramPointTag.TimeUnixNano_I64:
          state.readTime(end);
          break;
        case ExpHistogramPointTag.Count_I64:
          count = reader.fixed64Number(end);
          break;
        case ExpHistogramPointTag.Sum_I64:
          sum = reader.double(end);
          break;
        case ExpHistogramPointTag.Scale_VARINT:
          scale = reader.sint32(end);
          break;
        case ExpHistogramPointTag.ZeroCount_I64:
          zeroCount = reader.fixed64Number(end);
          break;
        case ExpHistogramPointTag.Positive_LEN: {
          const fieldEnd = reader.lenEnd(end);
          positive = buckets(reader, fieldEnd, depth + 1);
          break;
        }
        case ExpHistogramPointTag.Negative_LEN: {
          const fieldEnd = reader.lenEnd(end);
          negative = buckets(reader, fieldEnd, depth + 1);
          break;
        }
        case ExpHistogramPointTag.Flags_VARINT:
          flags = reader.uint32(end);
          break;
        case ExpHistogramPointTag.Min_I64:
          min = reader.double(end);
          break;
        case ExpHistogramPointTag.Max_I64:
          max = reader.double(end);
          break;
        case ExpHistogramPointTag.ZeroThreshold_I64:
          zeroThreshold = reader.double(end);
          break;
        default:
          reader.other(tag, end, depth, EXP_FIELDS);
      }
    }
    let problem = timeProblem(state.start, state.time);
    if (problem === '') problem = scaleProblem(scale);
    if (problem !== '') return reject(state, index, problem, POINT_SCHEMAS.exponential_histogram, rest, end, depth);
    attributesAndExemplars(state, rest, end, depth, ExpHistogramPointTag.Attributes_LEN, ExpHistogramPointTag.Exemplars_LEN);
    state.out.push({
      type: 'exponential_histogram',
      resource: state.resource,
      scope: state.scope,
      metric: state.metric,
      attributes: state.attributes,
      startTimeUnixNano: state.start,
      timeUnixNano: state.time,
      flags,
      exemplars: state.exemplars,
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

function buckets(reader: WireReader, end: number, depth: number): ExponentialBuckets {
  try {
    let offset = 0;
    let counts: number[] | undefined;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === BucketsTag.Offset_VARINT) offset = reader.sint32(end);
      else if (tag === BucketsTag.BucketCounts_PACKED) {
        const fieldEnd = reader.lenEnd(end);
        const list = (counts ??= []);
        while (reader.pos < fieldEnd) list.push(reader.uint64Number(fieldEnd));
      } else if (tag === BucketsTag.BucketCounts_VARINT) (counts ??= []).push(reader.uint64Number(end));
      else reader.other(tag, end, depth, BUCKETS_FIELDS);
    }
    if (offset === 0 && (counts === undefined || counts.length === 0)) return EMPTY_BUCKETS;
    return { offset, bucketCounts: counts ?? [] };
  } catch (err) {
    throw within(err, 'ExponentialHistogramDataPoint.Buckets');
  }
}
