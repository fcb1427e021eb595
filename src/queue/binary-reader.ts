/** Reads queue payload format version 2 (the layout: binary-format.ts). */
import type {
  AttributeValue,
  Attributes,
  Exemplar,
  InstrumentationScope,
  MetricDescriptor,
  MetricPoint,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  TelemetryBatch,
} from '../model/index.js';
import {
  TAG_NULL,
  TAG_FALSE,
  TAG_TRUE,
  TAG_STRING,
  TAG_DOUBLE,
  TAG_INT64,
  TAG_UINT64,
  TAG_BIGINT_TEXT,
  TAG_BYTES,
  TAG_ARRAY,
  TAG_KVLIST,
  POINT_TYPES,
  TEMPORALITIES,
  HAS_SUM,
  HAS_MIN,
  HAS_MAX,
  HAS_EXEMPLARS,
  MAX_INTERNED,
} from './binary-format.js';

const fromCharCode = String.fromCharCode;

/** Byte → char code of its high and low hex digit. */
const HIGH: number[] = [];
const LOW: number[] = [];
for (let i = 0; i < 256; i++) {
  HIGH.push('0123456789abcdef'.charCodeAt(i >> 4));
  LOW.push('0123456789abcdef'.charCodeAt(i & 15));
}

/** `bytes` bytes as lowercase hex: span ids (8) and trace ids (16) in one fromCharCode call, others byte by byte. */
function hexString(b: Uint8Array, at: number, bytes: number): string {
  if (bytes === 8 || bytes === 16) {
    const b0 = b[at]!, b1 = b[at + 1]!, b2 = b[at + 2]!, b3 = b[at + 3]!, b4 = b[at + 4]!, b5 = b[at + 5]!, b6 = b[at + 6]!, b7 = b[at + 7]!;
    const first = fromCharCode(
      HIGH[b0]!, LOW[b0]!, HIGH[b1]!, LOW[b1]!, HIGH[b2]!, LOW[b2]!, HIGH[b3]!, LOW[b3]!,
      HIGH[b4]!, LOW[b4]!, HIGH[b5]!, LOW[b5]!, HIGH[b6]!, LOW[b6]!, HIGH[b7]!, LOW[b7]!,
    );
    return bytes === 8 ? first : first + hexString(b, at + 8, 8);
  }
  let text = '';
  for (let i = at; i < at + bytes; i++) text += fromCharCode(HIGH[b[i]!]!, LOW[b[i]!]!);
  return text;
}

/** Up to this many bytes, an ASCII string is made in JS (measured: beyond it Buffer's native slice is cheaper). */
const SHORT_STRING = 8;

/** `length` (1-8) ASCII bytes as a string: one fromCharCode call with the arguments spelled out. */
function asciiString(b: Uint8Array, at: number, length: number): string {
  switch (length) {
    case 1: return fromCharCode(b[at]!);
    case 2: return fromCharCode(b[at]!, b[at + 1]!);
    case 3: return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!);
    case 4: return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
    case 5: return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!);
    case 6: return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!);
    case 7: return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!);
    default: return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
  }
}

/**
 * Buffer's own UTF-8 slice (what `toString('utf8', start, end)` calls after checking its arguments): on
 * Buffer.prototype since Node's first versions, not in its type declarations.
 */
interface NodeBuffer {
  utf8Slice(start: number, end: number): string;
}

class Reader {
  private pos: number;
  private readonly end: number;
  private readonly view: DataView;
  /** The payload's interned strings (Writer.text), in order. */
  private readonly strings: string[] = [];
  private readonly resources: Resource[] = [];
  private readonly scopes: InstrumentationScope[] = [];
  private readonly descriptors: MetricDescriptor[] = [];

  constructor(
    private readonly bytes: Uint8Array,
    /** The same bytes as a Buffer view, for its native UTF-8 decoding. */
    private readonly utf8: NodeBuffer,
  ) {
    this.pos = 1;
    this.end = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private truncated(): never {
    throw new Error(`truncated at byte ${this.pos} of ${this.end}`);
  }

  byte(): number {
    if (this.pos >= this.end) this.truncated();
    return this.bytes[this.pos++]!;
  }

  varuint(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const first = this.bytes[pos]!;
      if (first < 128) {
        this.pos = pos + 1;
        return first;
      }
    }
    return this.longVaruint();
  }

