/**
 * The queue's payload format: one TelemetryBatch behind a 1-byte format version.
 *
 * Written and read: version 3, a purpose-written binary layout (binary-format.ts, binary-writer.ts,
 * binary-reader.ts). Versions 1 (msgpack) and 2 were written only by 0.1 development builds before any release
 * and are no longer read: such a payload is refused with a PayloadFormatError naming its version (dead-lettered,
 * not retried). A new layout gets a new version, and a released build reads every version a queue may hold.
 */
import type { TelemetryBatch } from '../model/index.js';
import { BINARY_VERSION } from './binary-format.js';
import { decodeBinary } from './binary-reader.js';
import { encodeBinary } from './binary-writer.js';

/** The version encodeBatch writes. */
export const CODEC_VERSION = BINARY_VERSION;

export class PayloadFormatError extends Error {
  override readonly name = 'PayloadFormatError';
}

/** With `into`, a payload that fits is written there and returned as a view of its start (see encodeBinary). */
export function encodeBatch(batch: TelemetryBatch, into?: Uint8Array): Uint8Array {
  return encodeBinary(batch, into);
}

export function decodeBatch(bytes: Uint8Array): TelemetryBatch {
  if (bytes.length === 0) throw new PayloadFormatError('queue payload is empty');
  const version = bytes[0];
  if (version !== BINARY_VERSION) {
    const which = version === 1 || version === 2 ? ', written by a 0.1 development build before any release' : '';
    throw new PayloadFormatError(`queue payload has format version ${version}${which}; this build reads version ${BINARY_VERSION}`);
  }
  try {
    return decodeBinary(bytes);
  } catch (err) {
    throw new PayloadFormatError(`queue payload (format version ${version}) does not decode: ${(err as Error).message}`);
  }
}
