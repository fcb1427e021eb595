/**
 * Per-request decoding state: limits, the counters they feed, rejections, and the conversions shared by
 * traces and metrics (attributes, resources, scopes). One instance per request, methods instead of
 * closures, so the hot loops allocate only what ends up in the model.
 */
import { EMPTY_ATTRIBUTES } from '../model/index.js';
import type { AttributeValue, Attributes, InstrumentationScope, Rejections, Resource } from '../model/index.js';
import type { AnyValueMsg, KeyValueMsg, ResourceMsg, ScopeMsg } from './messages.js';
import { toBigInt } from './scalars.js';
import type { DecodeLimits } from './types.js';

/** Distinct rejection messages kept per request (enough to diagnose, bounded for the response). */
export const MAX_REJECTION_MESSAGES = 10;

export const EMPTY_LIST: readonly never[] = Object.freeze([]);

export class DecodeContext {
  readonly rejected: Rejections = { count: 0, messages: [] };
  droppedAttributes = 0;
  truncatedValues = 0;
  /** Attributes dropped by the last attributes() call, for the caller's droppedAttributesCount. */
  lastDropped = 0;
  readonly maxAttributes: number;
  private readonly maxLength: number;

  constructor(limits: DecodeLimits) {
    this.maxAttributes = limits.maxAttributes;
    this.maxLength = limits.maxAttributeValueLength;
  }

  reject(items: number, message: string): void {
    this.rejected.count += items;
    const messages = this.rejected.messages;
    if (messages.length < MAX_REJECTION_MESSAGES && !messages.includes(message)) messages.push(message);
  }

  /** KeyValue list to an attribute map, applying the limits; sets lastDropped. */
  attributes(keyValues: KeyValueMsg[]): Attributes {
    this.lastDropped = 0;
    const count = keyValues.length;
    if (count === 0) return EMPTY_ATTRIBUTES;
    const out: Attributes = {};
    let kept = 0;
    for (let i = 0; i < count; i++) {
      const keyValue = keyValues[i] as KeyValueMsg;
      const key = keyValue.key;
      if (kept >= this.maxAttributes && !Object.hasOwn(out, key)) {
        this.lastDropped++;
        continue;
      }
      setAttribute(out, key, this.value(keyValue.value));
      kept++;
    }
    this.droppedAttributes += this.lastDropped;
    return out;
  }

  value(anyValue: AnyValueMsg | null): AttributeValue {
    if (anyValue == null) return null;
    if (anyValue.stringValue != null) return this.truncate(anyValue.stringValue);
    if (anyValue.intValue != null) return toBigInt(anyValue.intValue);
    if (anyValue.doubleValue != null) return anyValue.doubleValue;
    if (anyValue.boolValue != null) return anyValue.boolValue;
    if (anyValue.arrayValue != null) {
      const values = anyValue.arrayValue.values;
      const out: AttributeValue[] = new Array(values.length);
      for (let i = 0; i < values.length; i++) out[i] = this.value(values[i] as AnyValueMsg);
      return out;
    }
    if (anyValue.kvlistValue != null) {
      // Nested maps are one attribute value: their keys are not counted against maxAttributes.
      const keyValues = anyValue.kvlistValue.values;
      const out: Attributes = {};
      for (let i = 0; i < keyValues.length; i++) {
        const keyValue = keyValues[i] as KeyValueMsg;
        setAttribute(out, keyValue.key, this.value(keyValue.value));
      }
      return out;
    }
    // A copy: a view would keep the whole request body alive as long as the attribute.
    if (anyValue.bytesValue != null) return new Uint8Array(anyValue.bytesValue);
    return null;
  }

  /** A string attribute value cut to maxAttributeValueLength (counted). */
  truncate(text: string): string {
    if (text.length <= this.maxLength) return text;
    this.truncatedValues++;
    let end = this.maxLength;
    // Never cut a surrogate pair in half.
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    return text.slice(0, end);
  }

  resource(msg: ResourceMsg | null, schemaUrl: string): Resource {
    if (msg == null) return newResource(EMPTY_ATTRIBUTES, 0, schemaUrl);
    const attributes = this.attributes(msg.attributes);
    return newResource(attributes, msg.droppedAttributesCount + this.lastDropped, schemaUrl);
  }

  scope(msg: ScopeMsg | null, schemaUrl: string): InstrumentationScope {
    if (msg == null) return newScope('', '', EMPTY_ATTRIBUTES, 0, schemaUrl);
    const attributes = this.attributes(msg.attributes);
    return newScope(msg.name, msg.version, attributes, msg.droppedAttributesCount + this.lastDropped, schemaUrl);
  }
}

export function newResource(attributes: Attributes, droppedAttributesCount: number, schemaUrl: string): Resource {
  return { attributes, droppedAttributesCount, schemaUrl };
}

export function newScope(
  name: string,
  version: string,
  attributes: Attributes,
  droppedAttributesCount: number,
  schemaUrl: string,
): InstrumentationScope {
  return { name, version, attributes, droppedAttributesCount, schemaUrl };
}

/** `__proto__` is a legal attribute key; plain assignment would set the object's prototype instead. */
export function setAttribute(out: Attributes, key: string, value: AttributeValue): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
