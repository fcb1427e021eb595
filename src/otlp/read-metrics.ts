/**
 * ExportMetricsServiceRequest bytes straight to model points (no intermediate message objects), with the
 * same validation, limits and output as pointsFromRequest() over protobufjs (the reference:
 * decodeMetricsReference, proven equal by test/otlp/reader-differential.test.ts).
 */
import { EMPTY_ATTRIBUTES, FLAG_NO_RECORDED_VALUE } from '../model/index.js';
import type {
  Attributes,
  Exemplar,
  ExponentialBuckets,
  InstrumentationScope,
  MetricDescriptor,
  MetricPoint,
  MetricType,
  Resource,
} from '../model/index.js';
import { DecodeContext, EMPTY_LIST, newResource, newScope } from './context.js';
import {
  EMPTY_BUCKETS,
  TEMPORALITIES,
  histogramProblem,
  pointRejection,
  scaleProblem,
  summaryProblem,
  timeProblem,
  unnamedMetricRejection,
} from './metrics.js';
import { protoRoot } from './proto.js';
import { Header, V_RESOURCE, V_SCOPE, readAttribute, readResource, readScope } from './read-common.js';
import { WireReader, fieldMask, validateRange, validatorFor, within } from './wire.js';
import type { VType } from './wire.js';

const v = (name: string) => validatorFor(protoRoot.lookupType(`opentelemetry.proto.metrics.v1.${name}`));
const V_METRIC = v('Metric');
const V_POINT = {
  gauge: v('NumberDataPoint'),
  sum: v('NumberDataPoint'),
  histogram: v('HistogramDataPoint'),
  exponential_histogram: v('ExponentialHistogramDataPoint'),
  summary: v('SummaryDataPoint'),
};
const V_DATA = [v('Gauge'), v('Sum'), v('Histogram'), v('ExponentialHistogram'), v('Summary')];
const DATA_TYPES: readonly MetricType[] = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'];
/** Metric's oneof data field tags, in the order the converter tests them (its priority when several come). */
const DATA_TAGS = [0x2a, 0x3a, 0x4a, 0x52, 0x5a];
/** Known fields of Gauge, Sum, Histogram, ExponentialHistogram, Summary. */
const DATA_FIELDS = [fieldMask(1), fieldMask(1, 2, 3), fieldMask(1, 2), fieldMask(1, 2), fieldMask(1)];

const REQUEST_FIELDS = fieldMask(1);
const CONTAINER_FIELDS = fieldMask(1, 2, 3);
const METRIC_FIELDS = fieldMask(1, 2, 3, 5, 7, 9, 10, 11, 12);
const NUMBER_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const HISTOGRAM_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
const EXP_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14);
const BUCKETS_FIELDS = fieldMask(1, 2);
const SUMMARY_FIELDS = fieldMask(2, 3, 4, 5, 6, 7, 8);
const QUANTILE_FIELDS = fieldMask(1, 2);
const EXEMPLAR_FIELDS = fieldMask(2, 3, 4, 5, 6, 7);

class MetricState {
  readonly out: MetricPoint[] = [];
  readonly header = new Header();
  resource!: Resource;
  scope!: InstrumentationScope;
  metric!: MetricDescriptor;
  /** The last start / time fixed64 converted: the points of a metric mostly share them. */
  startLo = 0;
  startHi = 0;
  startValue = 0n;
  timeLo = 0;
  timeHi = 0;
  timeValue = 0n;
  // Pass 2 results (attributes and exemplars of the current point).
  attributes: Attributes = EMPTY_ATTRIBUTES;
  exemplars: readonly Exemplar[] = EMPTY_LIST;
  // Pass 1 of the current point.
  start = 0n;
  time = 0n;

  constructor(
    readonly r: WireReader,
    readonly ctx: DecodeContext,
  ) {}

