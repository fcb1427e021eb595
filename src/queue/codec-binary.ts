/**
 * Queue payload format version 2: a purpose-written binary layout, written into one growing buffer.
 *
 * Why not msgpackr (version 1, codec-msgpack.ts): packing positional tuples made from the model was ~22% of the
 * gateway's CPU on traces ingest (bench/NOTES.md); this writer walks the model objects directly into one reused
 * buffer and allocates nothing per item. It is held equal to the version-1 round trip by test/queue/codec.test.ts (differential
 * cases and a seeded fuzz over every field of every point type and span).
 *
 * Layout, after the version byte: varuint point count, the points, varuint span count, the spans.
 * - Resources, scopes and metric descriptors are written inline at their first use and referred to by index
 *   afterwards (`ref`: varuint index; the index equal to the count seen so far means "new, its fields follow"),
 *   so decoding rebuilds one shared object per distinct one, as the model had them.
 * - Strings that repeat (attribute keys and string values, span and event names, trace states, status
 *   messages) go through a per-payload table: written and decoded once, then referred to by index.
 *   Resource, scope and descriptor fields are written in full; trace and span ids as their bytes when they
 *   are lowercase hex (always, from the OTLP decoders), else as strings.
 * - Attribute sets: (key, value) pairs ended by 0. A key is 1 + a new key string, or 2 + its table index.
 * - Values are tagged (TAG_*): doubles as 8 bytes (NaN, ±Inf and -0 exact); int64 as 8 bytes, with uint64 and
 *   any other bigint kept exact; bytes, arrays and kvlists nested.
 * - `int` fields (counts, flags, enums, offsets): zigzag varuint × 2 for integers below 2^29 in size, else
 *   the varuint 1 and the number as a double, so every number comes back as it was.
 * - Timestamps (bigint): a bigint value (1 tag byte, then 8 bytes in the common case).
 * - Strings: varuint byte length + UTF-8, well-formed: a lone UTF-16 surrogate comes back as U+FFFD (version 1
 *   gave three U+FFFD in short strings, one in long ones); every other string comes back exactly.
 */
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
import { Interner } from './interner.js';

export const BINARY_VERSION = 2;

const TAG_NULL = 0;
const TAG_FALSE = 1;
const TAG_TRUE = 2;
const TAG_STRING = 3;
const TAG_DOUBLE = 4;
const TAG_INT64 = 5;
const TAG_UINT64 = 6;
/** A bigint outside int64 and uint64, as decimal text. */
const TAG_BIGINT_TEXT = 7;
const TAG_BYTES = 8;
const TAG_ARRAY = 9;
const TAG_KVLIST = 10;

const POINT_TYPES = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const;
const POINT_CODES: Record<MetricPoint['type'], number> = { gauge: 0, sum: 1, histogram: 2, exponential_histogram: 3, summary: 4 };
const TEMPORALITIES = ['unspecified', 'delta', 'cumulative'] as const;
const TEMPORALITY_CODES: Record<MetricDescriptor['temporality'], number> = { unspecified: 0, delta: 1, cumulative: 2 };
/** Point header byte: type code in bits 0-2, then which optional fields follow. */
const HAS_SUM = 8;
const HAS_MIN = 16;
const HAS_MAX = 32;
const HAS_EXEMPLARS = 64;

const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;
const INT_LIMIT = 1 << 29;
/** Longer strings are written in full each time (rarely repeated, and they would fill the table). */
const MAX_INTERNED = 64;

const INITIAL_BYTES = 64 * 1024;
/** A writer whose buffer grew past this is dropped after its payload (the next one starts small again). */
const MAX_KEPT_BYTES = 16 * 1024 * 1024;

class Writer {
  buf: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;
  /** Strings written once per payload (attribute keys and repeating values), by index in first-seen order. */
  private strings = new Map<string, number>();
  private resources = new Interner<Resource>();
  private scopes = new Interner<InstrumentationScope>();
  private descriptors = new Interner<MetricDescriptor>();

