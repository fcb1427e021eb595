/**
 * The parts of the purpose-written reader shared by traces and metrics: attributes (KeyValue / AnyValue
 * with the limits of DecodeContext), resources and scopes. Semantics follow the protobufjs path exactly:
 * a repeated occurrence of a message field replaces the earlier one (which still has to decode), and of
 * several oneof members sent, the one the converters test first wins (see context.ts value()).
 */
import { EMPTY_ATTRIBUTES } from '../model/index.js';
import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../model/index.js';
import { DecodeContext, newResource, newScope, setAttribute } from './context.js';
import { protoRoot } from './proto.js';
import { MAX_DEPTH, WireReader, fieldMask, validateRange, validatorFor, within } from './wire.js';

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

const lookup = (name: string) => validatorFor(protoRoot.lookupType(name));
export const V_ANY_VALUE = lookup('opentelemetry.proto.common.v1.AnyValue');
const V_ARRAY_VALUE = lookup('opentelemetry.proto.common.v1.ArrayValue');
const V_KVLIST_VALUE = lookup('opentelemetry.proto.common.v1.KeyValueList');
export const V_KEY_VALUE = lookup('opentelemetry.proto.common.v1.KeyValue');
export const V_RESOURCE = lookup('opentelemetry.proto.resource.v1.Resource');
export const V_SCOPE = lookup('opentelemetry.proto.common.v1.InstrumentationScope');

const KEY_VALUE_FIELDS = fieldMask(1, 2);
const ANY_VALUE_FIELDS = fieldMask(1, 2, 3, 4, 5, 6, 7);
const LIST_FIELDS = fieldMask(1);
const RESOURCE_FIELDS = fieldMask(1, 2);
const SCOPE_FIELDS = fieldMask(1, 2, 3, 4);

/**
 * One KeyValue ([r.pos, end), at nesting `depth`) into `out`: false when it is dropped because the map is
 * `full` (maxAttributes kept) and the key is new. Leaves r.pos at end.
 */
export function readAttribute(r: WireReader, ctx: DecodeContext, end: number, depth: number, out: Attributes, full: boolean): boolean {
  if (depth > MAX_DEPTH) r.fail('maximum nesting depth exceeded');
  try {
    let key = '';
    let vs = -1;
    let ve = -1;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === KeyValueTag.Key_LEN) key = r.key(end);
      else if (tag === KeyValueTag.Value_LEN) {
        const e = r.lenEnd(end);
        if (vs >= 0) validateRange(r, V_ANY_VALUE, vs, ve, depth + 1);
        vs = r.pos;
        ve = e;
        r.pos = e;
      } else r.other(tag, end, depth, KEY_VALUE_FIELDS);
    }
    if (full && !Object.hasOwn(out, key)) {
      if (vs >= 0) validateRange(r, V_ANY_VALUE, vs, ve, depth + 1);
      return false;
    }
    let value: AttributeValue = null;
    if (vs >= 0) {
      r.pos = vs;
      value = readAnyValue(r, ctx, ve, depth + 1);
      r.pos = end;
    }
    setAttribute(out, key, value);
    return true;
  } catch (err) {
    throw within(err, 'KeyValue');
  }
}