  readStart(end: number): void {
    const r = this.r;
    r.fixed64Parts(end);
    if (r.lo !== this.startLo || r.hi !== this.startHi) {
      this.startLo = r.lo;
      this.startHi = r.hi;
      this.startValue = r.hi === 0 ? BigInt(r.lo) : BigInt(r.hi) * 4294967296n + BigInt(r.lo);
    }
    this.start = this.startValue;
  }

  readTime(end: number): void {
    const r = this.r;
    r.fixed64Parts(end);
    if (r.lo !== this.timeLo || r.hi !== this.timeHi) {
      this.timeLo = r.lo;
      this.timeHi = r.hi;
      this.timeValue = r.hi === 0 ? BigInt(r.lo) : BigInt(r.hi) * 4294967296n + BigInt(r.lo);
    }
    this.time = this.timeValue;
  }
}

export function readMetrics(buf: Buffer, ctx: DecodeContext): MetricPoint[] {
  const r = new WireReader(buf);
  const st = new MetricState(r, ctx);
  const end = buf.length;
  try {
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === 0x0a) {
        const e = r.lenEnd(end);
        resourceMetrics(st, e, 1);
        r.pos = e;
      } else r.other(tag, end, 0, REQUEST_FIELDS);
    }
  } catch (err) {
    throw within(err, 'ExportMetricsServiceRequest');
  }
  return st.out;
}

function resourceMetrics(st: MetricState, end: number, depth: number): void {
  const r = st.r;
  const start = r.pos;
  try {
    const h = st.header;
    h.scan(r, end, depth, 0x12, CONTAINER_FIELDS, V_RESOURCE);
    if (h.start >= 0) {
      r.pos = h.start;
      st.resource = readResource(r, st.ctx, h.end, depth + 1, h.schemaUrl);
    } else st.resource = newResource(EMPTY_ATTRIBUTES, 0, h.schemaUrl);
    r.pos = start;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === 0x12) {
        const e = r.lenEnd(end);
        scopeMetrics(st, e, depth + 1);
        r.pos = e;
      } else r.skip(tag, end, depth);
    }
  } catch (err) {
    throw within(err, 'ResourceMetrics');
  }
}

function scopeMetrics(st: MetricState, end: number, depth: number): void {
  const r = st.r;
  const start = r.pos;
  try {
    const h = st.header;
    h.scan(r, end, depth, 0x12, CONTAINER_FIELDS, V_SCOPE);
    if (h.start >= 0) {
      r.pos = h.start;
      st.scope = readScope(r, st.ctx, h.end, depth + 1, h.schemaUrl);
    } else st.scope = newScope('', '', EMPTY_ATTRIBUTES, 0, h.schemaUrl);
    r.pos = start;
    let index = 0;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === 0x12) {
        const e = r.lenEnd(end);
        metric(st, e, depth + 1, index++);
        r.pos = e;
      } else r.skip(tag, end, depth);
    }
  } catch (err) {
    throw within(err, 'ScopeMetrics');
  }
}

