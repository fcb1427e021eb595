/** The store's conversions between its rows and the queue contract's types. */
import type { DeadLetter } from '../contract.js';
import type { DeadFilter, DeadRow } from './statements.js';

export function deadFilter(filter: { id?: string; backend?: string }): DeadFilter {
  return { id: filter.id ?? null, backend: filter.backend ?? null };
}

export function toDeadLetter(row: DeadRow): DeadLetter {
  return {
    id: row.id,
    backend: row.backend,
    items: row.items,
    bytes: row.bytes,
    attempts: row.attempts,
    enqueuedAt: row.enqueued_at,
    deadAt: row.dead_at,
    reason: row.reason,
    firstError: row.first_error ?? '',
    lastError: row.last_error ?? '',
  };
}

/** Zero-copy views: better-sqlite3 binds Buffers; the contract speaks Uint8Array. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function toUint8Array(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