  begin(): void {
    this.pos = 0;
    this.strings = new Map();
    this.resources = new Interner();
    this.scopes = new Interner();
    this.descriptors = new Interner();
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  /** A non-negative integer below 2^32 (lengths, counts, indexes). */
  varuint(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 127) {
      buf[pos++] = (value & 127) | 128;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** Any number, exactly; small integers (the common case for counts, flags, enums) in 1-4 bytes. */
  int(value: number): void {
    if ((value | 0) === value && value < INT_LIMIT && value > -INT_LIMIT && (value !== 0 || 1 / value > 0)) {
      this.varuint((((value << 1) ^ (value >> 31)) >>> 0) * 2);
    } else {
      this.ensure(9);
      this.buf[this.pos++] = 1;
      this.double(value);
    }
  }

  double(value: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  string(text: string): void {
    const length = text.length;
    this.ensure(5 + length * 3);
    const start = this.pos;
    this.varuint(length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        // Not ASCII: write it again as UTF-8 with its byte length.
        this.pos = start;
        this.varuint(Buffer.byteLength(text, 'utf8'));
        this.pos += this.buf.write(text, this.pos, 'utf8');
        return;
      }
      buf[pos++] = code;
    }
    this.pos = pos;
  }

  /**
   * A string that may repeat in the payload: the varuint 0 and the string the first time (entered in the
   * table when at most MAX_INTERNED UTF-16 units long), 1 + its table index afterwards.
   */
  text(text: string): void {
    if (text.length > MAX_INTERNED) {
      this.byte(0);
      this.string(text);
      return;
    }
    const known = this.strings.get(text);
    if (known !== undefined) {
      this.varuint(known + 1);
      return;
    }
    this.strings.set(text, this.strings.size);
    this.byte(0);
    this.string(text);
  }

  /**
   * A trace or span id: lowercase hex (what the OTLP decoders make of id bytes) as its bytes, the varuint
   * 2 × byte count first; anything else as the varuint 1 and the string.
   */
  id(text: string): void {
    const length = text.length;
    if (length <= 32 && (length & 1) === 0) {
      this.ensure(1 + length / 2);
      const buf = this.buf;
      let pos = this.pos + 1;
      let i = 0;
      for (; i < length; i += 2) {
        const high = HEX_VALUE[text.charCodeAt(i)] ?? 16;
        const low = HEX_VALUE[text.charCodeAt(i + 1)] ?? 16;
        if ((high | low) > 15) break;
        buf[pos++] = (high << 4) | low;
      }
      if (i === length) {
        buf[this.pos] = length; // 2 × bytes, below 128
        this.pos = pos;
        return;
      }
    }
    this.byte(1);
    this.string(text);
  }

  bigint(value: bigint): void {
    this.ensure(9);
    if (value >= 0n) {
      if (value < UINT64_END) {
        this.buf[this.pos++] = TAG_UINT64;
        this.view.setBigUint64(this.pos, value, true);
        this.pos += 8;
        return;
      }
    } else if (value >= INT64_MIN) {
      this.buf[this.pos++] = TAG_INT64;
      this.view.setBigInt64(this.pos, value, true);
      this.pos += 8;
      return;
    }
    this.buf[this.pos++] = TAG_BIGINT_TEXT;
    this.string(value.toString());
  }

  /** A point or exemplar value: a double or a bigint. */
  numberOrBigint(value: number | bigint): void {
    if (typeof value === 'number') {
      this.ensure(9);
      this.buf[this.pos++] = TAG_DOUBLE;
      this.double(value);
    } else {
      this.bigint(value);
    }
  }

  attributes(attributes: Attributes): void {
    for (const key in attributes) {
      // As text(), one up: 0 ends the set.
      const known = key.length > MAX_INTERNED ? undefined : this.strings.get(key);
      if (known === undefined) {
        if (key.length <= MAX_INTERNED) this.strings.set(key, this.strings.size);
        this.byte(1);
        this.string(key);
      } else {
        this.varuint(known + 2);
      }
      this.value(attributes[key]!);
    }
    this.byte(0);
  }

  value(value: AttributeValue): void {
    switch (typeof value) {
      case 'string':
        this.byte(TAG_STRING);
        this.text(value);
        return;
      case 'number':
        this.ensure(9);
        this.buf[this.pos++] = TAG_DOUBLE;
        this.double(value);
        return;
      case 'bigint':
        this.bigint(value);
        return;
      case 'boolean':
        this.byte(value ? TAG_TRUE : TAG_FALSE);
        return;
      default:
        if (value === null) this.byte(TAG_NULL);
        else if (value instanceof Uint8Array) {
          this.byte(TAG_BYTES);
          this.varuint(value.length);
          this.ensure(value.length);
          this.buf.set(value, this.pos);
          this.pos += value.length;
        } else if (Array.isArray(value)) {
          this.byte(TAG_ARRAY);
          this.varuint(value.length);
          for (let i = 0; i < value.length; i++) this.value(value[i]!);
        } else {
          this.byte(TAG_KVLIST);
          this.attributes(value);
        }
    }
  }

  resource(resource: Resource): void {
    const known = this.resources.items.length;
    const index = this.resources.of(resource);
    this.varuint(index);
    if (index < known) return;
    this.attributes(resource.attributes);
    this.int(resource.droppedAttributesCount);
    this.string(resource.schemaUrl);
  }

  scope(scope: InstrumentationScope): void {
    const known = this.scopes.items.length;
    const index = this.scopes.of(scope);
    this.varuint(index);
    if (index < known) return;
    this.string(scope.name);
    this.string(scope.version);
    this.attributes(scope.attributes);
    this.int(scope.droppedAttributesCount);
    this.string(scope.schemaUrl);
  }

  descriptor(metric: MetricDescriptor): void {
    const known = this.descriptors.items.length;
    const index = this.descriptors.of(metric);
    this.varuint(index);
    if (index < known) return;
    this.string(metric.name);
    this.string(metric.description);
    this.string(metric.unit);
    this.byte(POINT_CODES[metric.type]);
    this.byte(TEMPORALITY_CODES[metric.temporality]);
    this.byte(metric.monotonic ? 1 : 0);
    this.attributes(metric.metadata);
  }

  doubles(values: readonly number[]): void {
    this.varuint(values.length);
    this.ensure(values.length * 8);
    for (let i = 0; i < values.length; i++) this.double(values[i]!);
  }

  ints(values: readonly number[]): void {
    this.varuint(values.length);
    for (let i = 0; i < values.length; i++) this.int(values[i]!);
  }

  exemplar(e: Exemplar): void {
    this.attributes(e.filteredAttributes);
    this.bigint(e.timeUnixNano);
    this.numberOrBigint(e.value);
    this.id(e.traceId);
    this.id(e.spanId);
  }

  point(p: MetricPoint): void {
    const type = p.type;
    // A switch, not POINT_CODES[type]: a keyed load by string measured at a sixth of the point's encoding.
    let header = type === 'sum' ? 1 : type === 'gauge' ? 0 : type === 'histogram' ? 2 : type === 'exponential_histogram' ? 3 : 4;
    if (p.exemplars.length > 0) header |= HAS_EXEMPLARS;
    if (type === 'histogram' || type === 'exponential_histogram') {
      if (p.sum !== undefined) header |= HAS_SUM;
      if (p.min !== undefined) header |= HAS_MIN;
      if (p.max !== undefined) header |= HAS_MAX;
    }
    this.byte(header);
    this.resource(p.resource);
    this.scope(p.scope);
    this.descriptor(p.metric);
    this.attributes(p.attributes);
    this.bigint(p.startTimeUnixNano);
    this.bigint(p.timeUnixNano);
    this.int(p.flags);
    if (p.exemplars.length > 0) {
      this.varuint(p.exemplars.length);
      for (let i = 0; i < p.exemplars.length; i++) this.exemplar(p.exemplars[i]!);
    }
    switch (p.type) {
      case 'gauge':
      case 'sum':
        this.numberOrBigint(p.value);
        return;
      case 'histogram':
        this.int(p.count);
        if (p.sum !== undefined) this.double(p.sum);
        this.ints(p.bucketCounts);
        this.doubles(p.explicitBounds);
        if (p.min !== undefined) this.double(p.min);
        if (p.max !== undefined) this.double(p.max);
        return;
      case 'exponential_histogram':
        this.int(p.count);
        if (p.sum !== undefined) this.double(p.sum);
        this.int(p.scale);
        this.int(p.zeroCount);
        this.double(p.zeroThreshold);
        this.int(p.positive.offset);
        this.ints(p.positive.bucketCounts);
        this.int(p.negative.offset);
        this.ints(p.negative.bucketCounts);
        if (p.min !== undefined) this.double(p.min);
        if (p.max !== undefined) this.double(p.max);
        return;
      case 'summary':
        this.int(p.count);
        this.double(p.sum);
        this.varuint(p.quantileValues.length);
        for (const q of p.quantileValues) {
          this.double(q.quantile);
          this.double(q.value);
        }
        return;
    }
  }

  span(s: Span): void {
    this.resource(s.resource);
    this.scope(s.scope);
    this.id(s.traceId);
    this.id(s.spanId);
    this.id(s.parentSpanId);
    this.text(s.traceState);
    this.int(s.flags);
    this.text(s.name);
    this.int(s.kind);
    this.bigint(s.startTimeUnixNano);
    this.bigint(s.endTimeUnixNano);
    this.attributes(s.attributes);
    this.int(s.droppedAttributesCount);
    this.varuint(s.events.length);
    for (let i = 0; i < s.events.length; i++) {
      const e = s.events[i]!;
      this.bigint(e.timeUnixNano);
      this.text(e.name);
      this.attributes(e.attributes);
      this.int(e.droppedAttributesCount);
    }
    this.int(s.droppedEventsCount);
    this.varuint(s.links.length);
    for (let i = 0; i < s.links.length; i++) {
      const l = s.links[i]!;
      this.id(l.traceId);
      this.id(l.spanId);
      this.text(l.traceState);
      this.attributes(l.attributes);
      this.int(l.droppedAttributesCount);
      this.int(l.flags);
    }
    this.int(s.droppedLinksCount);
    this.int(s.status.code);
    this.text(s.status.message);
  }
}

/** One writer per thread: encoding is synchronous and the result is copied out. */
let writer: Writer | undefined;

/** A batch as a version-2 payload (the version byte first). */
export function encodeBinary(batch: TelemetryBatch): Uint8Array {
  writer ??= new Writer();
  const w = writer;
  w.begin();
  w.byte(BINARY_VERSION);
  w.varuint(batch.metrics.length);
  for (let i = 0; i < batch.metrics.length; i++) w.point(batch.metrics[i]!);
  w.varuint(batch.spans.length);
  for (let i = 0; i < batch.spans.length; i++) w.span(batch.spans[i]!);
  const out = new Uint8Array(w.pos);
  out.set(w.buf.subarray(0, w.pos));
  if (w.buf.length > MAX_KEPT_BYTES) writer = undefined; // one huge payload should not hold its buffer for ever
  return out;
}

const fromCharCode = String.fromCharCode;

/** Char code → hex digit value, lowercase only (uppercase ids are written as strings, to come back as they were). */
const HEX_VALUE: number[] = [];
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
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