function metric(st: MetricState, end: number, depth: number, index: number): void {
  const r = st.r;
  const ctx = st.ctx;
  const start = r.pos;
  try {
    let name = '';
    let description = '';
    let unit = '';
    let metadataAt = -1;
    // The last range sent of each oneof data member (gauge, sum, histogram, exponential_histogram, summary).
    let ranges: number[] | undefined;
    let kind = -1;
    let ds = -1;
    let de = -1;
    while (r.pos < end) {
      const at = r.pos;
      const tag = r.uint32(end);
      switch (tag) {
        case 0x0a:
          name = r.string(end);
          break;
        case 0x12:
          description = r.string(end);
          break;
        case 0x1a:
          unit = r.string(end);
          break;
        case 0x62:
          if (metadataAt < 0) metadataAt = at;
          r.pos = r.lenEnd(end);
          break;
        case 0x2a:
        case 0x3a:
        case 0x4a:
        case 0x52:
        case 0x5a: {
          const k = DATA_TAGS.indexOf(tag);
          const e = r.lenEnd(end);
          if (kind < 0 || (kind === k && ranges === undefined)) {
            // The common case: one data member.
            if (kind === k) validateRange(r, V_DATA[k]!, ds, de, depth + 1); // replaced: must still decode
            kind = k;
            ds = r.pos;
            de = e;
          } else {
            if (ranges === undefined) {
              ranges = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
              ranges[kind * 2] = ds;
              ranges[kind * 2 + 1] = de;
            }
            if (ranges[k * 2]! >= 0) validateRange(r, V_DATA[k]!, ranges[k * 2]!, ranges[k * 2 + 1]!, depth + 1);
            ranges[k * 2] = r.pos;
            ranges[k * 2 + 1] = e;
          }
          r.pos = e;
          break;
        }
        default:
          r.other(tag, end, depth, METRIC_FIELDS);
      }
    }
    if (ranges !== undefined) {
      // Several members sent: the first in the converter's order wins; the others must still decode.
      kind = -1;
      for (let k = 0; k < 5; k++) {
        const s = ranges[k * 2]!;
        if (s < 0) continue;
        if (kind < 0) (kind = k), (ds = s), (de = ranges[k * 2 + 1]!);
        else validateRange(r, V_DATA[k]!, s, ranges[k * 2 + 1]!, depth + 1);
      }
    }
    if (kind < 0) {
      if (metadataAt >= 0) validateRange(r, V_METRIC, metadataAt, end, depth);
      return; // no data: no points to keep or reject
    }
    const type = DATA_TYPES[kind]!;
    // The data container: count the points; temporality and monotonic come after them.
    let points = 0;
    let temporality = 0;
    let monotonic = false;
    r.pos = ds;
    const known = DATA_FIELDS[kind]!;
    try {
      while (r.pos < de) {
        const tag = r.uint32(de);
        if (tag === 0x0a) {
          r.pos = r.lenEnd(de);
          points++;
        } else if (tag === 0x10 && kind >= 1 && kind <= 3) temporality = r.uint32(de) | 0;
        else if (tag === 0x18 && kind === 1) monotonic = r.uint32(de) !== 0;
        else r.other(tag, de, depth + 1, known);
      }
    } catch (err) {
      throw within(err, V_DATA[kind]!.name);
    }
    if (points === 0) {
      if (metadataAt >= 0) validateRange(r, V_METRIC, metadataAt, end, depth);
      return;
    }
    if (name === '') {
      ctx.reject(points, unnamedMetricRejection(index, st.scope, points));
      validateRange(r, V_METRIC, start, end, depth);
      return;
    }
    let metadata = EMPTY_ATTRIBUTES;
    if (metadataAt >= 0) {
      let kept = 0;
      let dropped = 0;
      const max = ctx.maxAttributes;
      metadata = {};
      r.pos = metadataAt;
      while (r.pos < end) {
        const tag = r.uint32(end);
        if (tag === 0x62) {
          const e = r.lenEnd(end);
          if (readAttribute(r, ctx, e, depth + 1, metadata, kept >= max)) kept++;
          else dropped++;
        } else r.skip(tag, end, depth);
      }
      ctx.droppedAttributes += dropped;
    }
    st.metric = {
      name,
      description,
      unit,
      type,
      temporality: TEMPORALITIES[temporality] ?? 'unspecified',
      monotonic: type === 'sum' && monotonic,
      metadata,
    };
    r.pos = ds;
    let j = 0;
    try {
      while (r.pos < de) {
        const tag = r.uint32(de);
        if (tag === 0x0a) {
          const e = r.lenEnd(de);
          switch (kind) {
            case 0:
            case 1:
              numberPoint(st, e, depth + 2, type as 'gauge' | 'sum', j++);
              break;
            case 2:
              histogramPoint(st, e, depth + 2, j++);
              break;
            case 3:
              expHistogramPoint(st, e, depth + 2, j++);
              break;
            case 4:
              summaryPoint(st, e, depth + 2, j++);
              break;
          }
          r.pos = e;
        } else r.skip(tag, de, depth + 1);
      }
    } catch (err) {
      throw within(err, V_DATA[kind]!.name);
    }
  } catch (err) {
    throw within(err, 'Metric');
  }
}

