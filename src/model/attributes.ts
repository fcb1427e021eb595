/**
 * Attribute values keep their OTLP types: int64 is a bigint (no precision loss), double is a number,
 * bytes are a Uint8Array, a kvlist is a plain object (the only plain object an attribute value can be),
 * an empty AnyValue is null.
 */
export type AttributeValue = string | boolean | number | bigint | Uint8Array | AttributeValue[] | Attributes | null;

export interface Attributes {
  [key: string]: AttributeValue;
}

export const EMPTY_ATTRIBUTES: Attributes = Object.freeze({}) as Attributes;

/** Renders any attribute value as the string a string-only store (labels, tags, Map(String,String)) keeps. */
export function attributeToString(value: AttributeValue): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      if (value === null) return '';
      return JSON.stringify(toJsonValue(value));
  }
}

/**
 * An AnyValue as the text a string column keeps, as the Collector's pcommon.Value.AsString() renders it: a string as
 * it is, int64 in full digits, doubles as JavaScript prints them (`1.5`, `1e+21`, `NaN`), booleans `true`/`false`,
 * bytes as plain base64 (attributeToString quotes them as JSON), arrays and kvlists as JSON, no value ''. A log
 * body's text form (ClickHouse otel_logs.Body, InfluxDB's `body` field) and ClickHouse's Map(String, String) values.
 * PostgreSQL has no third copy: it keeps the body as jsonb and searches the text jsonb itself renders
 * (`body #>> '{}'`, migration 0010), on purpose, so a query's expression matches its index.
 */
export function valueText(value: AttributeValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return attributeToString(value);
}

/**
 * A JSON-safe form (for jsonb columns and previews): int64 beyond 2^53 becomes a string so nothing is
 * rounded, bytes become base64, as the OTLP JSON mapping does.
 */
export function toJsonValue(value: AttributeValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : String(value);
  }
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  return attributesToJson(value);
}

export function attributesToJson(attributes: Attributes): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in attributes) out[key] = toJsonValue(attributes[key] as AttributeValue);
  return out;
}
