/**
 * The byte-level half of the queue payload reader (format versions 3 and 4, layout in binary-format.ts): varints,
 * doubles, exact bigints, ids, strings (short ASCII in JS, longer through Buffer's native UTF-8), bounds checks.
 * binary-context-reader.ts, binary-reader.ts and binary-log-reader.ts read the model with these.
 */
import { TAG_DOUBLE, TAG_INT64, TAG_UINT64, TAG_BIGINT_TEXT, MAX_INTERNED } from './binary-format.js';

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
    const b0 = b[at]!,
      b1 = b[at + 1]!,
      b2 = b[at + 2]!,
      b3 = b[at + 3]!,
      b4 = b[at + 4]!,
      b5 = b[at + 5]!,
      b6 = b[at + 6]!,
      b7 = b[at + 7]!;
    const first = fromCharCode(
      HIGH[b0]!,
      LOW[b0]!,
      HIGH[b1]!,
      LOW[b1]!,
      HIGH[b2]!,
      LOW[b2]!,
      HIGH[b3]!,
      LOW[b3]!,
      HIGH[b4]!,
      LOW[b4]!,
      HIGH[b5]!,
      LOW[b5]!,
      HIGH[b6]!,
      LOW[b6]!,
      HIGH[b7]!,
      LOW[b7]!,
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
    case 1:
      return fromCharCode(b[at]!);
    case 2:
      return fromCharCode(b[at]!, b[at + 1]!);
    case 3:
      return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!);
    case 4:
      return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);
    case 5:
      return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!);
    case 6:
      return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!);
    case 7:
      return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!);
    default:
      return fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!, b[at + 4]!, b[at + 5]!, b[at + 6]!, b[at + 7]!);
  }
}

/**
 * Buffer's own UTF-8 slice (what `toString('utf8', start, end)` calls after checking its arguments): on
 * Buffer.prototype since Node's first versions, not in its type declarations.
 */
export interface NodeBuffer {
  utf8Slice(start: number, end: number): string;
}

export class PrimitiveReader {
  protected pos: number;
  protected readonly end: number;
  private readonly view: DataView;
  /** The payload's interned strings (PrimitiveWriter.text), in order. */
  protected readonly strings: string[] = [];

  constructor(
    protected readonly bytes: Uint8Array,
    /** The same bytes as a Buffer view, for its native UTF-8 decoding. */
    private readonly utf8: NodeBuffer,
  ) {
    this.pos = 1;
    this.end = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  protected truncated(): never {
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

  protected newText(): string {
    const text = this.string();
    if (text.length <= MAX_INTERNED) this.strings.push(text);
    return text;
  }

  protected known(index: number): string {
    const text = this.strings[index];
    if (text === undefined) throw new Error(`string reference ${index} is out of range`);
    return text;
  }

  bigint(): bigint {
    const tag = this.byte();
    return this.bigintTagged(tag);
  }

  protected bigintTagged(tag: number): bigint {
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
}