function reject(st: MetricState, index: number, problem: string, type: VType, rest: number, end: number, depth: number): void {
  st.ctx.reject(1, pointRejection(index, st.metric.name, problem));
  if (rest >= 0) validateRange(st.r, type, rest, end, depth); // what protobufjs would have decoded
}

/** Pass 2 of a point: its attributes and exemplars (into st.attributes / st.exemplars), in the order sent. */
function attributesAndExemplars(st: MetricState, rest: number, end: number, depth: number, attrTag: number, exemplarTag: number): void {
  st.attributes = EMPTY_ATTRIBUTES;
  st.exemplars = EMPTY_LIST;
  if (rest < 0) return;
  const r = st.r;
  const ctx = st.ctx;
  let attributes = EMPTY_ATTRIBUTES;
  let exemplars: Exemplar[] | undefined;
  let kept = 0;
  let dropped = 0;
  const max = ctx.maxAttributes;
  r.pos = rest;
  while (r.pos < end) {
    const tag = r.uint32(end);
    if (tag === attrTag) {
      const e = r.lenEnd(end);
      if (attributes === EMPTY_ATTRIBUTES) attributes = {};
      if (readAttribute(r, ctx, e, depth + 1, attributes, kept >= max)) kept++;
      else dropped++;
    } else if (tag === exemplarTag) {
      const e = r.lenEnd(end);
      (exemplars ??= []).push(exemplar(r, ctx, e, depth + 1));
    } else r.skip(tag, end, depth);
  }
  ctx.droppedAttributes += dropped;
  st.attributes = attributes;
  if (exemplars !== undefined) st.exemplars = exemplars;
}

function numberPoint(st: MetricState, end: number, depth: number, type: 'gauge' | 'sum', index: number): void {
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

function histogramPoint(st: MetricState, end: number, depth: number, index: number): void {
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
    const bounds: readonly number[] = explicitBounds ?? EMPTY_LIST;
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

function expHistogramPoint(st: MetricState, end: number, depth: number, index: number): void {
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

function summaryPoint(st: MetricState, end: number, depth: number, index: number): void {
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

function exemplar(r: WireReader, ctx: DecodeContext, end: number, depth: number): Exemplar {
  try {
    let timeUnixNano = 0n;
    let asDouble: number | undefined;
    let asInt: bigint | undefined;
    let traceId = '';
    let spanId = '';
    let attributes = EMPTY_ATTRIBUTES;
    let kept = 0;
    let dropped = 0;
    const max = ctx.maxAttributes;
    while (r.pos < end) {
      const tag = r.uint32(end);
      switch (tag) {
        case 0x3a: {
          const e = r.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(r, ctx, e, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
          break;
        }
        case 0x11:
          timeUnixNano = r.fixed64(end);
          break;
        case 0x19:
          asDouble = r.double(end);
          break;
        case 0x22:
          spanId = r.hex(end);
          break;
        case 0x2a:
          traceId = r.hex(end);
          break;
        case 0x31:
          asInt = r.sfixed64(end);
          break;
        default:
          r.other(tag, end, depth, EXEMPLAR_FIELDS);
      }
    }
    ctx.droppedAttributes += dropped;
    return {
      filteredAttributes: attributes,
      timeUnixNano,
      value: asDouble !== undefined ? asDouble : asInt !== undefined ? asInt : NaN,
      traceId,
      spanId,
    };
  } catch (err) {
    throw within(err, 'Exemplar');
  }
}
