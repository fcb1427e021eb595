import type { IncomingMessage } from 'node:http';
import { gunzip, inflate } from 'node:zlib';
import { promisify } from 'node:util';
import type { BodyPool } from './body-pool.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** An HTTP-level refusal with the status to answer. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the raw body, refusing past `maxBytes` both as sent and after decompression: inflation is bounded
 * by zlib's maxOutputLength, so a gzip bomb stops at the limit instead of exhausting memory.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      req.resume();
      throw new BodyError(413, `request body exceeds the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  return decompress(
    raw,
    String(req.headers['content-encoding'] ?? 'identity')
      .trim()
      .toLowerCase(),
    maxBytes,
  );
}

/** A body read by readPooledBody(): `release` (idempotent) once nothing reads `bytes` any more. */
export interface PooledBody {
  readonly bytes: Uint8Array;
  release(): void;
}

const NOTHING_TO_RELEASE = (): void => {};

/**
 * readBody(), but an uncompressed body with a Content-Length is copied from the socket's chunks straight into a
 * buffer of `pool` (body-pool.ts) instead of a fresh one; others (compressed, chunked, or no pool) are read as
 * readBody() does.
 */
export async function readPooledBody(req: IncomingMessage, maxBytes: number, pool: BodyPool | undefined): Promise<PooledBody> {
  const declared = Number(req.headers['content-length']);
  const encoding = String(req.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  const plain = encoding === '' || encoding === 'identity' || encoding === 'none';
  if (pool === undefined || !plain || !Number.isSafeInteger(declared) || declared <= 0 || declared > maxBytes) {
    return { bytes: await readBody(req, maxBytes), release: NOTHING_TO_RELEASE };
  }
  const bytes = pool.take(declared);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    pool.release(bytes);
  };
  try {
    const total = await copyChunksInto(req, bytes);
    if (total !== declared) throw new BodyError(400, `request body ended after ${total} of its Content-Length of ${declared} bytes`);
    return { bytes, release };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Copies the request's chunks into `target` as they come; resolves with the bytes read at the end. Listeners rather
 * than `for await`: the async iterator made a promise, a result object and listener churn per 64 KB chunk, a sixth
 * of the main thread's allocations in the logs bench (the main heap's GC). Like `for await`, a body longer than
 * `target` or a stream that fails or closes early destroys the request and rejects.
 */
function copyChunksInto(req: IncomingMessage, target: Uint8Array): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let total = 0;
    const done = (error: Error | undefined): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error === undefined) return resolve(total);
      req.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      // Node's HTTP parser never passes more than Content-Length; checked anyway, the buffer is exactly that long.
      if (total + chunk.length > target.length) {
        done(new BodyError(400, `request body is longer than its Content-Length of ${target.length} bytes`));
        return;
      }
      copyIntoShared(chunk, target, total);
      total += chunk.length;
    };
    const onEnd = (): void => done(undefined);
    const onError = (error: Error): void => done(error);
    const onClose = (): void => done(Object.assign(new Error('the request closed before its body ended'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * A plain buffer `copyIntoShared` stages chunks in. V8 copies into shared memory with relaxed atomics, which go byte
 * by byte when source and target are not equally aligned (mod 8): a body's chunks land at offsets of whatever
 * length came before, so most were unaligned, 2 ms per 2 MB against 0.08 into an ArrayBuffer (on Node 20). A
 * chunk is copied first into this buffer at the target offset's alignment (a plain copy, always fast), then into
 * shared memory with source and target aligned alike: ~0.2 ms per 2 MB.
 */
let staging = new Uint8Array(64 * 1024 + 8);

/** target.set(chunk, at), where target is shared memory, at the speed of equally aligned copies. */
export function copyIntoShared(chunk: Uint8Array, target: Uint8Array, at: number): void {
  const shift = (target.byteOffset + at) & 7;
  if (staging.length < chunk.length + shift) staging = new Uint8Array(chunk.length + shift + 8);
  staging.set(chunk, shift);
  target.set(staging.subarray(shift, shift + chunk.length), at);
}

async function decompress(raw: Buffer, encoding: string, maxBytes: number): Promise<Buffer> {
  if (encoding === '' || encoding === 'identity' || encoding === 'none') return raw;
  const inflater = encoding === 'gzip' || encoding === 'x-gzip' ? gunzipAsync : encoding === 'deflate' ? inflateAsync : undefined;
  if (!inflater) throw new BodyError(415, `unsupported Content-Encoding "${encoding}"; expected gzip, deflate or none`);
  try {
    return await inflater(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
      throw new BodyError(413, `decompressed request body exceeds the limit of ${maxBytes} bytes`);
    }
    throw new BodyError(400, `request body is not valid ${encoding}: ${(error as Error).message}`);
  }
}

export type BodyEncoding = 'protobuf' | 'json';

/** OTLP/HTTP content types; parameters such as charset are ignored. */
export function bodyEncoding(contentType: string | undefined): BodyEncoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}
