/**
 * Protobuf wire reading over a Buffer for the purpose-written OTLP readers (read-traces.ts,
 * read-metrics.ts): varints, fixed-width scalars, length-delimited fields bounded by their enclosing
 * message, unknown fields skipped by wire type (wire-schema.ts validates the parts the readers do not keep).
 *
 * Acceptance follows protobufjs 7 (the reference decoder, see test/otlp/reader-differential.test.ts)
 * except where protobufjs accepts what the protobuf encoding spec calls malformed; those are errors here:
 * - a known field with the wrong wire type (protobufjs reads it as the declared type anyway);
 * - a string longer than its enclosing message (protobufjs silently cuts it at the message end);
 * - a 64-bit varint whose last byte still has its continuation bit, ending exactly at the message end.
 * A 32-bit varint is read as protobufjs reads it (a varint past five bytes has five more skipped unread).
 */

/** protobufjs's Reader.recursionLimit (and protoc's default): messages nested deeper are rejected. */
export const MAX_DEPTH = 100;

export interface FastBuffer extends Buffer {
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
}

/** Thrown at the failing byte; the message readers add their names as it unwinds (see `within`). */
export class WireError extends Error {
  readonly path: string[] = [];
  constructor(
    readonly problem: string,
    readonly at: number,
  ) {
    super(problem);
  }
}

/** Adds the message's name to a WireError passing through (called from the readers' catch blocks). */
export function within(err: unknown, message: string): unknown {
  if (err instanceof WireError && err.path.length < 8) err.path.push(message);
  return err;
}

const KEY_CACHE_SLOTS = 1024;
const KEY_CACHE_MAX_BYTES = 40;
const keyLengths = new Int32Array(KEY_CACHE_SLOTS);
const keyBytes = new Uint8Array(KEY_CACHE_SLOTS * KEY_CACHE_MAX_BYTES);
const keyStrings: string[] = new Array<string>(KEY_CACHE_SLOTS).fill('');

export class WireReader {
  pos = 0;
  readonly buf: FastBuffer;
  /** The two halves of the last 64-bit value read by fixed64Parts() / varint64(), unsigned. */
  lo = 0;
  hi = 0;
  /** fixed64Repeated()'s last value and its halves (-1: none yet; the halves are unsigned). */
  private repeatedLo = -1;
  private repeatedHi = -1;
  private repeated = 0n;

  constructor(buf: Buffer) {
    this.buf = buf as FastBuffer;
  }

  fail(problem: string, at: number = this.pos): never {
    throw new WireError(problem, at);
  }

