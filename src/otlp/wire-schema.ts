/**
 * Schema-driven validation, built from the loaded protos, for the parts of a message the OTLP readers decode but
 * do not keep (the losing members of a oneof, fields of no use to the model): they must still be well-formed, as
 * protobufjs (the reference decoder) requires. The reading itself is wire.ts.
 */
import protobuf from 'protobufjs';
import { MAX_DEPTH, type WireReader, within } from './wire.js';

interface FieldSchema {
  /** The declared type's wire type. */
  readonly wireType: number;
  /** Numeric repeated fields also come packed (wire type 2). */
  readonly packable: boolean;
  readonly message: MessageSchema | undefined;
  readonly string: boolean;
  /** A 64-bit varint (int64, uint64, sint64); other varints are read as protobufjs reads 32-bit ones. */
  readonly long: boolean;
}

export interface MessageSchema {
  readonly name: string;
  readonly fields: (FieldSchema | undefined)[];
}

const WIRE_TYPES: Record<string, number> = {
  double: 1,
  fixed64: 1,
  sfixed64: 1,
  float: 5,
  fixed32: 5,
  sfixed32: 5,
  int32: 0,
  uint32: 0,
  sint32: 0,
  int64: 0,
  uint64: 0,
  sint64: 0,
  bool: 0,
  string: 2,
  bytes: 2,
};

/** The wire type a field is declared with (a repeated number field may come packed instead: wire type 2). */
export function declaredWireType(field: protobuf.Field): number {
  field.resolve();
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return 2;
  if (resolved instanceof protobuf.Enum) return 0;
  const wireType = WIRE_TYPES[field.type];
  if (wireType === undefined) throw new Error(`${field.fullName}: no wire type for ${field.type}`);
  return wireType;
}

const schemas = new Map<protobuf.Type, MessageSchema>();

export function schemaFor(type: protobuf.Type): MessageSchema {
  let schema = schemas.get(type);
  if (schema !== undefined) return schema;
  const fields: (FieldSchema | undefined)[] = [];
  schema = { name: type.name, fields };
  schemas.set(type, schema); // before the fields: AnyValue and ArrayValue refer to each other
  for (const field of type.fieldsArray) {
    field.resolve();
    const resolved = field.resolvedType;
    const message = resolved instanceof protobuf.Type ? schemaFor(resolved) : undefined;
    const wireType = declaredWireType(field);
    fields[field.id] = {
      wireType,
      packable: field.repeated && wireType !== 2,
      message,
      string: field.type === 'string',
      long: /^u?s?int64$/.test(field.type),
    };
  }
  return schema;
}

/** Checks that [reader.pos, end) decodes as `type` (what the reader would accept), keeping nothing. */
export function validate(reader: WireReader, type: MessageSchema, end: number, depth: number): void {
  if (depth > MAX_DEPTH) reader.fail('maximum nesting depth exceeded');
  try {
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      const field = type.fields[tag >>> 3];
      if (field === undefined) {
        reader.skip(tag, end, depth);
        continue;
      }
      const wireType = tag & 7;
      if (wireType !== field.wireType) {
        if (wireType === 2 && field.packable) {
          const fieldEnd = reader.lenEnd(end);
          while (reader.pos < fieldEnd) scalar(reader, field, fieldEnd);
          continue;
        }
        reader.fail(`field ${tag >>> 3} has the wrong wire type ${wireType}`);
      }
      if (wireType === 2) {
        const fieldEnd = field.string ? reader.stringEnd(end) : reader.lenEnd(end);
        if (field.message !== undefined) validate(reader, field.message, fieldEnd, depth + 1);
        reader.pos = fieldEnd;
      } else scalar(reader, field, end);
    }
  } catch (err) {
    throw within(err, type.name);
  }
}

function scalar(reader: WireReader, field: FieldSchema, end: number): void {
  const wireType = field.wireType;
  if (wireType === 0) {
    if (field.long) reader.varint64(end);
    else reader.uint32(end);
  } else if (wireType === 1) reader.fixed64Parts(end);
  else reader.fixed32(end);
}

/** Validates the range [start, end) as `type`, leaving reader.pos at end. */
export function validateRange(reader: WireReader, type: MessageSchema, start: number, end: number, depth: number): void {
  const saved = reader.pos;
  reader.pos = start;
  validate(reader, type, end, depth);
  reader.pos = saved;
}
