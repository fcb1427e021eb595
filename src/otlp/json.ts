/**
 * OTLP/JSON to the same message objects the protobuf decoder makes, driven by the loaded proto schema,
 * so one converter serves both encodings. The OTLP/JSON mapping: lowerCamelCase keys (proto snake_case
 * names accepted too), trace/span ids as hex, 64-bit integers as decimal strings or numbers, enums as
 * integers or names, bytes as base64, unknown fields ignored.
 */
import protobuf from 'protobufjs';
import { OtlpDecodeError } from './types.js';

type Kind = 'message' | 'enum' | 'int64' | 'uint64' | 'int32' | 'uint32' | 'double' | 'bool' | 'string' | 'bytes' | 'id';

interface FieldPlan {
  readonly name: string;
  readonly kind: Kind;
  readonly repeated: boolean;
  /** JSON.stringify writes NaN as null, and the OTel JS JSON exporter sends NaN gauges that way. */
  readonly nullIsNaN: boolean;
  message?: MessagePlan;
  enumValues?: Readonly<Record<string, number>>;
}

interface MessagePlan {
  readonly ctor: new () => Record<string, unknown>;
  readonly fields: Map<string, FieldPlan>;
}

const KINDS: Record<string, Kind> = {
  int64: 'int64',
  sint64: 'int64',
  sfixed64: 'int64',
  uint64: 'uint64',
  fixed64: 'uint64',
  int32: 'int32',
  sint32: 'int32',
  sfixed32: 'int32',
  uint32: 'uint32',
  fixed32: 'uint32',
  double: 'double',
  float: 'double',
  bool: 'bool',
  string: 'string',
  bytes: 'bytes',
};
/** OTLP/JSON sends these bytes fields as hex, not base64; they stay strings for idHex(). */
const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

const plans = new Map<protobuf.Type, MessagePlan>();

function planFor(type: protobuf.Type): MessagePlan {
  let plan = plans.get(type);
  if (plan !== undefined) return plan;
  plan = { ctor: type.ctor as unknown as MessagePlan['ctor'], fields: new Map() };
  plans.set(type, plan); // before the fields: AnyValue and ArrayValue refer to each other
  for (const field of type.fieldsArray) {
    const resolved = field.resolvedType;
    const kind: Kind =
      resolved instanceof protobuf.Type
        ? 'message'
        : resolved instanceof protobuf.Enum
          ? 'enum'
          : field.type === 'bytes' && ID_FIELDS.has(field.name)
            ? 'id'
            : (KINDS[field.type] ?? 'string');
    const fp: FieldPlan = { name: field.name, kind, repeated: field.repeated, nullIsNaN: field.name === 'asDouble' };
    if (resolved instanceof protobuf.Type) fp.message = planFor(resolved);
    if (resolved instanceof protobuf.Enum) fp.enumValues = resolved.values;
    plan.fields.set(field.name, fp);
    const snake = field.name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (snake !== field.name) plan.fields.set(snake, fp);
  }
  return plan;
}

/** A shape problem; `path` grows as the error unwinds, so the happy path builds no path strings. */
class ShapeError extends Error {
  readonly path: string[] = [];
}

export function decodeJson<T>(body: Uint8Array, type: protobuf.Type): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(`invalid JSON: ${(err as Error).message} (in ${type.name})`);
  }
  try {
    return readMessage(parsed, planFor(type)) as T;
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    const at = err.path.length > 0 ? ` at ${err.path.join('').replace(/^\./, '')}` : '';
    throw new OtlpDecodeError(`invalid OTLP JSON${at}: ${err.message} (in ${type.name})`);
  }
}

