/**
 * The queue's payload format: one TelemetryBatch behind a 1-byte format version.
 *
 * Written: version 4, a purpose-written binary layout (binary-format.ts, binary-writer.ts, binary-reader.ts).
 * Read: versions 4 and 3 (the same layout without log records, written by the builds before logs were queued:
 * a queue may hold them at upgrade; they decode with no log records). Versions 1 (msgpack) and 2 were written
 * only by 0.1 development builds before any release and are no longer read: such a payload is refused with a PayloadFormatError naming its version (dead-lettered,
 * not retried). A new layout gets a new version, and a released build reads every version a queue may hold.
 */
import type { TelemetryBatch } from '../model/index.js';
import { BINARY_VERSION, OLDEST_READ_VERSION } from './binary-format.js';
import { decodeBinary, decodeBinarySlices } from './binary-reader.js';
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
  const version = readableVersion(bytes);
  try {
    return decodeBinary(bytes);
  } catch (err) {
    throw undecodable(version, err);
  }
}

/**
 * The same payload in slices of at most `maxItems` items each, decoded as they are taken (so a consumer yielding
 * between slices holds one slice's objects and never decodes more than one in a task). A malformed payload throws
 * its PayloadFormatError when the slice that reaches the fault is taken: slices taken before it were well formed.
 */
export function* decodeBatchSlices(bytes: Uint8Array, maxItems: number): Generator<TelemetryBatch, void, undefined> {
  const version = readableVersion(bytes);
  try {
    yield* decodeBinarySlices(bytes, maxItems);
  } catch (err) {
    throw undecodable(version, err);
  }
}

function readableVersion(bytes: Uint8Array): number {
  if (bytes.length === 0) throw new PayloadFormatError('queue payload is empty');
  const version = bytes[0];
  if (version === undefined || version < OLDEST_READ_VERSION || version > BINARY_VERSION) {
    const which = version === 1 || version === 2 ? ', written by a 0.1 development build before any release' : '';
    throw new PayloadFormatError(
      `queue payload has format version ${version}${which}; this build reads versions ${OLDEST_READ_VERSION} to ${BINARY_VERSION}`,
    );
  }
  return version;
}

function undecodable(version: number, err: unknown): PayloadFormatError {
  return new PayloadFormatError(`queue payload (format version ${version}) does not decode: ${(err as Error).message}`);
}
