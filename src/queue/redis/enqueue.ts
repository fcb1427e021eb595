/** Builds the enqueue script's arguments and reads its reply (see lua/enqueue.ts). */
import { QueueUnavailableError, type BacklogBound, type EnqueueEntry, type EnqueueResult } from '../contract.js';
import { REFUSE_RETRY_AFTER_MS } from '../sqlite/bounds.js';

export function enqueueArgs(
  entries: readonly EnqueueEntry[],
  ids: readonly string[],
  bounds: ReadonlyMap<string, BacklogBound>,
  now: number,
): (string | number | Buffer)[] {
  // One payload per distinct object: the router hands the same encoded batch to every backend.
  const index = new Map<Uint8Array, number>();
  const blobs: Buffer[] = [];
  const rows: (string | number)[] = [];
  const incoming = new Map<string, number>();
  entries.forEach((e, i) => {
    let p = index.get(e.payload);
    if (p === undefined) {
      blobs.push(toBuffer(e.payload));
      index.set(e.payload, (p = blobs.length));
    }
    rows.push(ids[i]!, e.backend, p, e.items, e.payload.byteLength);
    incoming.set(e.backend, (incoming.get(e.backend) ?? 0) + e.payload.byteLength);
  });
  const boundRows: (string | number)[] = [];
  for (const [backend, bytes] of incoming) {
    const bound = bounds.get(backend);
    if (bound) boundRows.push(backend, bound.maxBytes, bound.maxAgeMs, bound.policy, bytes);
  }
  return [now, blobs.length, entries.length, boundRows.length / 5, ...blobs, ...rows, ...boundRows];
}

export function enqueueResult(reply: unknown, ids: string[], bounds: ReadonlyMap<string, BacklogBound>): EnqueueResult {
  const r = reply as (string | number)[];
  if (r[0] === 'refuse') {
    const [, backend, what, backlog, incoming, age] = r.map(String) as [string, string, string, string, string, string];
    const bound = bounds.get(backend)!;
    const why =
      what === 'bytes'
        ? `max_bytes ${bound.maxBytes} (backlog ${backlog} bytes + ${incoming} new)`
        : `max_age ${bound.maxAgeMs} ms (oldest job waiting ${age} ms)`;
    throw new QueueUnavailableError(`queue for backend "${backend}" is full: over its bound ${why}; policy refuse`, backend, REFUSE_RETRY_AFTER_MS);
  }
  const dropped: { backend: string; jobs: number; items: number }[] = [];
  for (let i = 1; i + 2 < r.length; i += 3) dropped.push({ backend: String(r[i]), jobs: Number(r[i + 1]), items: Number(r[i + 2]) });
  return { ids, dropped };
}

/** Zero-copy view: ioredis sends Buffers as they are (binary-safe). */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
