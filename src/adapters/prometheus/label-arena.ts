/**
 * Every encoded label block the adapter keeps (one per series it has sent), back to back in large chunks, a
 * series being a small integer id (its `sid`) into typed arrays of chunk, offset and length.
 *
 * Why: a block as its own Uint8Array costs an ArrayBuffer, a typed array object and its backing-store record on
 * top of its ~150-250 bytes, and the object per series that held it (bench/NOTES.md, "Remote-write catalog").
 * Here a series costs its bytes and 12 bytes of index. Chunks are never written twice: a view on a block stays
 * valid however the arena grows, until clear().
 *
 * A block can also be composed of others (compose()): a histogram's `_bucket`/`_sum`/`_count` series and a
 * summary's quantile series are their point series' block with `__name__` swapped and one label (`le`,
 * `quantile`) put in: 24 bytes of index instead of a copy of ~250 bytes (4 of 5 series in the benchmark's
 * load; bench/RESULTS.md, "Memory under load"). The writer copies the pieces (copyLabels), so a request holds
 * the same bytes either way.
 */

const CHUNK_BYTES = 1 << 20;
/** chunkOf[sid] of a composed block; its startOf[sid] is its row in the compose arrays. */
const COMPOSED = -1;
/** Up to this many bytes, a piece is copied by a loop: cheaper than a subarray and a native set(). */
const LOOP_COPY_BYTES = 64;

/** Where the pieces of a composed block come from. */
export interface LabelSource {
  /** Writes the block's bytes at `to[at]` (room for length(sid) bytes is the caller's). */
  copyLabels(sid: number, to: Uint8Array, at: number): void;
  /** The block's bytes: a view, valid until the next view() of a composed block. */
  view(sid: number): Uint8Array;
}

export class LabelArena implements LabelSource {
  private chunks: Uint8Array[] = [];
  /** Where the next block goes in the last chunk. */
  private used = CHUNK_BYTES;
  private chunkOf = new Int32Array(1024);
  private startOf = new Int32Array(1024);
  private lengthOf = new Int32Array(1024);
  /** Composed blocks, by row: the main block, the `__name__` label's block and where it goes in main, the extra label. */
  private composedRows = 0;
  private mainOf = new Int32Array(256);
  private nameOf = new Int32Array(256);
  private nameStartOf = new Int32Array(256);
  private nameEndOf = new Int32Array(256);
  private extraOf = new Int32Array(256);
  private extraAtOf = new Int32Array(256);
  private scratch = new Uint8Array(4096);
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

  /**
   * A block made of stored ones (none of them composed): `main` with its bytes [nameStart, nameEnd) replaced by
   * block `name`, and block `extra` (or NO_BLOCK) put in at `extraAt` (≥ nameEnd, an offset in main); its sid.
   */
  compose(main: number, name: number, nameStart: number, nameEnd: number, extra: number, extraAt: number): number {
    const row = this.composedRows++;
    if (row === this.mainOf.length) this.growComposed();
    this.mainOf[row] = main;
    this.nameOf[row] = name;
    this.nameStartOf[row] = nameStart;
    this.nameEndOf[row] = nameEnd;
    this.extraOf[row] = extra;
    this.extraAtOf[row] = extra === NO_BLOCK ? nameEnd : extraAt;
    const sid = this.size;
    if (sid === this.chunkOf.length) this.grow();
    this.chunkOf[sid] = COMPOSED;
    this.startOf[sid] = row;
    this.lengthOf[sid] = this.lengthOf[main]! - (nameEnd - nameStart) + this.lengthOf[name]! + (extra === NO_BLOCK ? 0 : this.lengthOf[extra]!);
    this.size = sid + 1;
    return sid;
  }

  /** Whether the block is composed (compose()): then it has no chunk of its own, copyLabels/view give its bytes. */
  isComposed(sid: number): boolean {
    return this.chunkOf[sid] === COMPOSED;
  }

  copyLabels(sid: number, to: Uint8Array, at: number): void {
    if (this.chunkOf[sid] !== COMPOSED) {
      this.copyStored(sid, 0, this.lengthOf[sid]!, to, at);
      return;
    }
    const row = this.startOf[sid]!;
    const main = this.mainOf[row]!;
    const nameStart = this.nameStartOf[row]!;
    const nameEnd = this.nameEndOf[row]!;
    const extra = this.extraOf[row]!;
    const extraAt = this.extraAtOf[row]!;
    this.copyStored(main, 0, nameStart, to, at);
    at += nameStart;
    const name = this.nameOf[row]!;
    this.copyStored(name, 0, this.lengthOf[name]!, to, at);
    at += this.lengthOf[name]!;
    this.copyStored(main, nameEnd, extraAt, to, at);
    at += extraAt - nameEnd;
    if (extra !== NO_BLOCK) {
      this.copyStored(extra, 0, this.lengthOf[extra]!, to, at);
      at += this.lengthOf[extra]!;
    }
    this.copyStored(main, extraAt, this.lengthOf[main]!, to, at);
  }

  /** A view on the block: valid until clear() (a composed block's: until the next view of a composed one). */
  view(sid: number): Uint8Array {
    const length = this.lengthOf[sid]!;
    if (this.chunkOf[sid] === COMPOSED) {
      if (this.scratch.length < length) this.scratch = new Uint8Array(Math.max(length, this.scratch.length * 2));
      this.copyLabels(sid, this.scratch, 0);
      return this.scratch.subarray(0, length);
    }
    const start = this.startOf[sid]!;
    return this.chunks[this.chunkOf[sid]!]!.subarray(start, start + length);
  }

  /** The chunk holding the (stored, not composed) block, from start(sid), length(sid) bytes. */
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
    this.composedRows = 0;
    this.used = CHUNK_BYTES;
    this.size = 0;
    this.bytes = 0;
  }

  /** Bytes [from, to) of a stored block into `target` at `at`. */
  private copyStored(sid: number, from: number, to: number, target: Uint8Array, at: number): void {
    const length = to - from;
    if (length <= 0) return;
    const chunk = this.chunks[this.chunkOf[sid]!]!;
    const start = this.startOf[sid]! + from;
    if (length <= LOOP_COPY_BYTES) {
      for (let i = 0; i < length; i++) target[at + i] = chunk[start + i]!;
      return;
    }
    target.set(chunk.subarray(start, start + length), at);
  }

  private growComposed(): void {
    const size = this.mainOf.length * 2;
    this.mainOf = grown(this.mainOf, size);
    this.nameOf = grown(this.nameOf, size);
    this.nameStartOf = grown(this.nameStartOf, size);
    this.nameEndOf = grown(this.nameEndOf, size);
    this.extraOf = grown(this.extraOf, size);
    this.extraAtOf = grown(this.extraAtOf, size);
  }

  private grow(): void {
    const size = this.chunkOf.length * 2;
    this.chunkOf = grown(this.chunkOf, size);
    this.startOf = grown(this.startOf, size);
    this.lengthOf = grown(this.lengthOf, size);
  }
}

/** compose() without an extra label. */
export const NO_BLOCK = -1;

export function grown(array: Int32Array, size: number, fill?: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size);
  next.set(array);
  if (fill !== undefined) next.fill(fill, array.length);
  return next;
}
