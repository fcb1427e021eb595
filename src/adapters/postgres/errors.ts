/**
 * Which PostgreSQL failures are worth retrying. A retry can help when the connection, the server's
 * resources or a lock/serialization conflict was the problem; it cannot when the server judged the data
 * or the statement itself, and then the batch goes to the dead-letter queue with the server's own text.
 */
import { PermanentWriteError, TransientWriteError } from '../contract.js';

const TRANSIENT_SQLSTATE_CLASSES = ['08', '40', '53', '57', '58'];
const TRANSIENT_SQLSTATES = new Set(['55P03' /* lock_not_available */, '55006' /* object_in_use */]);
const PERMANENT_SQLSTATE_CLASSES = ['22', '23', '42', '0A', '54', '2F', '3F'];

const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/**
 * A row for a time partition the gateway believed made, but that is gone: another gateway dropped it for retention
 * (a late row older than it), or someone did by hand. Retried, after the adapter forgets the partitions it knew.
 */
export function isMissingPartition(error: unknown): boolean {
  const err = error as { code?: unknown; message?: unknown };
  return err?.code === '23514' && typeof err.message === 'string' && err.message.includes('no partition of relation');
}

export function classifyError(error: unknown, context: string): TransientWriteError | PermanentWriteError {
  const err = error as { code?: unknown; message?: unknown; detail?: unknown };
  const code = typeof err?.code === 'string' ? err.code : '';
  // Node's AggregateError for a refused dual-stack connect has an empty message but a code.
  const message = typeof err?.message === 'string' && err.message !== '' ? err.message : code || String(error);

  if (isMissingPartition(error))
    return new TransientWriteError(`${context}: SQLSTATE ${code}: ${message}: the partition is made again on the retry`, undefined, { cause: error });
  if (/^[0-9A-Z]{5}$/.test(code)) {
    const cls = code.slice(0, 2);
    // 57014 (statement timeout) sits in class 57 next to 57P01 admin shutdown: both are "try later".
    const transient = TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SQLSTATE_CLASSES.includes(cls);
    if (!transient && PERMANENT_SQLSTATE_CLASSES.includes(cls)) {
      const detail = typeof err.detail === 'string' ? ` (${err.detail})` : '';
      return new PermanentWriteError(`${context}: PostgreSQL refused the data: SQLSTATE ${code}: ${message}${detail}`, message, { cause: error });
    }
    return new TransientWriteError(`${context}: SQLSTATE ${code}: ${message}`, undefined, { cause: error });
  }
  // Socket errors, pg's "Connection terminated …", pool and query timeouts: all about reaching the server.
  const why = TRANSIENT_NODE_CODES.has(code) ? `${code}: ${message}` : message;
  return new TransientWriteError(`${context}: ${why}`, undefined, { cause: error });
}
