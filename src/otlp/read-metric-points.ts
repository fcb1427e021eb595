/** Number, histogram and summary data points, bytes to model points (see read-metrics.ts). */
import { FLAG_NO_RECORDED_VALUE } from '../model/index.js';
import { EMPTY_LIST } from './context.js';
import { histogramProblem, summaryProblem, timeProblem } from './metrics.js';
import { type MetricState, V_POINT, attributesAndExemplars, reject } from './read-metric-state.js';
import { fieldMask, within } from './wire.js';

const NUMBER_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const HISTOGRAM_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
const SUMMARY_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const QUANTILE_FIELDS = fieldMask(1, 2);

export function numberPoint(st: MetricState, end: number, depth: number, type: 'gauge' | 'sum', index: number): void {
  const r = st.r;
  try {
    let rest = -1;
    let asDouble: number | undefined;
    let asInt: bigint | undefined;
    let flags = 0;
    st.start = st.time = 0n;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32(end);
      switch (tag) {
        case 0x11:
          st.readStart(end);
          break;
        case 0x19:
          st.readTime(end);
          break;
        case 0x21:
          asDouble = r.double(end);
          break;
        case 0x31:
          asInt = r.sfixed64(end);
          break;
        case 0x3a:
        case 0x2a:
          if (rest < 0) rest = at;
          r.pos = r.lenEnd(end);
          break;
        case 0x40:
          flags = r.uint32(end);
          break;
        default:
          r.other(tag, end, depth, NUMBER_FIELDS);
      }
    }
    let problem = timeProblem(st.start, st.time);
    let value: number | bigint = 0;
    if (problem === '') {
      if (asDouble !== undefined) value = asDouble; // NaN allowed: Prometheus uses it
      else if (asInt !== undefined) value = asInt;
      else if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) value = NaN; // a gap marker carries no value
      else problem = 'no value (as_double or as_int)';
    }
    if (problem !== '') return reject(st, index, problem, V_POINT.gauge, rest, end, depth);
    attributesAndExemplars(st, rest, end, depth, 0x3a, 0x2a);
    st.out.push({
      type,
      resource: st.resource,
      scope: st.scope,
      metric: st.metric,
      attributes: st.attributes,
      startTimeUnixNano: st.start,
      timeUnixNano: st.time,
      flags,
      exemplars: st.exemplars,
      value,
    });
  } catch (err) {
    throw within(err, 'NumberDataPoint');
  }
}

export function histogramPoint(st: MetricState, end: number, depth: number, index: number): void {
  const r = st.r;
  try {
    let rest = -1;
    let count = 0;
    let sum: number | undefined;
    let min: number | undefined;
    let max: number | undefined;
    let flags = 0;
    let bucketCounts: number[] | undefined;
    let explicitBounds: number[] | undefined;
    st.start = st.time = 0n;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32(end);
      switch (tag) {
        case 0x11:
          st.readStart(end);
          break;
        case 0x19:
          st.readTime(end);
          break;
        case 0x21:
          count = r.fixed64Number(end);
          break;
        case 0x29:
          sum = r.double(end);
          break;
        case 0x31:
          (bucketCounts ??= []).push(r.fixed64Number(end));
          break;
        case 0x32: {
          const e = r.lenEnd(end);
          const list = (bucketCounts ??= []);
          while (r.pos < e) list.push(r.fixed64Number(e));
          break;
        }
        case 0x39:
          (explicitBounds ??= []).push(r.double(end));
          break;
        case 0x3a: {
          const e = r.lenEnd(end);
          const list = (explicitBounds ??= []);
          while (r.pos < e) list.push(r.double(e));
          break;
        }
        case 0x42:
        case 0x4a:
          if (rest < 0) rest = at;
          r.pos = r.lenEnd(end);
          break;
        case 0x50:
          flags = r.uint32(end);
          break;
        case 0x59:
          min = r.double(end);
          break;
        case 0x61:
          max = r.double(end);
          break;
        default:
          r.other(tag, end, depth, HISTOGRAM_FIELDS);
      }
    }
    const bounds: readonly number[] = explicitBounds === undefined ? EMPTY_LIST : st.sharedBounds(explicitBounds);
    let problem = timeProblem(st.start, st.time);
    if (problem === '') problem = histogramProblem(bucketCounts === undefined ? 0 : bucketCounts.length, bounds);
    if (problem !== '') return reject(st, index, problem, V_POINT.histogram, rest, end, depth);
    attributesAndExemplars(st, rest, end, depth, 0x4a, 0x42);
    st.out.push({
      type: 'histogram',
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
      bucketCounts: bucketCounts ?? [],
      explicitBounds: bounds,
      min,
      max,
    });
  } catch (err) {
    throw within(err, 'HistogramDataPoint');
  }
}

export function summaryPoint(st: MetricState, end: number, depth: number, index: number): void {
  const r = st.r;
  try {
    let count = 0;
    let sum = 0;
    let flags = 0;
    let attrAt = -1;
    const quantileValues: { quantile: number; value: number }[] = [];
    st.start = st.time = 0n;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32(end);
      switch (tag) {
        case 0x11:
          st.readStart(end);
          break;
        case 0x19:
          st.readTime(end);
          break;
        case 0x21:
          count = r.fixed64Number(end);
          break;
        case 0x29:
          sum = r.double(end);
          break;
        case 0x32: {
          const e = r.lenEnd(end);
          let quantile = 0;
          let value = 0;
          try {
            while (r.pos < e) {
              const t = r.uint32(e);
              if (t === 0x09) quantile = r.double(e);
              else if (t === 0x11) value = r.double(e);
              else r.other(t, e, depth + 1, QUANTILE_FIELDS);
            }
          } catch (err) {
            throw within(err, 'SummaryDataPoint.ValueAtQuantile');
          }
          quantileValues.push({ quantile, value });
          break;
        }
        case 0x3a:
          if (attrAt < 0) attrAt = at;
          r.pos = r.lenEnd(end);
          break;
        case 0x40:
          flags = r.uint32(end);
          break;
        default:
          r.other(tag, end, depth, SUMMARY_FIELDS);
      }
    }
    let problem = timeProblem(st.start, st.time);
    if (problem === '') problem = summaryProblem(quantileValues);
    if (problem !== '') return reject(st, index, problem, V_POINT.summary, attrAt, end, depth);
    attributesAndExemplars(st, attrAt, end, depth, 0x3a, -1);
    st.out.push({
      type: 'summary',
      resource: st.resource,
      scope: st.scope,
      metric: st.metric,
      attributes: st.attributes,
      startTimeUnixNano: st.start,
      timeUnixNano: st.time,
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
