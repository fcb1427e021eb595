/**
 * The queue's payload format: one TelemetryBatch behind a 1-byte format version.
 *
 * Written: version 5, a version-4 payload (its own version byte included) compressed as one snappy block (the
 * block format, as Prometheus remote write uses it). Version 4 is the purpose-written binary layout
 * (binary-format.ts, binary-writer.ts, binary-reader.ts). Why compressed: every queued byte is copied into
 * SQLite's WAL, synced, and copied again into the database by the checkpoint (or sent to Redis); on the logs bench's
 * 1,500-record requests that was most of the gateway's CPU beyond decoding, and snappy makes their 256 KB payload
 * ~42 KB for ~0.2 ms of the decode thread (bench/NOTES.md, "logsratio").
 *
 * Read: versions 5, 4 and 3 (the layout without log records, written by the builds before logs were queued), as a
 * queue may hold them at upgrade. Versions 1 (msgpack) and 2 were written only by 0.1 development builds before any
 * release and are no longer read: such a payload is refused with a PayloadFormatError naming its version
 * (dead-lettered, not retried). A new layout gets a new version, and a released build reads every version a queue
 * may hold.
 */
import snappy from 'snappy';
import type { TelemetryBatch } from '../model/index.js';
import { BINARY_VERSION, OLDEST_READ_VERSION } from './binary-format.js';
import { decodeBinary, decodeBinarySlices } from './binary-reader.js';
import { type LogsLayoutWriter, withEncodedBinary, withLogsLayout } from './binary-writer.js';

/** The version encodeBatch writes: a snappy block of a version-4 payload. */
export const CODEC_VERSION = 5;

/**
 * Output in a Buffer V8 allocates, the binding's own buffer freed at once (not handed to V8 as external memory,
 * freed only by a GC: fresh pages for every call, zeroed by the kernel; src/adapters/prometheus/encode.ts).
 */
const SNAPPY_COMPRESS = { copyOutputData: true } as const;
const SNAPPY_UNCOMPRESS = { copyOutputData: true, asBuffer: true } as const;
/**
 * No snappy element yields more than 21 bytes per byte it takes (a 3-byte copy of 64 bytes): a block whose length
 * header claims more is corrupt, and is refused before its length is allocated.
 */
const MAX_SNAPPY_EXPANSION = 22;

export class PayloadFormatError extends Error {
  override readonly name = 'PayloadFormatError';
}

/** With `into`, a payload that fits is written there and returned as a view of its start (no new buffer). */
export function encodeBatch(batch: TelemetryBatch, into?: Uint8Array): Uint8Array {
  return withEncodedBinary(batch, (layout) => pack(layout, into));
}

/**
 * As encodeBatch() for the batch of the log records `writeRecords` writes (withLogsLayout(): straight from the OTLP
 * bytes, src/ingest/logs-one-pass.ts); an empty payload when it wrote none, as for an empty request.
 */
export function encodeLogRecords(writeRecords: (w: LogsLayoutWriter) => number, into?: Uint8Array): Uint8Array {
  return withLogsLayout(writeRecords, (layout, records) => (records > 0 ? pack(layout, into) : new Uint8Array(0)));
}

/** A version-4 layout as a version-5 payload. */
function pack(layout: Uint8Array, into: Uint8Array | undefined): Uint8Array {
  const packed = snappy.compressSync(layout, SNAPPY_COMPRESS);
  const length = 1 + packed.length;
  const out = into !== undefined && length <= into.length ? into.subarray(0, length) : new Uint8Array(length);
  out[0] = CODEC_VERSION;
  out.set(packed, 1);
  return out;
}

export function decodeBatch(bytes: Uint8Array): TelemetryBatch {
  const version = readableVersion(bytes);
  try {
    return decodeBinary(layoutOf(bytes, version));
  } catch (err) {
    throw undecodable(version, err);
  }
}

/**
 * The same payload in slices of at most `maxItems` items each, decoded as they are taken (so a consumer yielding
 * between slices holds one slice's objects and never decodes more than one in a task). A malformed payload throws
 * its PayloadFormatError when the slice that reaches the fault is taken: slices taken before it were well formed
 * (a version-5 payload is uncompressed whole when its first slice is taken).
 */
export function* decodeBatchSlices(bytes: Uint8Array, maxItems: number): Generator<TelemetryBatch, void, undefined> {
  const version = readableVersion(bytes);
  try {
    yield* decodeBinarySlices(layoutOf(bytes, version), maxItems);
  } catch (err) {
    throw undecodable(version, err);
  }
}

/** The version-3 or -4 payload a payload holds: itself, or its snappy block uncompressed. Throws a plain Error. */
function layoutOf(bytes: Uint8Array, version: number): Uint8Array {
  if (version !== CODEC_VERSION) return bytes;
  const packed = bytes.subarray(1);
  const claimed = snappyLength(packed);
  if (claimed > packed.length * MAX_SNAPPY_EXPANSION) throw new Error(`its snappy block claims ${claimed} bytes out of ${packed.length}`);
  const layout = snappy.uncompressSync(packed, SNAPPY_UNCOMPRESS) as Buffer;
  if (layout[0] !== BINARY_VERSION) throw new Error(`its snappy block holds layout version ${layout[0]}, not ${BINARY_VERSION}`);
  return layout;
}

/** The uncompressed length a snappy block starts with (a little-endian base-128 varint below 2^32). */
function snappyLength(packed: Uint8Array): number {
  let length = 0;
  for (let i = 0; i < 5; i++) {
    const byte = packed[i];
    if (byte === undefined) break;
    length += (byte & 127) * 2 ** (7 * i);
    if (byte < 128) return length;
  }
  throw new Error('its snappy block has no length header');
}

function readableVersion(bytes: Uint8Array): number {
  if (bytes.length === 0) throw new PayloadFormatError('queue payload is empty');
  const version = bytes[0];
  if (version === undefined || version < OLDEST_READ_VERSION || version > CODEC_VERSION) {
    const which = version === 1 || version === 2 ? ', written by a 0.1 development build before any release' : '';
    throw new PayloadFormatError(
      `queue payload has format version ${version}${which}; this build reads versions ${OLDEST_READ_VERSION} to ${CODEC_VERSION}`,
    );
  }
  return version;
}

function undecodable(version: number, err: unknown): PayloadFormatError {
  return new PayloadFormatError(`queue payload (format version ${version}) does not decode: ${(err as Error).message}`);
}
