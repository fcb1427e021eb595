/**
 * ExportTraceServiceRequest bytes straight to model spans (no intermediate message objects), with the same
 * validation, limits and output as spansFromRequest() over protobufjs (the reference, test/otlp/reference.ts;
 * proven equal by test/otlp/reader-differential.test.ts).
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import { EMPTY_ATTRIBUTES } from '../model/index.js';
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanLink } from '../model/index.js';
import { type DecodeContext, EMPTY_LIST } from './context.js';
import { readAttribute } from './read-common.js';
import { type RequestShape, walkRequest } from './read-request.js';
import { protoRoot } from './proto.js';
import { rootParent, spanKind, spanProblem, spanRejection, spanStatus } from './traces.js';
import { WireReader, fieldMask, within } from './wire.js';
import { validateRange, schemaFor } from './wire-schema.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
/** opentelemetry.proto.trace.v1.Span */
const enum SpanTag {
  TraceId_LEN = 0x0a, // traceId = 1, bytes
  SpanId_LEN = 0x12, // spanId = 2, bytes
  TraceState_LEN = 0x1a, // traceState = 3, string
  ParentSpanId_LEN = 0x22, // parentSpanId = 4, bytes
  Name_LEN = 0x2a, // name = 5, string
  Kind_VARINT = 0x30, // kind = 6, SpanKind
  StartTimeUnixNano_I64 = 0x39, // startTimeUnixNano = 7, fixed64
  EndTimeUnixNano_I64 = 0x41, // endTimeUnixNano = 8, fixed64
  Attributes_LEN = 0x4a, // attributes = 9, repeated KeyValue
  DroppedAttributesCount_VARINT = 0x50, // droppedAttributesCount = 10, uint32
  Events_LEN = 0x5a, // events = 11, repeated Event
  DroppedEventsCount_VARINT = 0x60, // droppedEventsCount = 12, uint32
  Links_LEN = 0x6a, // links = 13, repeated Link
  DroppedLinksCount_VARINT = 0x70, // droppedLinksCount = 14, uint32
  Status_LEN = 0x7a, // status = 15, Status
  Flags_I32 = 0x85, // flags = 16, fixed32
}
/** opentelemetry.proto.trace.v1.Status */
const enum StatusTag {
  Message_LEN = 0x12, // message = 2, string
  Code_VARINT = 0x18, // code = 3, StatusCode
}
/** opentelemetry.proto.trace.v1.Span.Event */
const enum EventTag {
  TimeUnixNano_I64 = 0x09, // timeUnixNano = 1, fixed64
  Name_LEN = 0x12, // name = 2, string
  Attributes_LEN = 0x1a, // attributes = 3, repeated KeyValue
  DroppedAttributesCount_VARINT = 0x20, // droppedAttributesCount = 4, uint32
}
/** opentelemetry.proto.trace.v1.Span.Link */
const enum LinkTag {
  TraceId_LEN = 0x0a, // traceId = 1, bytes
  SpanId_LEN = 0x12, // spanId = 2, bytes
  TraceState_LEN = 0x1a, // traceState = 3, string
  Attributes_LEN = 0x22, // attributes = 4, repeated KeyValue
  DroppedAttributesCount_VARINT = 0x28, // droppedAttributesCount = 5, uint32
  Flags_I32 = 0x35, // flags = 6, fixed32
}
// ---- end of generated field tags ----

const SPAN_SCHEMA = schemaFor(protoRoot.lookupType('opentelemetry.proto.trace.v1.Span'));
const SPAN_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
const STATUS_FIELDS = fieldMask(2, 3);
const EVENT_FIELDS = fieldMask(1, 2, 3, 4);
const LINK_FIELDS = fieldMask(1, 2, 3, 4, 5, 6);

/** Per-request state: spans of one trace usually arrive together; a repeated trace id reuses its hex. */
class SpansState {
  readonly out: Span[] = [];
  prevIdStart = -1;
  prevIdHex = '';
  constructor(
    readonly reader: WireReader,
    readonly ctx: DecodeContext,
  ) {}

