/**
 * The parts of the purpose-written reader shared by traces and metrics: attributes (KeyValue / AnyValue
 * with the limits of DecodeContext), resources and scopes. Semantics follow the protobufjs path exactly:
 * a repeated occurrence of a message field replaces the earlier one (which still has to decode), and of
 * several oneof members sent, the one the converters test first wins (see context.ts value()).
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import { EMPTY_ATTRIBUTES } from '../model/index.js';
import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../model/index.js';
import { type DecodeContext, newResource, newScope, setAttribute } from './context.js';
import { protoRoot } from './proto.js';
import { MAX_DEPTH, type WireReader, fieldMask, within } from './wire.js';
import { validateRange, schemaFor } from './wire-schema.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
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
/** opentelemetry.proto.common.v1.ArrayValue */
const enum ArrayValueTag {
  Values_LEN = 0x0a, // values = 1, repeated AnyValue
}
/** opentelemetry.proto.common.v1.KeyValueList */
const enum KeyValueListTag {
  Values_LEN = 0x0a, // values = 1, repeated KeyValue
}
/** opentelemetry.proto.resource.v1.Resource */
const enum ResourceTag {
  Attributes_LEN = 0x0a, // attributes = 1, repeated KeyValue
  DroppedAttributesCount_VARINT = 0x10, // droppedAttributesCount = 2, uint32
}
/** opentelemetry.proto.common.v1.InstrumentationScope */
const enum ScopeTag {
  Name_LEN = 0x0a, // name = 1, string
  Version_LEN = 0x12, // version = 2, string
  Attributes_LEN = 0x1a, // attributes = 3, repeated KeyValue
  DroppedAttributesCount_VARINT = 0x20, // droppedAttributesCount = 4, uint32
}
// ---- end of generated field tags ----

const lookup = (name: string) => schemaFor(protoRoot.lookupType(name));
export const ANY_VALUE_SCHEMA = lookup('opentelemetry.proto.common.v1.AnyValue');
const ARRAY_VALUE_SCHEMA = lookup('opentelemetry.proto.common.v1.ArrayValue');
const KVLIST_VALUE_SCHEMA = lookup('opentelemetry.proto.common.v1.KeyValueList');
export const KEY_VALUE_SCHEMA = lookup('opentelemetry.proto.common.v1.KeyValue');
export const RESOURCE_SCHEMA = lookup('opentelemetry.proto.resource.v1.Resource');
export const SCOPE_SCHEMA = lookup('opentelemetry.proto.common.v1.InstrumentationScope');

const KEY_VALUE_FIELDS = fieldMask(1, 2);
const ANY_VALUE_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7);
const LIST_FIELDS = fieldMask(1);
const RESOURCE_FIELDS = fieldMask(1, 2);
const SCOPE_FIELDS = fieldMask(1, 2, 3, 4);

/**
 * One KeyValue ([reader.pos, end), at nesting `depth`) into `out`: false when it is dropped because the map is
 * `full` (maxAttributes kept) and the key is new. Leaves reader.pos at end.
 */
export function readAttribute(reader: WireReader, ctx: DecodeContext, end: number, depth: number, out: Attributes, full: boolean): boolean {
  if (depth > MAX_DEPTH) reader.fail('maximum nesting depth exceeded');
  try {
    let key = '';
    let valueStart = -1;
    let valueEnd = -1;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === KeyValueTag.Key_LEN) key = reader.key(end);
      else if (tag === KeyValueTag.Value_LEN) {
        const fieldEnd = reader.lenEnd(end);
        if (valueStart >= 0) validateRange(reader, ANY_VALUE_SCHEMA, valueStart, valueEnd, depth + 1);
        valueStart = reader.pos;
        valueEnd = fieldEnd;
        reader.pos = fieldEnd;
      } else reader.other(tag, end, depth, KEY_VALUE_FIELDS);
    }
    if (full && !Object.hasOwn(out, key)) {
      if (valueStart >= 0) validateRange(reader, ANY_VALUE_SCHEMA, valueStart, valueEnd, depth + 1);
      return false;
    }
    let value: AttributeValue = null;
    if (valueStart >= 0) {
      const scalar = depth < MAX_DEPTH ? scalarValue(reader, ctx, valueStart, valueEnd) : undefined;
      if (scalar !== undefined) value = scalar;
      else {
        reader.pos = valueStart;
        value = readAnyValue(reader, ctx, valueEnd, depth + 1);
      }
      reader.pos = end;
    }
    setAttribute(out, key, value);
    return true;
  } catch (err) {
    throw within(err, 'KeyValue');
  }
}

