/** Exponential histogram data points, bytes to model points (see read-metrics.ts). */
import type { ExponentialBuckets } from '../model/index.js';
import { EMPTY_BUCKETS, scaleProblem, timeProblem } from './metrics.js';
import { type MetricState, V_POINT, attributesAndExemplars, reject } from './read-metric-state.js';
import { type WireReader, fieldMask, within } from './wire.js';

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
        case 0x0a:
        case 0x5a:
          if (rest < 0) rest = at;
          r.pos = r.lenEnd(end);
          break;
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
        case 0x30:
          scale = r.sint32(end);
          break;
        case 0x39:
          zeroCount = r.fixed64Number(end);
          break;
        case 0x42: {
          const e = r.lenEnd(end);
          positive = buckets(r, e, depth + 1);
          break;
        }
        case 0x4a: {
          const e = r.lenEnd(end);
          negative = buckets(r, e, depth + 1);
          break;
        }
        case 0x50:
          flags = r.uint32(end);
          break;
        case 0x61:
          min = r.double(end);
          break;
        case 0x69:
          max = r.double(end);
          break;
        case 0x71:
          zeroThreshold = r.double(end);
          break;
        default:
          r.other(tag, end, depth, EXP_FIELDS);
      }
    }
    let problem = timeProblem(st.start, st.time);
    if (problem === '') problem = scaleProblem(scale);
    if (problem !== '') return reject(st, index, problem, V_POINT.exponential_histogram, rest, end, depth);
    attributesAndExemplars(st, rest, end, depth, 0x0a, 0x5a);
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
      if (tag === 0x08) offset = r.sint32(end);
      else if (tag === 0x12) {
        const e = r.lenEnd(end);
        const list = (counts ??= []);
        while (r.pos < e) list.push(r.uint64Number(e));
      } else if (tag === 0x10) (counts ??= []).push(r.uint64Number(end));
      else r.other(tag, end, depth, BUCKETS_FIELDS);
    }
    if (offset === 0 && (counts === undefined || counts.length === 0)) return EMPTY_BUCKETS;
    return { offset, bucketCounts: counts ?? [] };
  } catch (err) {
    throw within(err, 'ExponentialHistogramDataPoint.Buckets');
  }
}
