/**
 * Number, histogram and summary data points, bytes to model points (see read-metrics.ts).
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import { FLAG_NO_RECORDED_VALUE } from '../model/index.js';
import { EMPTY_LIST } from './context.js';
import { histogramProblem, summaryProblem, timeProblem } from './metrics.js';
import { type MetricState, POINT_SCHEMAS, attributesAndExemplars, reject } from './read-metric-state.js';
import { fieldMask, within } from './wire.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
/** opentelemetry.proto.metrics.v1.NumberDataPoint */
const enum NumberPointTag {
  StartTimeUnixNano_I64 = 0x11, // startTimeUnixNano = 2, fixed64
  TimeUnixNano_I64 = 0x19, // timeUnixNano = 3, fixed64
  AsDouble_I64 = 0x21, // asDouble = 4, double
  Exemplars_LEN = 0x2a, // exemplars = 5, repeated Exemplar
  AsInt_I64 = 0x31, // asInt = 6, sfixed64
  Attributes_LEN = 0x3a, // attributes = 7, repeated KeyValue
  Flags_VARINT = 0x40, // flags = 8, uint32
}
/** opentelemetry.proto.metrics.v1.HistogramDataPoint */
const enum HistogramPointTag {
  StartTimeUnixNano_I64 = 0x11, // startTimeUnixNano = 2, fixed64
  TimeUnixNano_I64 = 0x19, // timeUnixNano = 3, fixed64
  Count_I64 = 0x21, // count = 4, fixed64
  Sum_I64 = 0x29, // sum = 5, double
  BucketCounts_I64 = 0x31, // bucketCounts = 6, repeated fixed64
  BucketCounts_PACKED = 0x32, // bucketCounts = 6, repeated fixed64, packed
  ExplicitBounds_I64 = 0x39, // explicitBounds = 7, repeated double
  ExplicitBounds_PACKED = 0x3a, // explicitBounds = 7, repeated double, packed
  Exemplars_LEN = 0x42, // exemplars = 8, repeated Exemplar
  Attributes_LEN = 0x4a, // attributes = 9, repeated KeyValue
  Flags_VARINT = 0x50, // flags = 10, uint32
  Min_I64 = 0x59, // min = 11, double
  Max_I64 = 0x61, // max = 12, double
}
/** opentelemetry.proto.metrics.v1.SummaryDataPoint */
const enum SummaryPointTag {
  StartTimeUnixNano_I64 = 0x11, // startTimeUnixNano = 2, fixed64
  TimeUnixNano_I64 = 0x19, // timeUnixNano = 3, fixed64
  Count_I64 = 0x21, // count = 4, fixed64
  Sum_I64 = 0x29, // sum = 5, double
  QuantileValues_LEN = 0x32, // quantileValues = 6, repeated ValueAtQuantile
  Attributes_LEN = 0x3a, // attributes = 7, repeated KeyValue
  Flags_VARINT = 0x40, // flags = 8, uint32
}
/** opentelemetry.proto.metrics.v1.SummaryDataPoint.ValueAtQuantile */
const enum QuantileTag {
  Quantile_I64 = 0x09, // quantile = 1, double
  Value_I64 = 0x11, // value = 2, double
}
// ---- end of generated field tags ----

const NUMBER_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const HISTOGRAM_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
const SUMMARY_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const QUANTILE_FIELDS = fieldMask(1, 2);

export function numberPoint(state: MetricState, end: number, depth: number, type: 'gauge' | 'sum', index: number): void {
  const reader = state.reader;
  try {
    let rest = -1;
    let asDouble: number | undefined;
    let asInt: bigint | undefined;
    let flags = 0;
    state.start = state.time = 0n;
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case NumberPointTag.StartTimeUnixNano_I64:
          state.readStart(end);
          break;
        case NumberPointTag.TimeUnixNano_I64:
          state.readTime(end);
          break;
        case NumberPointTag.AsDouble_I64:
          asDouble = reader.double(end);
          break;
        case NumberPointTag.AsInt_I64:
          asInt = reader.sfixed64(end);
          break;
        case NumberPointTag.Attributes_LEN:
        case NumberPointTag.Exemplars_LEN:
          if (rest < 0) rest = at;
          reader.pos = reader.lenEnd(end);
          break;
        case NumberPointTag.Flags_VARINT:
          flags = reader.uint32(end);
          break;
        default:
          reader.other(tag, end, depth, NUMBER_FIELDS);
      }
    }
    let problem = timeProblem(state.start, state.time);
    let value: number | bigint = 0;
    if (problem === '') {
      if (asDouble !== undefined)
        value = asDouble; // NaN allowed: Prometheus uses it
      else if (asInt !== undefined) value = asInt;
      else if ((flags & FLAG_NO_RECORDED_VALUE) !== 0)
        value = NaN; // a gap marker carries no value
      else problem = 'no value (as_double or as_int)';
    }
    if (problem !== '') return reject(state, index, problem, POINT_SCHEMAS.gauge, rest, end, depth);
    attributesAndExemplars(state, rest, end, depth, NumberPointTag.Attributes_LEN, NumberPointTag.Exemplars_LEN);
    state.out.push({
      type,
      resource: state.resource,
      scope: state.scope,
      metric: state.metric,
      attributes: state.attributes,
      startTimeUnixNano: state.start,
      timeUnixNano: state.time,
      flags,
      exemplars: state.exemplars,
      value,
    });
  } catch (err) {
    throw within(err, 'NumberDataPoint');
  }
}