/** A varint byte with this bit set has more bytes after it. */
const VARINT_MORE = 128;

/**
 * The common AnyValue of an attribute, read without readAnyValue()'s general loop: exactly one string, int or
 * double field filling [start, end), well-formed (so nothing here can fail); undefined for anything else, which
 * readAnyValue() then reads (with its errors). The same value readAnyValue() gives for these bytes.
 */
export function scalarValue(reader: WireReader, ctx: DecodeContext, start: number, end: number): AttributeValue | undefined {
  const buf = reader.buf;
  const tag = buf[start];
  if (tag === AnyValueTag.StringValue_LEN) {
    const length = buf[start + 1]!;
    if (length >= VARINT_MORE || start + 2 + length !== end) return undefined;
    reader.pos = start + 1;
    return ctx.truncate(reader.key(end));
  }
  if (tag === AnyValueTag.IntValue_VARINT) {
    // A varint of 1-10 bytes ending exactly at end.
    if (end - start < 2 || end - start > 11 || buf[end - 1]! >= VARINT_MORE) return undefined;
    for (let i = start + 1; i < end - 1; i++) if (buf[i]! < VARINT_MORE) return undefined;
    reader.pos = start + 1;
    return reader.int64(end);
  }
  if (tag === AnyValueTag.DoubleValue_I64 && end - start === 9) {
    reader.pos = start + 1;
    return reader.double(end);
  }
  return undefined;
}

/** AnyValue in [reader.pos, end); leaves reader.pos at end. */
export function readAnyValue(reader: WireReader, ctx: DecodeContext, end: number, depth: number): AttributeValue {
  if (depth > MAX_DEPTH) reader.fail('maximum nesting depth exceeded');
  try {
    let stringValue: string | undefined;
    let intValue: bigint | undefined;
    let doubleValue: number | undefined;
    let boolValue: boolean | undefined;
    let arrayStart = -1;
    let arrayEnd = -1;
    let kvlistStart = -1;
    let kvlistEnd = -1;
    let bytesStart = -1;
    let bytesEnd = -1;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      switch (tag) {
        case AnyValueTag.StringValue_LEN:
          stringValue = reader.key(end); // short values repeat too (methods, hosts, routes)
          break;
        case AnyValueTag.BoolValue_VARINT:
          boolValue = reader.uint32(end) !== 0;
          break;
        case AnyValueTag.IntValue_VARINT:
          intValue = reader.int64(end);
          break;
        case AnyValueTag.DoubleValue_I64:
          doubleValue = reader.double(end);
          break;
        case AnyValueTag.ArrayValue_LEN: {
          const fieldEnd = reader.lenEnd(end);
          if (arrayStart >= 0) validateRange(reader, ARRAY_VALUE_SCHEMA, arrayStart, arrayEnd, depth + 1);
          arrayStart = reader.pos;
          arrayEnd = fieldEnd;
          reader.pos = fieldEnd;
          break;
        }
        case AnyValueTag.KvlistValue_LEN: {
          const fieldEnd = reader.lenEnd(end);
          if (kvlistStart >= 0) validateRange(reader, KVLIST_VALUE_SCHEMA, kvlistStart, kvlistEnd, depth + 1);
          kvlistStart = reader.pos;
          kvlistEnd = fieldEnd;
          reader.pos = fieldEnd;
          break;
        }
        case AnyValueTag.BytesValue_LEN: {
          const fieldEnd = reader.lenEnd(end);
          bytesStart = reader.pos;
          bytesEnd = fieldEnd;
          reader.pos = fieldEnd;
          break;
        }
        default:
          reader.other(tag, end, depth, ANY_VALUE_FIELDS);
      }
    }
    if (stringValue !== undefined || intValue !== undefined || doubleValue !== undefined || boolValue !== undefined) {
      // The array / kvlist members sent alongside still have to decode.
      if (arrayStart >= 0) validateRange(reader, ARRAY_VALUE_SCHEMA, arrayStart, arrayEnd, depth + 1);
      if (kvlistStart >= 0) validateRange(reader, KVLIST_VALUE_SCHEMA, kvlistStart, kvlistEnd, depth + 1);
      if (stringValue !== undefined) return ctx.truncate(stringValue);
      return intValue !== undefined ? intValue : doubleValue !== undefined ? doubleValue : boolValue!;
    }
    if (arrayStart >= 0 || kvlistStart >= 0) {
      if (depth + 1 > MAX_DEPTH) reader.fail('maximum nesting depth exceeded');
    }
    if (arrayStart >= 0) {
      if (kvlistStart >= 0) validateRange(reader, KVLIST_VALUE_SCHEMA, kvlistStart, kvlistEnd, depth + 1);
      reader.pos = arrayStart;
      const out: AttributeValue[] = [];
      try {
        while (reader.pos < arrayEnd) {
          const tag = reader.uint32(arrayEnd);
          if (tag === ArrayValueTag.Values_LEN) {
            const fieldEnd = reader.lenEnd(arrayEnd);
            out.push(readAnyValue(reader, ctx, fieldEnd, depth + 2));
          } else reader.other(tag, arrayEnd, depth + 1, LIST_FIELDS);
        }
      } catch (err) {
        throw within(err, 'ArrayValue');
      }
      reader.pos = end;
      return out;
    }
    if (kvlistStart >= 0) {
      reader.pos = kvlistStart;
      const out: Attributes = {};
      try {
        // Nested maps are one attribute value: their keys are not counted against maxAttributes.
        while (reader.pos < kvlistEnd) {
          const tag = reader.uint32(kvlistEnd);
          if (tag === KeyValueListTag.Values_LEN) {
            const fieldEnd = reader.lenEnd(kvlistEnd);
            readAttribute(reader, ctx, fieldEnd, depth + 2, out, false);
          } else reader.other(tag, kvlistEnd, depth + 1, LIST_FIELDS);
        }
      } catch (err) {
        throw within(err, 'KeyValueList');
      }
      reader.pos = end;
      return out;
    }
    if (bytesStart >= 0) {
      // A copy: a view would keep the whole request body alive as long as the attribute.
      const out = new Uint8Array(bytesEnd - bytesStart);
      out.set(reader.buf.subarray(bytesStart, bytesEnd));
      return out;
    }
    return null;
  } catch (err) {
    throw within(err, 'AnyValue');
  }
}