  traceIdHex(start: number, end: number): string {
    const prev = this.prevIdStart;
    const buf = this.reader.buf;
    if (prev >= 0 && end - start === 16) {
      let i = 0;
      while (i < 16 && buf[start + i] === buf[prev + i]) i++;
      if (i === 16) return this.prevIdHex;
    }
    const hex = this.reader.hexAt(start, end);
    if (end - start === 16) {
      this.prevIdStart = start;
      this.prevIdHex = hex;
    } else this.prevIdStart = -1;
    return hex;
  }
}

const SHAPE: RequestShape = { request: 'ExportTraceServiceRequest', resource: 'ResourceSpans', scope: 'ScopeSpans' };

export function readTraces(buf: Buffer, ctx: DecodeContext): Span[] {
  const state = new SpansState(new WireReader(buf), ctx);
  walkRequest(state.reader, ctx, SHAPE, (end, depth, resource, scope, index) => span(state, end, depth, resource, scope, index));
  return state.out;
}

function span(state: SpansState, end: number, depth: number, resource: Resource, scope: InstrumentationScope, index: number): void {
  const reader = state.reader;
  const ctx = state.ctx;
  try {
    let traceIdStart = -1;
    let traceIdEnd = -1;
    let spanId = '';
    let parentSpanId = '';
    let traceState = '';
    let flags = 0;
    let name = '';
    let kind = 0;
    let startTime = 0n;
    let endTime = 0n;
    let droppedAttributesCount = 0;
    let droppedEventsCount = 0;
    let droppedLinksCount = 0;
    let statusCode = 0;
    let statusMessage = '';
    let rest = -1;
    // Pass 1: the scalars (validation needs ids and times); attributes, events and links wait for pass 2.
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case SpanTag.TraceId_LEN: {
          const fieldEnd = reader.lenEnd(end);
          traceIdStart = reader.pos;
          traceIdEnd = fieldEnd;
          reader.pos = fieldEnd;
          break;
        }
        case SpanTag.SpanId_LEN:
          spanId = reader.hex(end);
          break;
        case SpanTag.TraceState_LEN:
          traceState = reader.string(end);
          break;
        case SpanTag.ParentSpanId_LEN:
          parentSpanId = reader.hex(end);
          break;
        case SpanTag.Name_LEN:
          name = reader.string(end);
          break;
        case SpanTag.Kind_VARINT:
          kind = reader.uint32(end) | 0;
          break;
        case SpanTag.StartTimeUnixNano_I64:
          startTime = reader.fixed64(end);
          break;
        case SpanTag.EndTimeUnixNano_I64:
          endTime = reader.fixed64(end);
          break;
        case SpanTag.Attributes_LEN:
        case SpanTag.Events_LEN:
        case SpanTag.Links_LEN:
          if (rest < 0) rest = at;
          reader.pos = reader.lenEnd(end);
          break;
        case SpanTag.DroppedAttributesCount_VARINT:
          droppedAttributesCount = reader.uint32(end);
          break;
        case SpanTag.DroppedEventsCount_VARINT:
          droppedEventsCount = reader.uint32(end);
          break;
        case SpanTag.DroppedLinksCount_VARINT:
          droppedLinksCount = reader.uint32(end);
          break;
        case SpanTag.Status_LEN: {
          // A repeated Status replaces the earlier one.
          const fieldEnd = reader.lenEnd(end);
          statusCode = 0;
          statusMessage = '';
          try {
            while (reader.pos < fieldEnd) {
              const statusTag = reader.uint32(fieldEnd);
              if (statusTag === StatusTag.Message_LEN) statusMessage = reader.string(fieldEnd);
              else if (statusTag === StatusTag.Code_VARINT) statusCode = reader.uint32(fieldEnd) | 0;
              else reader.other(statusTag, fieldEnd, depth + 1, STATUS_FIELDS);
            }
          } catch (err) {
            throw within(err, 'Status');
          }
          break;
        }
        case SpanTag.Flags_I32:
          flags = reader.fixed32(end);
          break;
        default:
          reader.other(tag, end, depth, SPAN_FIELDS);
      }
    }
    const traceId = traceIdStart >= 0 ? state.traceIdHex(traceIdStart, traceIdEnd) : '';
    parentSpanId = rootParent(parentSpanId);
    const problem = spanProblem(traceId, spanId, parentSpanId, startTime, endTime);
    if (problem !== '') {
      ctx.reject(1, spanRejection(index, scope, problem));
      if (rest >= 0) validateRange(reader, SPAN_SCHEMA, rest, end, depth); // what protobufjs would have decoded
      return;
    }
    let attributes = EMPTY_ATTRIBUTES;
    let events: readonly SpanEvent[] = EMPTY_LIST;
    let links: readonly SpanLink[] = EMPTY_LIST;
    let dropped = 0;
    if (rest >= 0) {
      // Pass 2: attributes, events and links, in the order sent.
      let kept = 0;
      const max = ctx.maxAttributes;
      reader.pos = rest;
      while (reader.pos < end) {
        const tag = reader.uint32(end);
        if (tag === SpanTag.Attributes_LEN) {
          const fieldEnd = reader.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
        } else if (tag === SpanTag.Events_LEN) {
          const fieldEnd = reader.lenEnd(end);
          if (events === EMPTY_LIST) events = [];
          (events as SpanEvent[]).push(event(reader, ctx, fieldEnd, depth + 1));
        } else if (tag === SpanTag.Links_LEN) {
          const fieldEnd = reader.lenEnd(end);
          if (links === EMPTY_LIST) links = [];
          (links as SpanLink[]).push(link(reader, ctx, fieldEnd, depth + 1));
        } else reader.skip(tag, end, depth);
      }
      ctx.droppedAttributes += dropped;
    }
    state.out.push({
      resource,
      scope,
      traceId,
      spanId,
      parentSpanId,
      traceState,
      flags,
      name,
      kind: spanKind(kind),
      startTimeUnixNano: startTime,
      endTimeUnixNano: endTime,
      attributes,
      droppedAttributesCount: droppedAttributesCount + dropped,
      events,
      droppedEventsCount,
      links,
      droppedLinksCount,
      status: spanStatus(statusCode, statusMessage),
    });
  } catch (err) {
    throw within(err, 'Span');
  }
}