  private longVaruint(): number {
    const bytes = this.bytes;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) this.truncated();
      const byte = bytes[this.pos++]!;
      value += (byte & 127) * 2 ** shift;
      if (byte < 128) return value;
    }
    throw new Error(`varint too long at byte ${this.pos}`);
  }

  int(): number {
    const v = this.varuint();
    if (v === 1) return this.double();
    if ((v & 1) !== 0) throw new Error(`bad integer at byte ${this.pos}`);
    const zz = v / 2;
    return (zz >>> 1) ^ -(zz & 1);
  }

  double(): number {
    if (this.pos + 8 > this.end) this.truncated();
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  string(): string {
    const length = this.varuint();
    if (length === 0) return '';
    const start = this.pos;
    const end = start + length;
    if (end > this.end) this.truncated();
    this.pos = end;
    if (length <= SHORT_STRING) {
      // Short ASCII strings (most names, keys and values) in JS: a native call costs more than the copy.
      const bytes = this.bytes;
      let ascii = 0;
      for (let i = start; i < end; i++) ascii |= bytes[i]!;
      if (ascii < 0x80) return asciiString(bytes, start, length);
    }
    return this.utf8.utf8Slice(start, end);
  }

  id(): string {
    const v = this.varuint();
    if (v === 1) return this.string();
    if ((v & 1) !== 0 || v > 32) throw new Error(`bad id at byte ${this.pos}`);
    const bytes = v / 2;
    if (this.pos + bytes > this.end) this.truncated();
    const at = this.pos;
    this.pos += bytes;
    return hexString(this.bytes, at, bytes);
  }

  text(): string {
    const ref = this.varuint();
    return ref === 0 ? this.newText() : this.known(ref - 1);
  }

  private newText(): string {
    const text = this.string();
    if (text.length <= MAX_INTERNED) this.strings.push(text);
    return text;
  }

  private known(index: number): string {
    const text = this.strings[index];
    if (text === undefined) throw new Error(`string reference ${index} is out of range`);
    return text;
  }

  bigint(): bigint {
    const tag = this.byte();
    return this.bigintTagged(tag);
  }

  private bigintTagged(tag: number): bigint {
    if (tag === TAG_UINT64 || tag === TAG_INT64) {
      if (this.pos + 8 > this.end) this.truncated();
      const value = tag === TAG_UINT64 ? this.view.getBigUint64(this.pos, true) : this.view.getBigInt64(this.pos, true);
      this.pos += 8;
      return value;
    }
    if (tag === TAG_BIGINT_TEXT) return BigInt(this.string());
    throw new Error(`bad integer tag ${tag} at byte ${this.pos - 1}`);
  }

  numberOrBigint(): number | bigint {
    const tag = this.byte();
    return tag === TAG_DOUBLE ? this.double() : this.bigintTagged(tag);
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
    const index = this.varuint();
    if (index < this.resources.length) return this.resources[index]!;
    if (index !== this.resources.length) throw new Error(`resource reference ${index} is out of range`);
    const attributes = this.attributes();
    const droppedAttributesCount = this.int();
    const schemaUrl = this.string();
    const resource: Resource = { attributes, droppedAttributesCount, schemaUrl };
    this.resources.push(resource);
    return resource;
  }

  scope(): InstrumentationScope {
    const index = this.varuint();
    if (index < this.scopes.length) return this.scopes[index]!;
    if (index !== this.scopes.length) throw new Error(`scope reference ${index} is out of range`);
    const name = this.string();
    const version = this.string();
    const attributes = this.attributes();
    const droppedAttributesCount = this.int();
    const schemaUrl = this.string();
    const scope: InstrumentationScope = { name, version, attributes, droppedAttributesCount, schemaUrl };
    this.scopes.push(scope);
    return scope;
  }

  descriptor(): MetricDescriptor {
    const index = this.varuint();
    if (index < this.descriptors.length) return this.descriptors[index]!;
    if (index !== this.descriptors.length) throw new Error(`metric descriptor reference ${index} is out of range`);
    const name = this.string();
    const description = this.string();
    const unit = this.string();
    const type = POINT_TYPES[this.byte()];
    const temporality = TEMPORALITIES[this.byte()];
    if (type === undefined || temporality === undefined) throw new Error(`bad metric descriptor at byte ${this.pos}`);
    const monotonic = this.byte() === 1;
    const metadata = this.attributes();
    const metric: MetricDescriptor = { name, description, unit, type, temporality, monotonic, metadata };
    this.descriptors.push(metric);
    return metric;
  }

  doubles(): number[] {
    const length = this.varuint();
    if (length * 8 > this.end - this.pos) this.truncated();
    const values: number[] = [];
    for (let i = 0; i < length; i++) values.push(this.double());
    return values;
  }

  ints(): number[] {
    const length = this.varuint();
    if (length > this.end - this.pos) this.truncated();
    const values: number[] = [];
    for (let i = 0; i < length; i++) values.push(this.int());
    return values;
  }

  exemplar(): Exemplar {
    const filteredAttributes = this.attributes();
    const timeUnixNano = this.bigint();
    const value = this.numberOrBigint();
    const traceId = this.id();
    const spanId = this.id();
    return { filteredAttributes, timeUnixNano, value, traceId, spanId };
  }

  // Object literals written out in full, fields in the model's order: one fixed shape per type.
  point(): MetricPoint {
    const header = this.byte();
    const resource = this.resource();
    const scope = this.scope();
    const metric = this.descriptor();
    const attributes = this.attributes();
    const startTimeUnixNano = this.bigint();
    const timeUnixNano = this.bigint();
    const flags = this.int();
    let exemplars: Exemplar[] = [];
    if ((header & HAS_EXEMPLARS) !== 0) {
      const count = this.varuint();
      if (count > this.end - this.pos) this.truncated();
      exemplars = [];
      for (let i = 0; i < count; i++) exemplars.push(this.exemplar());
    }
    switch (header & 7) {
      case 0:
      case 1:
        return { type: (header & 7) === 0 ? 'gauge' : 'sum', resource, scope, metric, attributes, startTimeUnixNano, timeUnixNano, flags, exemplars, value: this.numberOrBigint() };
      case 2: {
        const count = this.int();
        const sum = (header & HAS_SUM) !== 0 ? this.double() : undefined;
        const bucketCounts = this.ints();
        const explicitBounds = this.doubles();
        const min = (header & HAS_MIN) !== 0 ? this.double() : undefined;
        const max = (header & HAS_MAX) !== 0 ? this.double() : undefined;
        return { type: 'histogram', resource, scope, metric, attributes, startTimeUnixNano, timeUnixNano, flags, exemplars, count, sum, bucketCounts, explicitBounds, min, max };
      }
      case 3: {
        const count = this.int();
        const sum = (header & HAS_SUM) !== 0 ? this.double() : undefined;
        const scale = this.int();
        const zeroCount = this.int();
        const zeroThreshold = this.double();
        const positive = { offset: this.int(), bucketCounts: this.ints() };
        const negative = { offset: this.int(), bucketCounts: this.ints() };
        const min = (header & HAS_MIN) !== 0 ? this.double() : undefined;
        const max = (header & HAS_MAX) !== 0 ? this.double() : undefined;
        return {
          type: 'exponential_histogram', resource, scope, metric, attributes, startTimeUnixNano, timeUnixNano, flags, exemplars,
          count, sum, scale, zeroCount, zeroThreshold, positive, negative, min, max,
        };
      }
      case 4: {
        const count = this.int();
        const sum = this.double();
        const length = this.varuint();
        if (length * 16 > this.end - this.pos) this.truncated();
        const quantileValues = [];
        for (let i = 0; i < length; i++) quantileValues.push({ quantile: this.double(), value: this.double() });
        return { type: 'summary', resource, scope, metric, attributes, startTimeUnixNano, timeUnixNano, flags, exemplars, count, sum, quantileValues };
      }
      default:
        throw new Error(`unknown point type code ${header & 7}`);
    }
  }

  span(): Span {
    const resource = this.resource();
    const scope = this.scope();
    const traceId = this.id();
    const spanId = this.id();
    const parentSpanId = this.id();
    const traceState = this.text();
    const flags = this.int();
    const name = this.text();
    const kind = this.int() as Span['kind'];
    const startTimeUnixNano = this.bigint();
    const endTimeUnixNano = this.bigint();
    const attributes = this.attributes();
    const droppedAttributesCount = this.int();
    const eventCount = this.varuint();
    if (eventCount > this.end - this.pos) this.truncated();
    const events: SpanEvent[] = [];
    for (let i = 0; i < eventCount; i++) {
      const timeUnixNano = this.bigint();
      const eventName = this.text();
      const eventAttributes = this.attributes();
      events.push({ timeUnixNano, name: eventName, attributes: eventAttributes, droppedAttributesCount: this.int() });
    }
    const droppedEventsCount = this.int();
    const linkCount = this.varuint();
    if (linkCount > this.end - this.pos) this.truncated();
    const links: SpanLink[] = [];
    for (let i = 0; i < linkCount; i++) {
      const linkTraceId = this.id();
      const linkSpanId = this.id();
      const linkTraceState = this.text();
      const linkAttributes = this.attributes();
      const linkDropped = this.int();
      links.push({ traceId: linkTraceId, spanId: linkSpanId, traceState: linkTraceState, attributes: linkAttributes, droppedAttributesCount: linkDropped, flags: this.int() });
    }
    const droppedLinksCount = this.int();
    const code = this.int() as Span['status']['code'];
    const message = this.text();
    return {
      resource, scope, traceId, spanId, parentSpanId, traceState, flags, name, kind, startTimeUnixNano, endTimeUnixNano,
      attributes, droppedAttributesCount, events, droppedEventsCount, links, droppedLinksCount, status: { code, message },
    };
  }

  batch(): TelemetryBatch {
    const pointCount = this.varuint();
    if (pointCount > this.end - this.pos) this.truncated();
    const metrics: MetricPoint[] = [];
    for (let i = 0; i < pointCount; i++) metrics.push(this.point());
    const spanCount = this.varuint();
    if (spanCount > this.end - this.pos) this.truncated();
    const spans: Span[] = [];
    for (let i = 0; i < spanCount; i++) spans.push(this.span());
    if (this.pos !== this.end) throw new Error(`${this.end - this.pos} bytes after the batch`);
    return { metrics, spans };
  }
}

/** A version-2 payload (version byte included) back into the model; throws a plain Error on malformed bytes. */
export function decodeBinary(bytes: Uint8Array): TelemetryBatch {
  // A plain Uint8Array view (not a Buffer), so bytes attributes decode as Uint8Array as the model says.
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as NodeBuffer;
  return new Reader(plain, text).batch();
}