/** Resource in [reader.pos, end) (nesting `depth`); leaves reader.pos at end. */
export function readResource(reader: WireReader, ctx: DecodeContext, end: number, depth: number, schemaUrl: string): Resource {
  try {
    let attributes = EMPTY_ATTRIBUTES;
    let kept = 0;
    let dropped = 0;
    let droppedAttributesCount = 0;
    const max = ctx.maxAttributes;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === ResourceTag.Attributes_LEN) {
        const fieldEnd = reader.lenEnd(end);
        if (attributes === EMPTY_ATTRIBUTES) attributes = {};
        if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
        else dropped++;
      } else if (tag === ResourceTag.DroppedAttributesCount_VARINT) droppedAttributesCount = reader.uint32(end);
      else reader.other(tag, end, depth, RESOURCE_FIELDS);
    }
    ctx.droppedAttributes += dropped;
    return newResource(attributes, droppedAttributesCount + dropped, schemaUrl);
  } catch (err) {
    throw within(err, 'Resource');
  }
}

/** InstrumentationScope in [reader.pos, end); leaves reader.pos at end. */
export function readScope(reader: WireReader, ctx: DecodeContext, end: number, depth: number, schemaUrl: string): InstrumentationScope {
  try {
    let name = '';
    let version = '';
    let attributes = EMPTY_ATTRIBUTES;
    let kept = 0;
    let dropped = 0;
    let droppedAttributesCount = 0;
    const max = ctx.maxAttributes;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      switch (tag) {
        case ScopeTag.Name_LEN:
          name = reader.string(end);
          break;
        case ScopeTag.Version_LEN:
          version = reader.string(end);
          break;
        case ScopeTag.Attributes_LEN: {
          const fieldEnd = reader.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(reader, ctx, fieldEnd, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
          break;
        }
        case ScopeTag.DroppedAttributesCount_VARINT:
          droppedAttributesCount = reader.uint32(end);
          break;
        default:
          reader.other(tag, end, depth, SCOPE_FIELDS);
      }
    }
    ctx.droppedAttributes += dropped;
    return newScope(name, version, attributes, droppedAttributesCount + dropped, schemaUrl);
  } catch (err) {
    throw within(err, 'InstrumentationScope');
  }
}
