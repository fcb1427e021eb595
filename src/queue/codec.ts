/**
 * The queue's payload format: one TelemetryBatch behind a 1-byte format version.
 *
 * Written: version 3, a purpose-written binary layout (binary-format.ts, binary-writer.ts, binary-reader.ts). Read: versions 3 and 2
 * (the same layout but for point attribute sets written inline), and version 1
 * (msgpack, codec-msgpack.ts), which earlier builds wrote and which may still sit in a queue or the
 * dead-letter queue. A new layout gets a new version; decoders keep reading every version that may be queued.
 */
import type { TelemetryBatch } from '../model/index.js';
import { BINARY_VERSION, BINARY_VERSION_2 } from './binary-format.js';
import { decodeBinary } from './binary-reader.js';
import { encodeBinary } from './binary-writer.js';
import { MSGPACK_VERSION, decodeMsgpack } from './codec-msgpack.js';

/** The version encodeBatch writes. */
export const CODEC_VERSION = BINARY_VERSION;

export class PayloadFormatError extends Error {
  override readonly name = 'PayloadFormatError';
}

/** With `into`, a payload that fits is written there and returned as a view of its start (see encodeBinary). */
export function encodeBatch(batch: TelemetryBatch, into?: Uint8Array): Uint8Array {
  return encodeBinary(batch, BINARY_VERSION, into);
}

export function decodeBatch(bytes: Uint8Array): TelemetryBatch {
  if (bytes.length === 0) throw new PayloadFormatError('queue payload is empty');
  const version = bytes[0];
  if (version !== BINARY_VERSION && version !== BINARY_VERSION_2 && version !== MSGPACK_VERSION) {
    throw new PayloadFormatError(`queue payload has format version ${version}; this build reads versions ${MSGPACK_VERSION} to ${BINARY_VERSION}`);
  }
  try {
    return version === MSGPACK_VERSION ? decodeMsgpack(bytes) : decodeBinary(bytes);
  } catch (err) {
    throw new PayloadFormatError(`queue payload (format version ${version}) does not decode: ${(err as Error).message}`);
  }
}