function readMessage(json: unknown, plan: MessagePlan): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ShapeError(`expected an object, got ${describe(json)}`);
  const msg = new plan.ctor();
  for (const key in json) {
    const field = plan.fields.get(key);
    const value = (json as Record<string, unknown>)[key];
    if (field === undefined) continue; // unknown fields are ignored
    if (value === null) {
      if (field.nullIsNaN) msg[field.name] = NaN; // else null means the default
      continue;
    }
    try {
      msg[field.name] = field.repeated ? readList(value, field) : readValue(value, field);
    } catch (err) {
      if (err instanceof ShapeError) err.path.unshift(`.${key}`);
      throw err;
    }
  }
  return msg;
}

function readList(json: unknown, field: FieldPlan): unknown[] {
  if (!Array.isArray(json)) throw new ShapeError(`expected an array, got ${describe(json)}`);
  const out = new Array<unknown>(json.length);
  for (let i = 0; i < json.length; i++) {
    try {
      out[i] = readValue(json[i], field);
    } catch (err) {
      if (err instanceof ShapeError) err.path.unshift(`[${i}]`);
      throw err;
    }
  }
  return out;
}

const INTEGER = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function readValue(json: unknown, field: FieldPlan): unknown {
  switch (field.kind) {
    case 'message':
      return readMessage(json, field.message!);
    case 'string':
      if (typeof json !== 'string') throw new ShapeError(`expected a string, got ${describe(json)}`);
      return json;
    case 'id':
      if (typeof json !== 'string') throw new ShapeError(`expected a hex string, got ${describe(json)}`);
      return json;
    case 'bool':
      if (typeof json !== 'boolean') throw new ShapeError(`expected true or false, got ${describe(json)}`);
      return json;
    case 'double':
      return readDouble(json);
    case 'bytes':
      if (typeof json !== 'string') throw new ShapeError(`expected a base64 string, got ${describe(json)}`);
      return Buffer.from(json, 'base64');
    case 'int64':
      return readBigInt(json, INT64_MIN, INT64_MAX);
    case 'uint64':
      return readBigInt(json, 0n, UINT64_MAX);
    case 'int32':
      return readInt32(json, -0x80000000, 0x7fffffff);
    case 'uint32':
      return readInt32(json, 0, 0xffffffff);
    case 'enum': {
      if (typeof json === 'string' && Object.hasOwn(field.enumValues!, json)) return field.enumValues![json];
      if (typeof json === 'number' && Number.isInteger(json)) return json;
      throw new ShapeError(`expected an enum number or one of ${Object.keys(field.enumValues!).join(', ')}, got ${describe(json)}`);
    }
  }
}

function readDouble(json: unknown): number {
  if (typeof json === 'number') return json;
  if (typeof json === 'string') {
    // proto3 JSON spells the non-finite values as strings; numbers may come quoted too.
    if (json === 'NaN') return NaN;
    if (json === 'Infinity') return Infinity;
    if (json === '-Infinity') return -Infinity;
    const n = json.trim() === '' ? NaN : Number(json);
    if (!Number.isNaN(n)) return n;
  }
  throw new ShapeError(`expected a number, got ${describe(json)}`);
}

function readBigInt(json: unknown, min: bigint, max: bigint): bigint {
  let v: bigint | undefined;
  if (typeof json === 'string' && INTEGER.test(json)) v = BigInt(json);
  else if (typeof json === 'number' && Number.isInteger(json)) v = BigInt(json);
  if (v === undefined) throw new ShapeError(`expected an integer (a decimal string or a number), got ${describe(json)}`);
  if (v < min || v > max) throw new ShapeError(`integer ${v} is out of range`);
  return v;
}

function readInt32(json: unknown, min: number, max: number): number {
  const v = typeof json === 'string' && INTEGER.test(json) ? Number(json) : json;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ShapeError(`expected an integer, got ${describe(json)}`);
  if (v < min || v > max) throw new ShapeError(`integer ${v} is out of range`);
  return v;
}

function describe(json: unknown): string {
  if (json === null) return 'null';
  if (Array.isArray(json)) return 'an array';
  if (typeof json === 'object') return 'an object';
  const text = JSON.stringify(json);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