function event(reader: WireReader, ctx: DecodeContext, end: number, depth: number): SpanEvent {
  try {
    let timeUnixNano = 0n;
    let name = '';
    let attributes = EMPTY_ATTRIBUTES;
    let droppedAttributesCount = 0;
    let kept = 0;
    let dropped = 0;
    const max = ctx.maxAttributes;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      switch (tag) {
        case EventTag.TimeUnixNano_I64:
          timeUnixNano = reader.fixed64(end);
          break;
        case EventTag.Name_LEN:
          name = reader.string(end);
          break;
        case EventTag.Attributes_LEN: {
          const fieldEnd = reader.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
          break;
        }
        case EventTag.DroppedAttributesCount_VARINT:
          droppedAttributesCount = reader.uint32(end);
          break;
        default:
          reader.other(tag, end, depth, EVENT_FIELDS);
      }
    }
    ctx.droppedAttributes += dropped;
    return { timeUnixNano, name, attributes, droppedAttributesCount: droppedAttributesCount + dropped };
  } catch (err) {
    throw within(err, 'Span.Event');
  }
}

function link(reader: WireReader, ctx: DecodeContext, end: number, depth: number): SpanLink {
  try {
    let traceId = '';
    let spanId = '';
    let traceState = '';
    let attributes = EMPTY_ATTRIBUTES;
    let droppedAttributesCount = 0;
    let flags = 0;
    let kept = 0;
    let dropped = 0;
    const max = ctx.maxAttributes;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      switch (tag) {
        case LinkTag.TraceId_LEN:
          traceId = reader.hex(end);
          break;
        case LinkTag.SpanId_LEN:
          spanId = reader.hex(end);
          break;
        case LinkTag.TraceState_LEN:
          traceState = reader.string(end);
          break;
        case LinkTag.Attributes_LEN: {
          const fieldEnd = reader.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
          break;
        }
        case LinkTag.DroppedAttributesCount_VARINT:
          droppedAttributesCount = reader.uint32(end);
          break;
        case LinkTag.Flags_I32:
          flags = reader.fixed32(end);
          break;
        default:
          reader.other(tag, end, depth, LINK_FIELDS);
      }
    }
    ctx.droppedAttributes += dropped;
    return { traceId, spanId, traceState, attributes, droppedAttributesCount: droppedAttributesCount + dropped, flags };
  } catch (err) {
    throw within(err, 'Span.Link');
  }
}
