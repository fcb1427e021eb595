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
/** Up to this many bytes, a piece is copied by a loop: cheaper than a subarray and a native set() (~60 ns each). */
const LOOP_COPY_BYTES = 24;

/** Where the pieces of a composed block come from. */
export interface LabelSource {
  /**
   * Writes the block's bytes at `to[at]` (room for length(sid) bytes is the caller's); `previous`: a block of
   * this source that `to` already holds at `previousAt`, which it may copy from.
   */
  copyLabels(sid: number, to: Uint8Array, at: number, previous?: number, previousAt?: number): void;
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

  /**
   * `previous`, when given, is a composed block whose bytes `to` holds at `previousAt` (the writer's last series of
   * the request): when it shares this block's main (a histogram's buckets come one after another), the main's
   * pieces and a shared `__name__` are copied from there, with copyWithin (no view made, ~25 ns a piece).
   */
  copyLabels(sid: number, to: Uint8Array, at: number, previous = NO_BLOCK, previousAt = 0): void {
    if (this.chunkOf[sid] !== COMPOSED) {
      copyBytes(this.chunks[this.chunkOf[sid]!]!, this.startOf[sid]!, this.lengthOf[sid]!, to, at);
      return;
    }
    const row = this.startOf[sid]!;
    const main = this.mainOf[row]!;
    const nameStart = this.nameStartOf[row]!;
    const nameEnd = this.nameEndOf[row]!;
    const extraAt = this.extraAtOf[row]!;
    const name = this.nameOf[row]!;
    const extra = this.extraOf[row]!;
    const nameBytes = this.lengthOf[name]!;
    const mainBytes = this.lengthOf[main]!;
    const before = previous === NO_BLOCK || this.chunkOf[previous] !== COMPOSED ? -1 : this.startOf[previous]!;
    if (before >= 0 && this.mainOf[before] === main) {
      if (this.nameOf[before] === name && this.extraAtOf[before] === extraAt && extra !== NO_BLOCK && this.extraOf[before] !== NO_BLOCK) {
        // The next bucket (or quantile) of the same series: all but the extra label is where the last one has it.
        const headBytes = nameStart + nameBytes + (extraAt - nameEnd);
        to.copyWithin(at, previousAt, previousAt + headBytes);
        at += headBytes;
        const extraBytes = this.lengthOf[extra]!;
        copyBytes(this.chunks[this.chunkOf[extra]!]!, this.startOf[extra]!, extraBytes, to, at);
        at += extraBytes;
        const tail = previousAt + headBytes + this.lengthOf[this.extraOf[before]!]!;
        to.copyWithin(at, tail, tail + (mainBytes - extraAt));
        return;
      }
      // The previous copy is main with its own name and extra: main's offset x sits at previousAt + shift(x).
      const previousName = this.nameOf[before]!;
      const previousNameBytes = this.lengthOf[previousName]!;
      const previousExtraAt = this.extraAtOf[before]!;
      const previousExtra = this.extraOf[before]!;
      const previousExtraBytes = previousExtra === NO_BLOCK ? 0 : this.lengthOf[previousExtra]!;
      const afterName = previousAt + nameStart + previousNameBytes - nameEnd;
      const shift: PreviousCopy = { previousAt, nameStart, afterName, extraAt: previousExtraAt, extraBytes: previousExtraBytes };
      at = copyFromPrevious(to, at, 0, nameStart, shift);
      if (previousName === name) to.copyWithin(at, previousAt + nameStart, previousAt + nameStart + nameBytes);
      else copyBytes(this.chunks[this.chunkOf[name]!]!, this.startOf[name]!, nameBytes, to, at);
      at += nameBytes;
      at = copyFromPrevious(to, at, nameEnd, extraAt, shift);
      if (extra !== NO_BLOCK) {
        const extraBytes = this.lengthOf[extra]!;
        copyBytes(this.chunks[this.chunkOf[extra]!]!, this.startOf[extra]!, extraBytes, to, at);
        at += extraBytes;
      }
      copyFromPrevious(to, at, extraAt, mainBytes, shift);
      return;
    }
    const mainChunk = this.chunks[this.chunkOf[main]!]!;
    const mainStart = this.startOf[main]!;
    copyBytes(mainChunk, mainStart, nameStart, to, at);
    at += nameStart;
    copyBytes(this.chunks[this.chunkOf[name]!]!, this.startOf[name]!, nameBytes, to, at);
    at += nameBytes;
    copyBytes(mainChunk, mainStart + nameEnd, extraAt - nameEnd, to, at);
    at += extraAt - nameEnd;
    if (extra !== NO_BLOCK) {
      const extraBytes = this.lengthOf[extra]!;
      copyBytes(this.chunks[this.chunkOf[extra]!]!, this.startOf[extra]!, extraBytes, to, at);
      at += extraBytes;
    }
    copyBytes(mainChunk, mainStart + extraAt, mainBytes - extraAt, to, at);
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

/** Where a main block's bytes sit in an earlier copy of a block composed from it (see copyLabels). */
interface PreviousCopy {
  readonly previousAt: number;
  /** The main's offsets before nameStart are at previousAt + offset; from the name's end, at afterName + offset… */
  readonly nameStart: number;
  readonly afterName: number;
  /** …and from the earlier copy's extra label on, extraBytes further. */
  readonly extraAt: number;
  readonly extraBytes: number;
}

/** Main's bytes [from, end) (not crossing its `__name__` label) copied within `to` from the earlier copy; the new `at`. */
function copyFromPrevious(to: Uint8Array, at: number, from: number, end: number, shift: PreviousCopy): number {
  if (from < end && from < shift.extraAt) {
    const until = Math.min(end, shift.extraAt);
    const source = from < shift.nameStart ? shift.previousAt + from : shift.afterName + from;
    to.copyWithin(at, source, source + (until - from));
    at += until - from;
    from = until;
  }
  if (from < end) {
    const source = shift.afterName + shift.extraBytes + from;
    to.copyWithin(at, source, source + (end - from));
    at += end - from;
  }
  return at;
}

/** `length` bytes of `from` at `start` into `to` at `at`. */
function copyBytes(from: Uint8Array, start: number, length: number, to: Uint8Array, at: number): void {
  if (length > LOOP_COPY_BYTES) to.set(from.subarray(start, start + length), at);
  else for (let i = 0; i < length; i++) to[at + i] = from[start + i]!;
}

/** compose() without an extra label. */
export const NO_BLOCK = -1;

export function grown(array: Int32Array, size: number, fill?: number): Int32Array<ArrayBuffer> {
  const next = new Int32Array(size);
  next.set(array);
  if (fill !== undefined) next.fill(fill, array.length);
  return next;
}
