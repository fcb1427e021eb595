/**
 * What the metrics reader (read-metrics.ts) and its point readers (read-metric-points.ts,
 * read-exp-histogram.ts) share: the walk's state, rejection of one point, and a point's attributes and exemplars.
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import { EMPTY_ATTRIBUTES } from '../model/index.js';
import type { Attributes, Exemplar, InstrumentationScope, MetricDescriptor, MetricPoint, Resource } from '../model/index.js';
import { type DecodeContext, EMPTY_LIST } from './context.js';
import { pointRejection } from './metrics.js';
import { protoRoot } from './proto.js';
import { AttributeSetCache } from './read-attribute-sets.js';
import { readAttribute } from './read-common.js';
import { type WireReader, fieldMask, within } from './wire.js';
import { validateRange, schemaFor } from './wire-schema.js';
import type { MessageSchema } from './wire-schema.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
/** opentelemetry.proto.metrics.v1.Exemplar */
const enum ExemplarTag {
  TimeUnixNano_I64 = 0x11, // timeUnixNano = 2, fixed64
  AsDouble_I64 = 0x19, // asDouble = 3, double
  SpanId_LEN = 0x22, // spanId = 4, bytes
  TraceId_LEN = 0x2a, // traceId = 5, bytes
  AsInt_I64 = 0x31, // asInt = 6, sfixed64
  FilteredAttributes_LEN = 0x3a, // filteredAttributes = 7, repeated KeyValue
}
// ---- end of generated field tags ----

export const metricsType = (name: string): MessageSchema => schemaFor(protoRoot.lookupType(`opentelemetry.proto.metrics.v1.${name}`));
/** Validators of each point message: a rejected point must still decode as protobufjs would. */
export const POINT_SCHEMAS = {
  gauge: metricsType('NumberDataPoint'),
  sum: metricsType('NumberDataPoint'),
  histogram: metricsType('HistogramDataPoint'),
  exponential_histogram: metricsType('ExponentialHistogramDataPoint'),
  summary: metricsType('SummaryDataPoint'),
};
const EXEMPLAR_FIELDS = fieldMask(2, 3, 4, 5, 6, 7);

export class MetricState {
  readonly out: MetricPoint[] = [];
  /** Point attribute sets decoded so far in this request (read-attribute-sets.ts). */
  readonly attributeSets = new AttributeSetCache();
  /** The last histogram point's explicit bounds: the points of a histogram metric mostly share them. */
  private lastBounds: readonly number[] = EMPTY_LIST;
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
    readonly reader: WireReader,
    readonly ctx: DecodeContext,
  ) {}

  /**
   * `bounds`, or the previous histogram point's array when equal (Object.is: -0 and NaN kept apart), so the points
   * of a histogram share one array and the queue payload writes it once (format version 3).
   */
  sharedBounds(bounds: number[]): readonly number[] {
    const last = this.lastBounds;
    if (last.length === bounds.length) {
      let i = 0;
      while (i < bounds.length && Object.is(last[i], bounds[i])) i++;
      if (i === bounds.length) return last;
    }
    this.lastBounds = bounds;
    return bounds;
  }

  readStart(end: number): void {
    const reader = this.reader;
    reader.fixed64Parts(end);
    if (reader.lo !== this.startLo || reader.hi !== this.startHi) {
      this.startLo = reader.lo;
      this.startHi = reader.hi;
      this.startValue = reader.hi === 0 ? BigInt(reader.lo) : BigInt(reader.hi) * 4294967296n + BigInt(reader.lo);
    }
    this.start = this.startValue;
  }

  readTime(end: number): void {
    const reader = this.reader;
    reader.fixed64Parts(end);
    if (reader.lo !== this.timeLo || reader.hi !== this.timeHi) {
      this.timeLo = reader.lo;
      this.timeHi = reader.hi;
      this.timeValue = reader.hi === 0 ? BigInt(reader.lo) : BigInt(reader.hi) * 4294967296n + BigInt(reader.lo);
    }
    this.time = this.timeValue;
  }
}