/** AnyValue in [r.pos, end); leaves r.pos at end. */
export function readAnyValue(r: WireReader, ctx: DecodeContext, end: number, depth: number): AttributeValue {
  if (depth > MAX_DEPTH) r.fail('maximum nesting depth exceeded');
  try {
    let str: string | undefined;
    let int: bigint | undefined;
    let dbl: number | undefined;
    let bool: boolean | undefined;
    let as = -1;
    let ae = -1;
    let ks = -1;
    let ke = -1;
    let bs = -1;
    let be = -1;
    while (r.pos < end) {
      const tag = r.uint32(end);
      switch (tag) {
        case AnyValueTag.StringValue_LEN:
          str = r.key(end); // short values repeat too (methods, hosts, routes)
          break;
        case AnyValueTag.BoolValue_VARINT:
          bool = r.uint32(end) !== 0;
          break;
        case AnyValueTag.IntValue_VARINT:
          int = r.int64(end);
          break;
        case AnyValueTag.DoubleValue_I64:
          dbl = r.double(end);
          break;
        case AnyValueTag.ArrayValue_LEN: {
          const e = r.lenEnd(end);
          if (as >= 0) validateRange(r, V_ARRAY_VALUE, as, ae, depth + 1);
          as = r.pos;
          ae = e;
          r.pos = e;
          break;
        }
        case AnyValueTag.KvlistValue_LEN: {
          const e = r.lenEnd(end);
          if (ks >= 0) validateRange(r, V_KVLIST_VALUE, ks, ke, depth + 1);
          ks = r.pos;
          ke = e;
          r.pos = e;
          break;
        }
        case AnyValueTag.BytesValue_LEN: {
          const e = r.lenEnd(end);
          bs = r.pos;
          be = e;
          r.pos = e;
          break;
        }
        default:
          r.other(tag, end, depth, ANY_VALUE_FIELDS);
      }
    }
    if (str !== undefined || int !== undefined || dbl !== undefined || bool !== undefined) {
      // The array / kvlist members sent alongside still have to decode.
      if (as >= 0) validateRange(r, V_ARRAY_VALUE, as, ae, depth + 1);
      if (ks >= 0) validateRange(r, V_KVLIST_VALUE, ks, ke, depth + 1);
      return str !== undefined ? ctx.truncate(str) : int !== undefined ? int : dbl !== undefined ? dbl : bool!;
    }
    if (as >= 0 || ks >= 0) {
      if (depth + 1 > MAX_DEPTH) r.fail('maximum nesting depth exceeded');
    }
    if (as >= 0) {
      if (ks >= 0) validateRange(r, V_KVLIST_VALUE, ks, ke, depth + 1);
      r.pos = as;
      const out: AttributeValue[] = [];
      try {
        while (r.pos < ae) {
          const tag = r.uint32(ae);
          if (tag === ArrayValueTag.Values_LEN) {
            const e = r.lenEnd(ae);
            out.push(readAnyValue(r, ctx, e, depth + 2));
          } else r.other(tag, ae, depth + 1, LIST_FIELDS);
        }
      } catch (err) {
        throw within(err, 'ArrayValue');
      }
      r.pos = end;
      return out;
    }
    if (ks >= 0) {
      r.pos = ks;
      const out: Attributes = {};
      try {
        // Nested maps are one attribute value: their keys are not counted against maxAttributes.
        while (r.pos < ke) {
          const tag = r.uint32(ke);
          if (tag === KeyValueListTag.Values_LEN) {
            const e = r.lenEnd(ke);
            readAttribute(r, ctx, e, depth + 2, out, false);
          } else r.other(tag, ke, depth + 1, LIST_FIELDS);
        }
      } catch (err) {
        throw within(err, 'KeyValueList');
      }
      r.pos = end;
      return out;
    }
    if (bs >= 0) {
      // A copy: a view would keep the whole request body alive as long as the attribute.
      const out = new Uint8Array(be - bs);
      out.set(r.buf.subarray(bs, be));
      return out;
    }
    return null;
  } catch (err) {
    throw within(err, 'AnyValue');
  }
}

/** Resource in [r.pos, end) (nesting `depth`); leaves r.pos at end. */
export function readResource(r: WireReader, ctx: DecodeContext, end: number, depth: number, schemaUrl: string): Resource {
  try {
    let attributes = EMPTY_ATTRIBUTES;
    let kept = 0;
    let dropped = 0;
    let droppedAttributesCount = 0;
    const max = ctx.maxAttributes;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === ResourceTag.Attributes_LEN) {
        const e = r.lenEnd(end);
        if (attributes === EMPTY_ATTRIBUTES) attributes = {};
        if (readAttribute(r, ctx, e, depth + 1, attributes, kept >= max)) kept++;
        else dropped++;
      } else if (tag === ResourceTag.DroppedAttributesCount_VARINT) droppedAttributesCount = r.uint32(end);
      else r.other(tag, end, depth, RESOURCE_FIELDS);
    }
    ctx.droppedAttributes += dropped;
    return newResource(attributes, droppedAttributesCount + dropped, schemaUrl);
  } catch (err) {
    throw within(err, 'Resource');
  }
}

/** InstrumentationScope in [r.pos, end); leaves r.pos at end. */
export function readScope(r: WireReader, ctx: DecodeContext, end: number, depth: number, schemaUrl: string): InstrumentationScope {
  try {
    let name = '';
    let version = '';
    let attributes = EMPTY_ATTRIBUTES;
    let kept = 0;
    let dropped = 0;
    let droppedAttributesCount = 0;
    const max = ctx.maxAttributes;
    while (r.pos < end) {
      const tag = r.uint32(end);
      switch (tag) {
        case ScopeTag.Name_LEN:
          name = r.string(end);
          break;
        case ScopeTag.Version_LEN:
          version = r.string(end);
          break;
        case ScopeTag.Attributes_LEN: {
          const e = r.lenEnd(end);
          if (attributes === EMPTY_ATTRIBUTES) attributes = {};
          if (readAttribute(r, ctx, e, depth + 1, attributes, kept >= max)) kept++;
          else dropped++;
          break;
        }
        case ScopeTag.DroppedAttributesCount_VARINT:
          droppedAttributesCount = r.uint32(end);
          break;
        default:
          r.other(tag, end, depth, SCOPE_FIELDS);
      }
    }
    ctx.droppedAttributes += dropped;
    return newScope(name, version, attributes, droppedAttributesCount + dropped, schemaUrl);
  } catch (err) {
    throw within(err, 'InstrumentationScope');
  }
}
