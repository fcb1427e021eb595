/**
 * Reused shared-memory buffers for request bodies on their way to the decode pool.
 *
 * Why: a metrics request body is ~2 MB, and each used to be gathered into a fresh Buffer on the main thread
 * (then transferred to a decode worker): 35-55 such allocations a second kept the main thread's garbage collector
 * busy (~30% of its time, bench/NOTES.md), which delays every ack in flight. A body is now copied straight from
 * the socket's chunks into a SharedArrayBuffer taken from this pool; the worker reads the same memory (no copy,
 * no transfer) and the buffer comes back to the pool when the request's decode has finished.
 *
 * A buffer must only be released once nothing reads it any more: after the decoder has answered (the decode
 * worker decodes synchronously and copies what it keeps, src/otlp/decode.ts).
 */

/** Smallest buffer handed out; larger ones are powers of two, so a few sizes serve every body. */
const MIN_CLASS_BYTES = 64 * 1024;

export class BodyPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private keptBytes = 0;

  constructor(
    /** Free buffers kept for reuse at most (bytes); a released buffer beyond this is left to the GC. */
    private readonly maxKeptBytes = 64 * 1024 * 1024,
  ) {}

  /** A view of `size` bytes over a pooled buffer; give it back with release(). */
  take(size: number): Uint8Array {
    let bytes = MIN_CLASS_BYTES;
    while (bytes < size) bytes *= 2;
    const reused = this.free.get(bytes)?.pop();
    if (reused !== undefined) this.keptBytes -= bytes;
    const buffer = reused ?? new SharedArrayBuffer(bytes);
    return new Uint8Array(buffer, 0, size);
  }

  /** Gives a view from take() back; its memory may be handed out again at once. */
  release(view: Uint8Array): void {
    const buffer = view.buffer;
    if (!(buffer instanceof SharedArrayBuffer)) return;
    const bytes = buffer.byteLength;
    if (this.keptBytes + bytes > this.maxKeptBytes) return;
    let list = this.free.get(bytes);
    if (list === undefined) this.free.set(bytes, (list = []));
    list.push(buffer);
    this.keptBytes += bytes;
  }

  /** Bytes held in free buffers (tests). */
  get kept(): number {
    return this.keptBytes;
  }
}