export function reject(state: MetricState, index: number, problem: string, type: MessageSchema, rest: number, end: number, depth: number): void {
  state.ctx.reject(1, pointRejection(index, state.metric.name, problem));
  if (rest >= 0) validateRange(state.reader, type, rest, end, depth); // what protobufjs would have decoded
}

/**
 * Pass 2 of a point: its attributes and exemplars (into state.attributes / state.exemplars), in the order sent.
 * An attribute set sent before in this request is not decoded again: the points share its object.
 */
export function attributesAndExemplars(state: MetricState, rest: number, end: number, depth: number, attrTag: number, exemplarTag: number): void {
  state.attributes = EMPTY_ATTRIBUTES;
  state.exemplars = EMPTY_LIST;
  if (rest < 0) return;
  const reader = state.reader;
  const ctx = state.ctx;
  const cache = state.attributeSets;
  const known = cache.find(reader, rest, end, depth, attrTag, exemplarTag);
  if (known === undefined) {
    if (cache.fields === 0 && cache.others === 0) return;
    const counts = decodeInOrder(state, rest, end, depth, attrTag, exemplarTag);
    if (cache.fields > 0) cache.remember(state.attributes, depth, counts.dropped, counts.truncated);
    return;
  }
  // The same bytes decoded without error before: only the exemplars are left to read (and may fail).
  state.attributes = known.attributes;
  ctx.droppedAttributes += known.dropped;
  ctx.truncatedValues += known.truncated;
  if (cache.others === 0) return;
  const exemplars: Exemplar[] = [];
  reader.pos = rest;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === exemplarTag) {
      const fieldEnd = reader.lenEnd(end);
      exemplars.push(exemplar(reader, ctx, fieldEnd, depth + 1));
    } else reader.skip(tag, end, depth);
  }
  state.exemplars = exemplars;
}

/** What decoding a point's attribute set (not its exemplars) added to the request's counters. */
const setCounts = { dropped: 0, truncated: 0 };

/**
 * Attributes and exemplars decoded together in the order sent (so the first bad field is the one reported);
 * returns what the attributes alone added to the counters (shared object, valid until the next call).
 */
function decodeInOrder(state: MetricState, rest: number, end: number, depth: number, attrTag: number, exemplarTag: number): typeof setCounts {
  const reader = state.reader;
  const ctx = state.ctx;
  let attributes = EMPTY_ATTRIBUTES;
  let exemplars: Exemplar[] | undefined;
  let kept = 0;
  let dropped = 0;
  let truncated = 0;
  const max = ctx.maxAttributes;
  reader.pos = rest;
  while (reader.pos < end) {
    const tag = reader.uint32(end);
    if (tag === attrTag) {
      const fieldEnd = reader.lenEnd(end);
      if (attributes === EMPTY_ATTRIBUTES) attributes = {};
      const before = ctx.truncatedValues;
      if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
      else dropped++;
      truncated += ctx.truncatedValues - before;
    } else if (tag === exemplarTag) {
      const fieldEnd = reader.lenEnd(end);
      (exemplars ??= []).push(exemplar(reader, ctx, fieldEnd, depth + 1));
    } else reader.skip(tag, end, depth);
  }
  ctx.droppedAttributes += dropped;
  state.attributes = attributes;
  if (exemplars !== undefined) state.exemplars = exemplars;
  setCounts.dropped = dropped;
  setCounts.truncated = truncated;
  return setCounts;
}

function exemplar(reader: WireReader, ctx: DecodeContext, end: number, depth: number): Exemplar {
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
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      switch (tag) {
        case ExemplarTag.FilteredAttributes_LEN: {
          const fieldEnd = reader.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
          break;
        }
        case ExemplarTag.TimeUnixNano_I64:
          timeUnixNano = reader.fixed64(end);
          break;
        case ExemplarTag.AsDouble_I64:
          asDouble = reader.double(end);
          break;
        case ExemplarTag.SpanId_LEN:
          spanId = reader.hex(end);
          break;
        case ExemplarTag.TraceId_LEN:
          traceId = reader.hex(end);
          break;
        case ExemplarTag.AsInt_I64:
          asInt = reader.sfixed64(end);
          break;
        default:
          reader.other(tag, end, depth, EXEMPLAR_FIELDS);
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