  /** A varint's low 32 bits, unsigned (uint32, tags, lengths; int32 and enums take `| 0`). */
  uint32(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const byte = this.buf[pos]!;
      if (byte < 0x80) {
        this.pos = pos + 1;
        return byte;
      }
    }
    return this.uint32Slow(end);
  }

  /**
   * As protobufjs reads a 32-bit varint: five bytes give the 32 bits; a longer one (a negative int32 takes
   * ten) has its next five bytes skipped unread.
   */
  private uint32Slow(end: number): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) this.fail('index out of range: truncated varint', this.pos);
      const byte = buf[pos++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    if (pos + 5 > end) this.fail('index out of range: truncated varint', this.pos);
    this.pos = pos + 5;
    return value >>> 0;
  }

  /** A 64-bit varint into lo/hi. */
  varint64(end: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    for (let i = 0; ; i++) {
      if (i === 10) this.fail('invalid varint encoding (more than 10 bytes)', this.pos);
      if (pos >= end) this.fail('index out of range: truncated varint', this.pos);
      const byte = buf[pos++]!;
      if (i < 4) lo |= (byte & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (byte & 0x7f) << 28;
        hi |= (byte & 0x7f) >>> 4;
      } else hi |= (byte & 0x7f) << (7 * (i - 5) + 3);
      if (byte < 0x80) break;
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** int64 (varint, two's complement) exactly. */
  int64(end: number): bigint {
    this.varint64(end);
    const hi = this.hi;
    return hi === 0 ? BigInt(this.lo) : BigInt(hi | 0) * 4294967296n + BigInt(this.lo);
  }

  /** uint64 (varint) as a number: counts, far below 2^53 in practice. */
  uint64Number(end: number): number {
    this.varint64(end);
    return this.hi * 4294967296 + this.lo;
  }

  /** fixed64 into lo/hi (unsigned halves). */
  fixed64Parts(end: number): void {
    const pos = this.pos;
    if (pos + 8 > end) this.fail('index out of range: fixed64 needs 8 bytes');
    const buf = this.buf;
    this.lo = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
    this.hi = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0;
    this.pos = pos + 8;
  }

  /** fixed64 (unsigned) exactly. */
  fixed64(end: number): bigint {
    this.fixed64Parts(end);
    const hi = this.hi;
    return hi === 0 ? BigInt(this.lo) : BigInt(hi) * 4294967296n + BigInt(this.lo);
  }

  /**
   * fixed64 (unsigned) exactly, as the same bigint as the last call's when its bytes repeat: a log record's two
   * timestamps are mostly equal, and records from millisecond clocks share them (a hit skips the BigInt arithmetic).
   */
  fixed64Repeated(end: number): bigint {
    this.fixed64Parts(end);
    const lo = this.lo;
    const hi = this.hi;
    if (lo === this.repeatedLo && hi === this.repeatedHi) return this.repeated;
    this.repeatedLo = lo;
    this.repeatedHi = hi;
    return (this.repeated = hi === 0 ? BigInt(lo) : BigInt(hi) * 4294967296n + BigInt(lo));
  }

  /** sfixed64 exactly. */
  sfixed64(end: number): bigint {
    this.fixed64Parts(end);
    const hi = this.hi;
    return hi === 0 ? BigInt(this.lo) : BigInt(hi | 0) * 4294967296n + BigInt(this.lo);
  }

  /** fixed64 as a number (counts). */
  fixed64Number(end: number): number {
    this.fixed64Parts(end);
    return this.hi * 4294967296 + this.lo;
  }

  fixed32(end: number): number {
    const pos = this.pos;
    if (pos + 4 > end) this.fail('index out of range: fixed32 needs 4 bytes');
    const buf = this.buf;
    this.pos = pos + 4;
    return (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
  }

  double(end: number): number {
    const pos = this.pos;
    if (pos + 8 > end) this.fail('index out of range: double needs 8 bytes');
    this.pos = pos + 8;
    return this.buf.readDoubleLE(pos);
  }

  sint32(end: number): number {
    const value = this.uint32(end);
    return ((value >>> 1) ^ -(value & 1)) | 0;
  }

  /** Reads a length prefix; returns where the field ends (checked against the enclosing message's end). */
  lenEnd(end: number): number {
    const at = this.pos;
    const len = this.uint32(end);
    const fieldEnd = this.pos + len;
    if (fieldEnd > end) this.fail(`index out of range: a ${len}-byte field, ${end - this.pos} bytes left in the message`, at);
    return fieldEnd;
  }

  /** Like lenEnd(), for strings (a message of its own: protobufjs cuts such a string at the message end instead). */
  stringEnd(end: number): number {
    const at = this.pos;
    const len = this.uint32(end);
    const fieldEnd = this.pos + len;
    if (fieldEnd > end) this.fail(`index out of range: a ${len}-byte string, ${end - this.pos} bytes left in the message`, at);
    return fieldEnd;
  }

  string(end: number): string {
    const fieldEnd = this.stringEnd(end);
    const start = this.pos;
    if (start === fieldEnd) return '';
    this.pos = fieldEnd;
    return this.buf.utf8Slice(start, fieldEnd);
  }

  /** Lower-case hex of a bytes field (ids). */
  hex(end: number): string {
    const fieldEnd = this.lenEnd(end);
    const start = this.pos;
    if (start === fieldEnd) return '';
    this.pos = fieldEnd;
    return this.buf.hexSlice(start, fieldEnd);
  }

  /**
   * A string likely to repeat (attribute keys): short ones come from a cache shared by all requests, so
   * the same key is one string (V8 then need not re-internalize it as a property name) and no native call.
   */
  key(end: number): string {
    const fieldEnd = this.stringEnd(end);
    const start = this.pos;
    const len = fieldEnd - start;
    this.pos = fieldEnd;
    if (len === 0) return '';
    if (len > KEY_CACHE_MAX_BYTES) return this.buf.utf8Slice(start, fieldEnd);
    const buf = this.buf;
    // The slot from the length and four of the bytes, not all of them: the comparison below reads every byte
    // anyway, and a hash over all of them doubled the cost of a hit (a fifth of the logs decode thread).
    let hash = Math.imul(len ^ buf[start]!, 0x01000193);
    hash = Math.imul(hash ^ buf[fieldEnd - 1]!, 0x01000193);
    hash = Math.imul(hash ^ buf[start + (len >> 1)]!, 0x01000193);
    hash = Math.imul(hash ^ buf[start + (len >> 2)]!, 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & (KEY_CACHE_SLOTS - 1);
    const at = slot * KEY_CACHE_MAX_BYTES;
    if (keyLengths[slot] === len) {
      let i = 0;
      while (i < len && keyBytes[at + i] === buf[start + i]) i++;
      if (i === len) return keyStrings[slot]!;
    }
    const decoded = buf.utf8Slice(start, fieldEnd);
    keyLengths[slot] = len;
    for (let i = 0; i < len; i++) keyBytes[at + i] = buf[start + i]!;
    keyStrings[slot] = decoded;
    return decoded;
  }

  hexAt(start: number, end: number): string {
    return start === end ? '' : this.buf.hexSlice(start, end);
  }

  utf8At(start: number, end: number): string {
    return start === end ? '' : this.buf.utf8Slice(start, end);
  }

  /**
   * Anything a message reader does not handle itself: an unknown field is skipped by its wire type; a known
   * one (bit set in `known`, by field number) arriving with the wrong wire type is an error.
   */
  other(tag: number, end: number, depth: number, known: number): void {
    const field = tag >>> 3;
    if (field < 32 && ((known >>> field) & 1) === 1) {
      this.fail(`field ${field} has the wrong wire type ${tag & 7}`);
    }
    this.skip(tag, end, depth);
  }

  /** Skips one field's value by wire type (groups included, as protobufjs does). */
  skip(tag: number, end: number, depth: number): void {
    if (depth > MAX_DEPTH) this.fail('maximum nesting depth exceeded');
    switch (tag & 7) {
      case 0: {
        const buf = this.buf;
        let pos = this.pos;
        do {
          if (pos >= end) this.fail('index out of range: truncated varint');
        } while (buf[pos++]! & 0x80);
        this.pos = pos;
        return;
      }
      case 1:
        if (this.pos + 8 > end) this.fail('index out of range: fixed64 needs 8 bytes');
        this.pos += 8;
        return;
      case 2:
        this.pos = this.lenEnd(end);
        return;
      case 3:
        for (;;) {
          const fieldTag = this.uint32(end);
          if ((fieldTag & 7) === 4) return;
          this.skip(fieldTag, end, depth + 1);
        }
      case 5:
        if (this.pos + 4 > end) this.fail('index out of range: fixed32 needs 4 bytes');
        this.pos += 4;
        return;
      default:
        this.fail(`invalid wire type ${tag & 7}`);
    }
  }
}

/** Bit mask of field numbers, for WireReader.other(). */
export function fieldMask(...fields: number[]): number {
  let mask = 0;
  for (const field of fields) mask |= 1 << field;
  return mask;
}
