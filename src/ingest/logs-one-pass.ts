/**
 * A logs request straight from OTLP protobuf to its queue payload, in one pass (issue 15): no model objects in
 * between. The two-pass path (decodeLogs, then encodeBatch) turns each record's body into a string and its ids into
 * hex, builds the record, and writes it all back out as bytes; with the decode thread the logs bench's bottleneck,
 * that is where its time went (bench/NOTES.md, "Logs ingest in one pass"). Here a body of plain ASCII text, the ids
 * and the timestamps are copied from the request's bytes into the payload; repeated short strings (keys, values,
 * severity texts) are written as references found from their bytes (payload-strings.ts); the rest (other values,
 * resources, scopes) goes through the same readers and writer methods as the two-pass path.
 *
 * The payload is the two-pass path's, byte for byte (test/ingest/logs-one-pass.test.ts and the fuzz of
 * test/otlp/reader-differential.test.ts hold the two equal). To keep that simple, anything off the common case
 * abandons the request, and decodeOne() takes the two-pass path from the start: a record to reject, a body or
 * attribute value sent twice, an attribute key sent twice, past the attribute limit, longer than the string table
 * takes, shaped like an array index (an object lists those first) or `__proto__`, a malformed request (the two-pass
 * path then gives its error). Only the work done so far is lost.
 *
 * Hot path, unrolled on purpose, as read-logs.ts (ARCHITECTURE.md, "Deliberate repetition").
 */
import type { InstrumentationScope, Resource } from '../model/index.js';
import { DecodeContext } from '../otlp/context.js';
import { readAnyValue, scalarValue } from '../otlp/read-common.js';
import { type RequestShape, walkRequest } from '../otlp/read-request.js';
import type { DecodeLimits } from '../otlp/types.js';
import { MAX_DEPTH, WireReader, fieldMask } from '../otlp/wire.js';
import { encodeLogRecords } from '../queue/codec.js';
import { MAX_INTERNED } from '../queue/binary-format.js';
import type { LogsLayoutWriter } from '../queue/binary-writer.js';
import type { EncodedRequest } from './encoded-request.js';
import { PayloadStrings } from './payload-strings.js';

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
/** opentelemetry.proto.common.v1.KeyValue */
const enum KeyValueTag {
  Key_LEN = 0x0a, // key = 1, string
  Value_LEN = 0x12, // value = 2, AnyValue
}
/** opentelemetry.proto.common.v1.AnyValue */
const enum AnyValueTag {
  StringValue_LEN = 0x0a, // stringValue = 1, string
  BoolValue_VARINT = 0x10, // boolValue = 2, bool
  IntValue_VARINT = 0x18, // intValue = 3, int64
  DoubleValue_I64 = 0x21, // doubleValue = 4, double
  ArrayValue_LEN = 0x2a, // arrayValue = 5, ArrayValue
  KvlistValue_LEN = 0x32, // kvlistValue = 6, KeyValueList
  BytesValue_LEN = 0x3a, // bytesValue = 7, bytes
}
// ---- end of generated field tags ----

const LOG_RECORD_FIELDS = fieldMask(1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12);
const KEY_VALUE_FIELDS = fieldMask(1, 2);
const SHAPE: RequestShape = { request: 'ExportLogsServiceRequest', resource: 'ResourceLogs', scope: 'ScopeLogs' };
const NO_TIME = new Uint8Array(8);

/** One per thread, as the payload writer (encoding is synchronous). */
const payloadStrings = new PayloadStrings();

/** Thrown to leave the walk: the request is not one this path writes. */
const ABANDON = Object.freeze({ abandon: true });

/** The request's payload, or undefined when the two-pass path must write it (see above). */
export function encodeLogsOnePass(body: Uint8Array, limits: DecodeLimits, into?: Uint8Array): EncodedRequest | undefined {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const reader = new WireReader(buf);
  const ctx = new DecodeContext(limits);
  let records = 0;
  try {
    const payload = encodeLogRecords((w) => {
      payloadStrings.reset(buf);
      const record = new RecordWriter(reader, ctx, w, limits.maxAttributeValueLength, payloadStrings);
      walkRequest(reader, ctx, SHAPE, (end, depth, resource, scope) => {
        record.write(end, depth, resource, scope);
        records++;
      });
      return records;
    }, into);
    return { payload, items: records, rejected: ctx.rejected, droppedAttributes: ctx.droppedAttributes, truncatedValues: ctx.truncatedValues };
  } catch {
    // ABANDON, or the request is malformed: the two-pass path reads it again and says what is wrong.
    return undefined;
  } finally {
    payloadStrings.release();
  }
}

/** Writes one LogRecord as binary-writer.ts logRecord() writes the record read-logs.ts makes of it. */
class RecordWriter {
  /** The string-table indexes of the record's attribute keys so far (a repeat abandons); grown as needed. */
  private keys = new Int32Array(16);

