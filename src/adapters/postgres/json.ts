/**
 * JSON text for jsonb columns. Unlike JSON.stringify of toJsonValue(), int64 attributes are written as
 * plain numeric literals: jsonb stores numbers as PostgreSQL `numeric`, so 2^63-1 survives exactly and
 * `(attributes->>'k')::bigint` gives it back, instead of a string that only looks like a number.
 */
import type { AttributeValue, Attributes } from '../../model/index.js';
import { jsonString } from './storable.js';

export function attributesJson(attributes: Attributes): string {
  let out = '{';
  let first = true;
  for (const key in attributes) {
    out += `${(first ? '' : ',') + keyJson(key)}:${valueJson(attributes[key] as AttributeValue)}`;
    first = false;
  }
  return `${out}}`;
}

/** Attribute keys repeat row after row: their JSON text is kept (bounded: cleared when full). */
const keyTexts = new Map<string, string>();
const MAX_KEY_TEXTS = 10_000;

function keyJson(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    if (keyTexts.size >= MAX_KEY_TEXTS) keyTexts.clear();
    keyTexts.set(key, (text = jsonString(key)));
  }
  return text;
}

export function valueJson(value: AttributeValue): string {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      return value.toString();
    case 'number':
      // JSON has no NaN/Infinity; keep them readable as the strings PostgreSQL itself prints for float8.
      return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(floatText(value));
    default:
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'));
      if (Array.isArray(value)) return `[${value.map(valueJson).join(',')}]`;
      return attributesJson(value);
  }
}

/** A number or int64 as a JSON value, exact either way. */
export function numberJson(value: number | bigint): string {
  return typeof value === 'bigint' ? value.toString() : valueJson(value);
}

function floatText(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}