export function histogramPoint(state: MetricState, end: number, depth: number, index: number): void {
  const reader = state.reader;
  try {
    let rest = -1;
    let count = 0;
    let sum: number | undefined;
    let min: number | undefined;
    let max: number | undefined;
    let flags = 0;
    let bucketCounts: number[] | undefined;
    let explicitBounds: number[] | undefined;
    state.start = state.time = 0n;
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case HistogramPointTag.StartTimeUnixNano_I64:
          state.readStart(end);
          break;
        case HistogramPointTag.TimeUnixNano_I64:
          state.readTime(end);
          break;
        case HistogramPointTag.Count_I64:
          count = reader.fixed64Number(end);
          break;
        case HistogramPointTag.Sum_I64:
          sum = reader.double(end);
          break;
        case HistogramPointTag.BucketCounts_I64:
          (bucketCounts ??= []).push(reader.fixed64Number(end));
          break;
        case HistogramPointTag.BucketCounts_PACKED: {
          const fieldEnd = reader.lenEnd(end);
          const list = (bucketCounts ??= []);
          while (reader.pos < fieldEnd) list.push(reader.fixed64Number(fieldEnd));
          break;
        }
        case HistogramPointTag.ExplicitBounds_I64:
          (explicitBounds ??= []).push(reader.double(end));
          break;
        case HistogramPointTag.ExplicitBounds_PACKED: {
          const fieldEnd = reader.lenEnd(end);
          const list = (explicitBounds ??= []);
          while (reader.pos < fieldEnd) list.push(reader.double(fieldEnd));
          break;
        }
        case HistogramPointTag.Exemplars_LEN:
        case HistogramPointTag.Attributes_LEN:
          if (rest < 0) rest = at;
          reader.pos = reader.lenEnd(end);
          break;
        case HistogramPointTag.Flags_VARINT:
          flags = reader.uint32(end);
          break;
        case HistogramPointTag.Min_I64:
          min = reader.double(end);
          break;
        case HistogramPointTag.Max_I64:
          max = reader.double(end);
          break;
        default:
          reader.other(tag, end, depth, HISTOGRAM_FIELDS);
      }
    }
    const bounds: readonly number[] = explicitBounds === undefined ? EMPTY_LIST : state.sharedBounds(explicitBounds);
    let problem = timeProblem(state.start, state.time);
    if (problem === '') problem = histogramProblem(bucketCounts === undefined ? 0 : bucketCounts.length, bounds);
    if (problem !== '') return reject(state, index, problem, POINT_SCHEMAS.histogram, rest, end, depth);
    attributesAndExemplars(state, rest, end, depth, HistogramPointTag.Attributes_LEN, HistogramPointTag.Exemplars_LEN);
    state.out.push({
      type: 'histogram',
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
      bucketCounts: bucketCounts ?? [],
      explicitBounds: bounds,
      min,
      max,
    });
  } catch (err) {
    throw within(err, 'HistogramDataPoint');
  }
}

export function summaryPoint(state: MetricState, end: number, depth: number, index: number): void {
  const reader = state.reader;
  try {
    let count = 0;
    let sum = 0;
    let flags = 0;
    let attrAt = -1;
    const quantileValues: { quantile: number; value: number }[] = [];
    state.start = state.time = 0n;
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case SummaryPointTag.StartTimeUnixNano_I64:
          state.readStart(end);
          break;
        case SummaryPointTag.TimeUnixNano_I64:
          state.readTime(end);
          break;
        case SummaryPointTag.Count_I64:
          count = reader.fixed64Number(end);
          break;
        case SummaryPointTag.Sum_I64:
          sum = reader.double(end);
          break;
        case SummaryPointTag.QuantileValues_LEN: {
          const fieldEnd = reader.lenEnd(end);
          let quantile = 0;
          let value = 0;
          try {
            while (reader.pos < fieldEnd) {
              const quantileTag = reader.uint32(fieldEnd);
              if (quantileTag === QuantileTag.Quantile_I64) quantile = reader.double(fieldEnd);
              else if (quantileTag === QuantileTag.Value_I64) value = reader.double(fieldEnd);
              else reader.other(quantileTag, fieldEnd, depth + 1, QUANTILE_FIELDS);
            }
          } catch (err) {
            throw within(err, 'SummaryDataPoint.ValueAtQuantile');
          }
          quantileValues.push({ quantile, value });
          break;
        }
        case SummaryPointTag.Attributes_LEN:
          if (attrAt < 0) attrAt = at;
          reader.pos = reader.lenEnd(end);
          break;
        case SummaryPointTag.Flags_VARINT:
          flags = reader.uint32(end);
          break;
        default:
          reader.other(tag, end, depth, SUMMARY_FIELDS);
      }
    }
    let problem = timeProblem(state.start, state.time);
    if (problem === '') problem = summaryProblem(quantileValues);
    if (problem !== '') return reject(state, index, problem, POINT_SCHEMAS.summary, attrAt, end, depth);
    attributesAndExemplars(state, attrAt, end, depth, SummaryPointTag.Attributes_LEN, -1);
    state.out.push({
      type: 'summary',
      resource: state.resource,
      scope: state.scope,
      metric: state.metric,
      attributes: state.attributes,
      startTimeUnixNano: state.start,
      timeUnixNano: state.time,
      flags,
      exemplars: EMPTY_LIST, // SummaryDataPoint has none
      count,
      sum,
      quantileValues,
    });
  } catch (err) {
    throw within(err, 'SummaryDataPoint');
  }
}