  constructor(
    private readonly reader: WireReader,
    private readonly ctx: DecodeContext,
    private readonly w: LogsLayoutWriter,
    private readonly maxLength: number,
    private readonly strings: PayloadStrings,
  ) {}

  write(end: number, depth: number, resource: Resource, scope: InstrumentationScope): void {
    const { reader, w } = this;
    const buf = reader.buf;
    let timeAt = -1;
    let observedAt = -1;
    let severityNumber = 0;
    let textStart = 0;
    let textEnd = 0;
    let droppedAttributesCount = 0;
    let flags = 0;
    let traceStart = 0;
    let traceEnd = 0;
    let spanStart = 0;
    let spanEnd = 0;
    let eventStart = 0;
    let eventEnd = 0;
    let rest = -1;
    let restEnd = -1;
    // As read-logs.ts pass 1: the scalars, the last of a repeated one winning; body and attributes wait.
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case LogRecordTag.TimeUnixNano_I64:
          timeAt = reader.pos;
          reader.fixed64Parts(end);
          break;
        case LogRecordTag.ObservedTimeUnixNano_I64:
          observedAt = reader.pos;
          reader.fixed64Parts(end);
          break;
        case LogRecordTag.SeverityNumber_VARINT:
          severityNumber = reader.uint32(end) | 0;
          break;
        case LogRecordTag.SeverityText_LEN:
          textEnd = reader.stringEnd(end);
          textStart = reader.pos;
          reader.pos = textEnd;
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
          traceEnd = reader.lenEnd(end);
          traceStart = reader.pos;
          reader.pos = traceEnd;
          break;
        case LogRecordTag.SpanId_LEN:
          spanEnd = reader.lenEnd(end);
          spanStart = reader.pos;
          reader.pos = spanEnd;
          break;
        case LogRecordTag.EventName_LEN:
          eventEnd = reader.stringEnd(end);
          eventStart = reader.pos;
          reader.pos = eventEnd;
          break;
        default:
          reader.other(tag, end, depth, LOG_RECORD_FIELDS);
      }
    }
    // What logRecordProblem() would reject, the two-pass path rejects (with its message).
    const traceBytes = traceEnd - traceStart;
    const spanBytes = spanEnd - spanStart;
    if (traceBytes !== 0 && (traceBytes !== 16 || allZero(buf, traceStart, traceEnd))) throw ABANDON;
    if (spanBytes !== 0 && (spanBytes !== 8 || traceBytes === 0 || allZero(buf, spanStart, spanEnd))) throw ABANDON;
    if (beyondInt64(buf, timeAt) || beyondInt64(buf, observedAt) || severityNumber < 0 || severityNumber > 24) throw ABANDON;

    w.resource(resource);
    w.scope(scope);
    if (timeAt < 0) w.uint64Bytes(NO_TIME, 0);
    else w.uint64Bytes(buf, timeAt);
    if (observedAt < 0) w.uint64Bytes(NO_TIME, 0);
    else w.uint64Bytes(buf, observedAt);
    w.int(severityNumber);
    this.text(textStart, textEnd);
    if (rest < 0) {
      w.value(null);
      w.byte(0); // no attributes
    } else {
      this.body(rest, restEnd, end, depth);
      this.attributes(rest, restEnd, end, depth);
    }
    w.int(droppedAttributesCount);
    w.int(flags);
    w.idBytes(buf, traceStart, traceEnd);
    w.idBytes(buf, spanStart, spanEnd);
    this.text(eventStart, eventEnd);
    reader.pos = end;
  }

  /** The record's body (null when it has none): ASCII text copied, anything else read as read-logs.ts reads it. */
  private body(rest: number, restEnd: number, end: number, depth: number): void {
    const { reader, w } = this;
    let bodyStart = -1;
    let bodyEnd = -1;
    reader.pos = rest;
    while (reader.pos < restEnd) {
      const tag = reader.uint32(end);
      if (tag === LogRecordTag.Body_LEN) {
        if (bodyStart >= 0) throw ABANDON;
        bodyEnd = reader.lenEnd(end);
        bodyStart = reader.pos;
        reader.pos = bodyEnd;
      } else reader.skip(tag, end, depth);
    }
    if (bodyStart < 0) {
      w.value(null);
      return;
    }
    const buf = reader.buf;
    if (buf[bodyStart] === AnyValueTag.StringValue_LEN) {
      // One string field filling the body: [tag][length varint][bytes].
      reader.pos = bodyStart + 1;
      const length = reader.uint32(bodyEnd);
      const textStart = reader.pos;
      if (textStart + length === bodyEnd && length > MAX_INTERNED && length <= this.maxLength && w.longAsciiValue(buf, textStart, bodyEnd)) return;
    }
    reader.pos = bodyStart;
    w.value(readAnyValue(reader, this.ctx, bodyEnd, depth + 1));
  }

  /** A string field's text ([start, end) of the request), as text() writes it. */
  private text(start: number, end: number): void {
    const { strings, w } = this;
    const index = strings.find(start, end);
    if (index >= 0) w.textRef(index);
    else strings.add(start, end, w.text(this.reader.utf8At(start, end)));
  }

  /** The record's attributes in the order sent, as read-common.ts readAttribute() reads them into an object. */
  private attributes(rest: number, restEnd: number, end: number, depth: number): void {
    const { reader, ctx, w, strings } = this;
    const buf = reader.buf;
    let keyCount = 0;
    reader.pos = rest;
    while (reader.pos < restEnd) {
      const tag = reader.uint32(end);
      if (tag !== LogRecordTag.Attributes_LEN) {
        reader.skip(tag, end, depth);
        continue;
      }
      const fieldEnd = reader.lenEnd(end);
      if (keyCount >= ctx.maxAttributes || depth + 1 > MAX_DEPTH) throw ABANDON;
      let keyStart = 0;
      let keyEnd = 0;
      let valueStart = -1;
      let valueEnd = -1;
      while (reader.pos < fieldEnd) {
        const kvTag = reader.uint32(fieldEnd);
        if (kvTag === KeyValueTag.Key_LEN) {
          keyEnd = reader.stringEnd(fieldEnd);
          keyStart = reader.pos;
          reader.pos = keyEnd;
        } else if (kvTag === KeyValueTag.Value_LEN) {
          if (valueStart >= 0) throw ABANDON;
          valueEnd = reader.lenEnd(fieldEnd);
          valueStart = reader.pos;
          reader.pos = valueEnd;
        } else reader.other(kvTag, fieldEnd, depth + 1, KEY_VALUE_FIELDS);
      }
      // An object lists array-index keys first, and takes `__proto__` apart: left to the two-pass path.
      const first = buf[keyStart]!;
      if (keyEnd > keyStart && ((first >= 48 && first <= 57) || (first === 95 && isProto(buf, keyStart, keyEnd)))) throw ABANDON;
      let index = strings.find(keyStart, keyEnd);
      if (index >= 0) w.attributeKeyRef(index);
      else {
        index = w.attributeKey(reader.utf8At(keyStart, keyEnd));
        if (index < 0) throw ABANDON; // a key too long for the string table: no index to tell a repeat by
        strings.add(keyStart, keyEnd, index);
      }
      // The same string has the same index: a repeated key (the object keeps one) is a repeated index.
      const keys = this.keys;
      for (let i = 0; i < keyCount; i++) if (keys[i] === index) throw ABANDON;
      if (keyCount === keys.length) {
        this.keys = new Int32Array(keyCount * 2);
        this.keys.set(keys);
      }
      this.keys[keyCount++] = index;
      if (valueStart < 0) w.value(null);
      else if (depth + 1 < MAX_DEPTH) this.value(valueStart, valueEnd, depth);
      else {
        reader.pos = valueStart;
        w.value(readAnyValue(reader, ctx, valueEnd, depth + 2));
      }
      reader.pos = fieldEnd;
    }
    w.byte(0);
  }

  /** An attribute's value: a short string through the payload's strings, the rest as readAttribute() reads it. */
  private value(start: number, end: number, depth: number): void {
    const { reader, ctx, w, strings } = this;
    const buf = reader.buf;
    const length = buf[start + 1]!;
    if (buf[start] === AnyValueTag.StringValue_LEN && length < 0x80 && start + 2 + length === end && length <= this.maxLength) {
      // At most maxLength bytes: never cut (a string has no more UTF-16 units than UTF-8 bytes).
      const index = strings.find(start + 2, end);
      if (index >= 0) w.stringValueRef(index);
      else strings.add(start + 2, end, w.stringValue(reader.utf8At(start + 2, end)));
      return;
    }
    const scalar = scalarValue(reader, ctx, start, end);
    if (scalar !== undefined) w.value(scalar);
    else {
      reader.pos = start;
      w.value(readAnyValue(reader, ctx, end, depth + 2));
    }
  }
}

const PROTO = Buffer.from('__proto__');

function isProto(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start !== PROTO.length) return false;
  for (let i = 0; i < PROTO.length; i++) if (buf[start + i] !== PROTO[i]) return false;
  return true;
}

function allZero(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** A fixed64 at `at` (-1: none) above int64's largest value (its top byte's high bit set). */
function beyondInt64(buf: Uint8Array, at: number): boolean {
  return at >= 0 && buf[at + 7]! >= 0x80;
}
