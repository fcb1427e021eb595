/**
 * Every encoded label block the adapter keeps (one per series it has sent), back to back in large chunks, a
 * series being a small integer id (its `sid`) into typed arrays of chunk, offset and length.
 *
 * Why: a block as its own Uint8Array costs an ArrayBuffer, a typed array object and its backing-store record on
 * top of its ~150-250 bytes, and the object per series that held it (bench/NOTES.md, "Remote-write catalog").
 * Here a series costs its bytes and 12 bytes of index. Chunks are never written twice: a view on a block stays
 * valid however the arena grows, until clear().
 */

const CHUNK_BYTES = 1 << 20;

export class LabelArena {
  private chunks: Uint8Array[] = [];
  /** Where the next block goes in the last chunk. */
  private used = CHUNK_BYTES;
  private chunkOf = new Int32Array(1024);
  private startOf = new Int32Array(1024);
  private lengthOf = new Int32Array(1024);
  /** Blocks held (the next sid). */
  size = 0;
  /** Bytes of chunks allocated. */
  bytes = 0;

  /** Copies the block in; its sid. */
  add(block: Uint8Array): number {
    const length = block.length;
    if (this.used + length > CHUNK_BYTES || this.chunks.length === 0) {
      // A block larger than a chunk gets a chunk of its own size (label values have no length limit here).
      const size = Math.max(CHUNK_BYTES, length);
      this.chunks.push(new Uint8Array(size));
      this.bytes += size;
      this.used = 0;
    }
    const sid = this.size;
    if (sid === this.chunkOf.length) this.grow();
    const chunk = this.chunks.length - 1;
    this.chunks[chunk]!.set(block, this.used);
    this.chunkOf[sid] = chunk;
    this.startOf[sid] = this.used;
    this.lengthOf[sid] = length;
    this.used += length;
    this.size = sid + 1;
    return sid;
  }

  /** A view on the block: valid until clear(). */
  view(sid: number): Uint8Array {
    const start = this.startOf[sid]!;
    return this.chunks[this.chunkOf[sid]!]!.subarray(start, start + this.lengthOf[sid]!);
  }

  /** The chunk holding the block, from start(sid), length(sid) bytes. */
  chunk(sid: number): Uint8Array {
    return this.chunks[this.chunkOf[sid]!]!;
  }

  start(sid: number): number {
    return this.startOf[sid]!;
  }

  length(sid: number): number {
    return this.lengthOf[sid]!;
  }

  /** Forgets every block (views handed out keep their own chunk alive until they go). */
  clear(): void {
    this.chunks = [];
    this.used = CHUNK_BYTES;
    this.size = 0;
    this.bytes = 0;
  }

  private grow(): void {
    const size = this.chunkOf.length * 2;
    this.chunkOf = grown(this.chunkOf, size);
    this.startOf = grown(this.startOf, size);
    this.lengthOf = grown(this.lengthOf, size);
  }
}

export function grown(array: Int32Array, size: number, fill?: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size);
  next.set(array);
  if (fill !== undefined) next.fill(fill, array.length);
  return next;
}
