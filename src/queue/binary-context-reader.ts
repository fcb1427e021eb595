/**
 * The part of the queue payload reader (binary-reader.ts) that every item type shares: references to what was
 * decoded before, attributes and AnyValues, resources and scopes, over binary-primitive-reader.ts. Points and spans
 * (binary-reader.ts) and log records (binary-log-reader.ts) are read on top of it.
 *
 * Hot path (ARCHITECTURE.md, "Deliberate repetition"): each loop written out for its type.
 */
import type { AttributeValue, Attributes, InstrumentationScope, Resource } from '../model/index.js';
import { TAG_ARRAY, TAG_BYTES, TAG_DOUBLE, TAG_FALSE, TAG_KVLIST, TAG_NULL, TAG_STRING, TAG_TRUE } from './binary-format.js';
import { PrimitiveReader } from './binary-primitive-reader.js';

export class ContextReader extends PrimitiveReader {
  private readonly resources: Resource[] = [];
  private readonly scopes: InstrumentationScope[] = [];

  /**
   * A reference (binary-format.ts): the object already decoded at that index, or undefined when the index is the
   * next one (the object's fields follow; the caller decodes it and pushes it onto `seen`).
   */
  protected decodedBefore<T>(seen: readonly T[], what: string): T | undefined {
    const index = this.varuint();
    if (index < seen.length) return seen[index]!;
    if (index !== seen.length) throw new Error(`${what} reference ${index} is out of range`);
    return undefined;
  }

  attributes(): Attributes {
    const out: Attributes = {};
    for (;;) {
      const ref = this.varuint();
      if (ref === 0) return out;
      const key = ref === 1 ? this.newText() : this.known(ref - 2);
      out[key] = this.value();
    }
  }

  value(): AttributeValue {
    const tag = this.byte();
    switch (tag) {
      case TAG_STRING:
        return this.text();
      case TAG_DOUBLE:
        return this.double();
      case TAG_NULL:
        return null;
      case TAG_FALSE:
        return false;
      case TAG_TRUE:
        return true;
      case TAG_BYTES: {
        const length = this.varuint();
        if (this.pos + length > this.end) this.truncated();
        const bytes = this.bytes.slice(this.pos, this.pos + length);
        this.pos += length;
        return bytes;
      }
      case TAG_ARRAY: {
        const length = this.varuint();
        if (length > this.end - this.pos) this.truncated(); // each value takes at least one byte
        const values: AttributeValue[] = [];
        for (let i = 0; i < length; i++) values.push(this.value());
        return values;
      }
      case TAG_KVLIST:
        return this.attributes();
      default:
        return this.bigintTagged(tag);
    }
  }

  resource(): Resource {
    const known = this.decodedBefore(this.resources, 'resource');
    if (known !== undefined) return known;
    const attributes = this.attributes();
    const droppedAttributesCount = this.int();
    const schemaUrl = this.string();
    const resource: Resource = { attributes, droppedAttributesCount, schemaUrl };
    this.resources.push(resource);
    return resource;
  }

  scope(): InstrumentationScope {
    const known = this.decodedBefore(this.scopes, 'scope');
    if (known !== undefined) return known;
    const name = this.string();
    const version = this.string();
    const attributes = this.attributes();
    const droppedAttributesCount = this.int();
    const schemaUrl = this.string();
    const scope: InstrumentationScope = { name, version, attributes, droppedAttributesCount, schemaUrl };
    this.scopes.push(scope);
    return scope;
  }
}
