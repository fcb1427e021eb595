/**
 * Reused shared-memory buffers for request bodies on their way to the decode pool.
 *
 * Why: a metrics request body is ~2 MB, and each used to be gathered into a fresh Buffer on the main thread and
 * transferred to a decode worker (35-55 a second at full load). A body is now copied straight from the socket's
 * chunks into a SharedArrayBuffer taken from this pool; the worker reads the same memory (no transfer) and the
 * buffer comes back to the pool when the request's decode has finished. Measured (bench/NOTES.md, "Ingest"):
 * metrics ingest 0.55 -> 0.63 of the ceiling in alternating runs, at the same CPU; the main thread's GC share did
 * not fall (it is not these bodies). Copying into shared memory is slow when source and target are unequally
 * aligned: http-body.ts copyIntoShared() stages each chunk to keep them aligned alike.
 * Only protobuf bodies are pooled (what senders use at volume); JSON bodies are read as before.
 *
 * A buffer must only be released once nothing reads it any more: the decode worker writes the request's queue
 * payload over the body it has decoded (src/ingest/decode-worker.ts), so after the store has taken that payload.
 */

/** Smallest buffer handed out; larger ones are powers of two, so a few sizes serve every body. */
const MIN_CLASS_BYTES = 64 * 1024;

export class BodyPool {
  private readonly free = new Map<number, SharedArrayBuffer[]>();
  private keptBytes = 0;
  private lastTakeAt = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    /** Free buffers kept for reuse at most (bytes); a released buffer beyond this is left to the GC. */
    private readonly maxKeptBytes = 64 * 1024 * 1024,
    /**
     * Free buffers are dropped (left to the GC) once nothing has been taken for this long, so an idle gateway
     * does not hold up to maxKeptBytes of bodies from its last burst (issue 13). Under load take() runs many
     * times a second and the pool is kept.
     */
    private readonly idleReleaseMs = 10_000,
  ) {}

  /** A view of `size` bytes over a pooled buffer; give it back with release(). */
  take(size: number): Uint8Array {
    this.lastTakeAt = Date.now();
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
    this.idleTimer ??= setTimeout(() => this.releaseIfIdle(), this.idleReleaseMs).unref();
  }

  private releaseIfIdle(): void {
    this.idleTimer = undefined;
    if (this.keptBytes === 0) return;
    const idleFor = Date.now() - this.lastTakeAt;
    if (idleFor >= this.idleReleaseMs) {
      this.free.clear();
      this.keptBytes = 0;
    } else this.idleTimer = setTimeout(() => this.releaseIfIdle(), this.idleReleaseMs - idleFor).unref();
  }

  /** Bytes held in free buffers (tests). */
  get kept(): number {
    return this.keptBytes;
  }
}
