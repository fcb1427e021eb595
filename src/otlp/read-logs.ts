/**
 * ExportLogsServiceRequest bytes straight to model log records (no intermediate message objects), with the same
 * validation, limits and output as logsFromRequest() over protobufjs (the reference, test/otlp/reference.ts;
 * proven equal by test/otlp/reader-differential.test.ts).
 *
 * Hot path, unrolled on purpose, as read-traces.ts (ARCHITECTURE.md, "Deliberate repetition").
 */
import { type AttributeValue, EMPTY_ATTRIBUTES, type InstrumentationScope, type LogRecord, type Resource } from '../model/index.js';
import type { DecodeContext } from './context.js';
import { logRecordProblem, logRejection } from './logs.js';
import { ANY_VALUE_SCHEMA, readAnyValue, readAttribute } from './read-common.js';
import { type RequestShape, walkRequest } from './read-request.js';
import { protoRoot } from './proto.js';
import { WireReader, fieldMask, within } from './wire.js';
import { schemaFor, validateRange } from './wire-schema.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
/** opentelemetry.proto.logs.v1.LogRecord */
const enum LogRecordTag {
  TimeUnixNano_I64 = 0x09, // timeUnixNano = 1, fixed64
  SeverityNumber_VARINT = 0x10, // severityNumber = 2, SeverityNumber
  SeverityText_LEN = 0x1a, // severityText = 3, string
  Body_LEN = 0x2a, // body = 5, AnyValue
  Attributes_LEN = 0x32, // attributes = 6, repeated KeyValue
  DroppedAttributesCount_VARINT = 0x38, // droppedAttributesCount = 7, uint32
  Flags_I32 = 0x45, // flags = 8, fixed32
  TraceId_LEN = 0x4a, // traceId = 9, bytes
  SpanId_LEN = 0x52, // spanId = 10, bytes
  ObservedTimeUnixNano_I64 = 0x59, // observedTimeUnixNano = 11, fixed64
  EventName_LEN = 0x62, // eventName = 12, string
}
// ---- end of generated field tags ----

const LOG_RECORD_SCHEMA = schemaFor(protoRoot.lookupType('opentelemetry.proto.logs.v1.LogRecord'));
const LOG_RECORD_FIELDS = fieldMask(1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12);

const SHAPE: RequestShape = { request: 'ExportLogsServiceRequest', resource: 'ResourceLogs', scope: 'ScopeLogs' };

export function readLogs(buf: Buffer, ctx: DecodeContext): LogRecord[] {
  const reader = new WireReader(buf);
  const out: LogRecord[] = [];
  walkRequest(reader, ctx, SHAPE, (end, depth, resource, scope, index) => logRecord(reader, ctx, out, end, depth, resource, scope, index));
  return out;
}

function logRecord(
  reader: WireReader,
  ctx: DecodeContext,
  out: LogRecord[],
  end: number,
  depth: number,
  resource: Resource,
  scope: InstrumentationScope,
  index: number,
): void {
  try {
    let time = 0n;
    let observed = 0n;
    let severityNumber = 0;
    let severityText = '';
    let droppedAttributesCount = 0;
    let flags = 0;
    let traceId = '';
    let spanId = '';
    let eventName = '';
    let rest = -1;
    let restEnd = -1;
    // Pass 1: the scalars (validation needs ids, times, severity); body and attributes wait for pass 2.
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case LogRecordTag.TimeUnixNano_I64:
          time = reader.fixed64Repeated(end);
          break;
        case LogRecordTag.ObservedTimeUnixNano_I64:
          observed = reader.fixed64Repeated(end);
          break;
        case LogRecordTag.SeverityNumber_VARINT:
          severityNumber = reader.uint32(end) | 0;
          break;
        case LogRecordTag.SeverityText_LEN:
          severityText = reader.string(end);
          break;
        case LogRecordTag.Body_LEN:
        case LogRecordTag.Attributes_LEN:
          if (rest < 0) rest = at;
          reader.pos = restEnd = reader.lenEnd(end);
          break;
        case LogRecordTag.DroppedAttributesCount_VARINT:
          droppedAttributesCount = reader.uint32(end);
          break;
        case LogRecordTag.Flags_I32:
          flags = reader.fixed32(end);
          break;
        case LogRecordTag.TraceId_LEN:
          traceId = reader.hex(end);
          break;
        case LogRecordTag.SpanId_LEN:
          spanId = reader.hex(end);
          break;
        case LogRecordTag.EventName_LEN:
          eventName = reader.string(end);
          break;
        default:
          reader.other(tag, end, depth, LOG_RECORD_FIELDS);
      }
    }
    const problem = logRecordProblem(traceId, spanId, time, observed, severityNumber);
    if (problem !== '') {
      ctx.reject(1, logRejection(index, scope, problem));
      if (rest >= 0) validateRange(reader, LOG_RECORD_SCHEMA, rest, end, depth); // what protobufjs would have decoded
      return;
    }
    let body: AttributeValue = null;
    let attributes = EMPTY_ATTRIBUTES;
    let dropped = 0;
    if (rest >= 0) {
      // Pass 2: the body (the last one sent wins; earlier ones must still decode) and the attributes, in the order
      // sent; up to the last of them only (the scalars after it were read in pass 1).
      let bodyStart = -1;
      let bodyEnd = -1;
      let kept = 0;
      const max = ctx.maxAttributes;
      reader.pos = rest;
      while (reader.pos < restEnd) {
        const tag = reader.uint32(end);
        if (tag === LogRecordTag.Attributes_LEN) {
          const fieldEnd = reader.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
        } else if (tag === LogRecordTag.Body_LEN) {
          const fieldEnd = reader.lenEnd(end);
          if (bodyStart >= 0) validateRange(reader, ANY_VALUE_SCHEMA, bodyStart, bodyEnd, depth + 1);
          bodyStart = reader.pos;
          bodyEnd = fieldEnd;
          reader.pos = fieldEnd;
        } else reader.skip(tag, end, depth);
      }
      ctx.droppedAttributes += dropped;
      if (bodyStart >= 0) {
        reader.pos = bodyStart;
        body = readAnyValue(reader, ctx, bodyEnd, depth + 1);
      }
      reader.pos = end;
    }
    out.push({
      resource,
      scope,
      timeUnixNano: time,
      observedTimeUnixNano: observed,
      severityNumber,
      severityText,
      body,
      attributes,
      droppedAttributesCount: droppedAttributesCount + dropped,
      flags,
      traceId,
      spanId,
      eventName,
    });
  } catch (err) {
    throw within(err, 'LogRecord');
  }
}
