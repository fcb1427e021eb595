/**
 * The byte-level half of the queue payload writer (format version 4, layout in binary-format.ts): one growing
 * buffer reused across payloads, varints, doubles, exact bigints, ids as bytes, strings written once per payload.
 * binary-writer.ts writes the model with these.
 */
import { isAscii } from 'node:buffer';
import { TAG_DOUBLE, TAG_INT64, TAG_UINT64, TAG_BIGINT_TEXT, TAG_STRING, INT64_MIN, UINT64_END, INT_LIMIT, MAX_INTERNED } from './binary-format.js';

/**
 * Two char codes below 128 (high << 7 | low) → the byte their lowercase hex digits spell, -1 for anything else
 * (uppercase ids are written as strings, to come back as they were): one typed-array load per byte of an id.
 */
const HEX_PAIR = new Int16Array(128 * 128).fill(-1);
for (let high = 0; high < 16; high++) {
  for (let low = 0; low < 16; low++) {
    HEX_PAIR[('0123456789abcdef'.charCodeAt(high) << 7) | '0123456789abcdef'.charCodeAt(low)] = (high << 4) | low;
  }
}

/**
 * Buffer's own UTF-8 write, which buf.write(text, offset, 'utf8') calls after validating its arguments (a tenth of
 * a body's write; ensure() has made the room already). Unpaired surrogates become U+FFFD as through buf.write.
 */
interface Utf8WriteBuffer extends Buffer {
  utf8Write(text: string, offset: number, length: number): number;
}

const INITIAL_BYTES = 64 * 1024;
/** A writer whose buffer grew past this is dropped after its payload (the next one starts small again). */
export const MAX_KEPT_BYTES = 16 * 1024 * 1024;
/**
 * Strings longer than this go through Buffer's native UTF-8 write: the JS loop costs a few ns per character,
 * the native call a flat ~75 ns, so the loop loses past about two dozen (log bodies, URLs, SQL statements).
 */
const NATIVE_STRING_FROM = 24;

export class PrimitiveWriter {
  buf: Utf8WriteBuffer = Buffer.allocUnsafe(INITIAL_BYTES) as Utf8WriteBuffer;
  view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  pos = 0;
  /** Strings written once per payload (attribute keys and repeating values), by index in first-seen order. */
  protected strings = new Map<string, number>();

  begin(): void {
    this.pos = 0;
    this.strings = new Map();
  }

  /** Room for `bytes` more. Kept this small so that it is inlined at its many call sites; growing is grow()'s. */
  ensure(bytes: number): void {
    if (this.pos + bytes > this.buf.length) this.grow(bytes);
  }

  private grow(bytes: number): void {
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes)) as Utf8WriteBuffer;
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
    if (length > NATIVE_STRING_FROM) {
      this.longString(text);
      return;
    }
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
        this.pos += this.buf.utf8Write(text, this.pos, this.buf.length - this.pos);
        return;
      }
      buf[pos++] = code;
    }
    this.pos = pos;
  }

  /**
   * The same bytes as string(): the byte length is known only once written, so the bytes go after a length slot
   * sized for the likely case (one byte per UTF-16 unit: ASCII) and move up when non-ASCII text took a longer
   * length (room for 3 bytes per unit is ensured, so that move stays inside the buffer).
   */
  private longString(text: string): void {
    const most = text.length * 3;
    const slot = varuintBytes(text.length);
    this.ensure(varuintBytes(most) + most);
    const start = this.pos;
    const buf = this.buf;
    const written = buf.utf8Write(text, start + slot, buf.length - start - slot);
    const needed = varuintBytes(written);
    if (needed > slot) buf.copyWithin(start + needed, start + slot, start + slot + written);
    this.varuint(written);
    this.pos += written;
  }

  /**
   * A string that may repeat in the payload: the varuint 0 and the string the first time (entered in the
   * table when at most MAX_INTERNED UTF-16 units long), 1 + its table index afterwards. Returns that index (-1 for a
   * string too long for the table).
   */
  text(text: string): number {
    return this.interned(text, 0);
  }

  /** What text() writes for the string at `index` of the table (an index text() returned in this payload). */
  textRef(index: number): void {
    this.varuint(index + 1);
  }

  /**
   * One attribute's key as attributes() writes it (its value follows): as text(), one up, since 0 ends the set.
   * Returns its index in the string table, as text() does.
   */
  attributeKey(key: string): number {
    return this.interned(key, 1);
  }

  /** What attributeKey() writes for the string at `index` of the table (an index it or text() returned). */
  attributeKeyRef(index: number): void {
    this.varuint(index + 2);
  }

  /** text() with every varuint it writes `up` higher. */
  private interned(text: string, up: number): number {
    if (text.length > MAX_INTERNED) {
      this.byte(up);
      this.string(text);
      return -1;
    }
    const known = this.strings.get(text);
    if (known !== undefined) {
      this.varuint(known + 1 + up);
      return known;
    }
    const index = this.strings.size;
    this.strings.set(text, index);
    this.byte(up);
    this.string(text);
    return index;
  }

  /** What value() writes for a string, returning its index as text() does. */
  stringValue(text: string): number {
    this.byte(TAG_STRING);
    return this.text(text);
  }

  /** What stringValue() writes for the string at `index` of the table. */
  stringValueRef(index: number): void {
    this.byte(TAG_STRING);
    this.varuint(index + 1);
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
        const high = text.charCodeAt(i);
        const low = text.charCodeAt(i + 1);
        if ((high | low) > 127) break;
        const byte = HEX_PAIR[(high << 7) | low]!;
        if (byte < 0) break;
        buf[pos++] = byte;
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

  /**
   * What value() writes for the string of the ASCII bytes `src` [start, end) when it is longer than MAX_INTERNED
   * (so never interned): the bytes copied, no string made. False, and nothing written, when a byte is not ASCII.
   */
  longAsciiValue(src: Uint8Array, start: number, end: number): boolean {
    const text = src.subarray(start, end);
    if (!isAscii(text)) return false;
    const length = end - start;
    this.ensure(7 + length);
    const buf = this.buf;
    buf[this.pos++] = TAG_STRING;
    buf[this.pos++] = 0; // text(): not a reference
    this.varuint(length);
    buf.set(text, this.pos);
    this.pos += length;
    return true;
  }

  /** What id() writes for the lowercase hex of the id bytes `src` [start, end) (at most 16 of them). */
  idBytes(src: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.ensure(1 + length);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = length * 2;
    for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    this.pos = pos;
  }

  /** What bigint() writes for the unsigned value of the 8 little-endian bytes at `src[at]` (a fixed64). */
  uint64Bytes(src: Uint8Array, at: number): void {
    this.ensure(9);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = TAG_UINT64;
    for (let i = at; i < at + 8; i++) buf[pos++] = src[i]!;
    this.pos = pos;
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
}

/** Bytes of value as a varuint. */
function varuintBytes(value: number): number {
  let bytes = 1;
  while (value > 127) {
    value >>>= 7;
    bytes++;
  }
  return bytes;
}
