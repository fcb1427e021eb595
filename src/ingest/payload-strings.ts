/**
 * The queue payload's string table as seen from the request's bytes (logs-one-pass.ts): which bytes of the request
 * spell a string the payload writer has already given an index, so that a repeat (attribute keys, short values,
 * severity texts) is written as its reference with no string made and no lookup in the writer's Map. It is only a
 * cache over that Map: a miss goes to the writer, which may know the string from elsewhere in the payload, and the
 * same bytes always spell the same string (bytes that are not UTF-8 too: several such byte strings may spell one
 * string, and then share its index).
 */
const EMPTY = new Uint8Array(0);
const SLOTS = 4096;
/** Slots tried from a string's own before giving up (a miss then, which costs only the writer's lookup). */
const PROBES = 4;

export class PayloadStrings {
  private buf: Uint8Array = EMPTY;
  private readonly starts = new Int32Array(SLOTS);
  /** Length + 1 of the bytes in each slot; 0 for an empty slot. */
  private readonly lengths = new Int32Array(SLOTS);
  private readonly indexes = new Int32Array(SLOTS);

  /** Starts a payload read from `buf`: the request, which must not change until the payload is written. */
  reset(buf: Uint8Array): void {
    this.buf = buf;
    this.lengths.fill(0);
  }

  /** Lets go of the request once its payload is written (no body held past its request). */
  release(): void {
    this.buf = EMPTY;
  }

  /** The writer's index of the string `buf` [start, end) spells, -1 when not seen yet in this payload. */
  find(start: number, end: number): number {
    const buf = this.buf;
    const length = end - start;
    let slot = slotOf(buf, start, end);
    for (let probe = 0; probe < PROBES; probe++, slot = (slot + 1) & (SLOTS - 1)) {
      const held = this.lengths[slot]!;
      if (held === 0) return -1;
      if (held === length + 1) {
        const other = this.starts[slot]! - start;
        let i = start;
        while (i < end && buf[i] === buf[i + other]) i++;
        if (i === end) return this.indexes[slot]!;
      }
    }
    return -1;
  }

  /** Enters the bytes [start, end) as spelling the string at the writer's `index` (-1: not in its table; ignored). */
  add(start: number, end: number, index: number): void {
    if (index < 0) return;
    const buf = this.buf;
    let slot = slotOf(buf, start, end);
    for (let probe = 0; probe < PROBES; probe++, slot = (slot + 1) & (SLOTS - 1)) {
      if (this.lengths[slot] === 0) {
        this.starts[slot] = start;
        this.lengths[slot] = end - start + 1;
        this.indexes[slot] = index;
        return;
      }
    }
  }
}

/** A slot from the length and four of the bytes (as wire.ts key(): the comparison reads them all anyway). */
function slotOf(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return 0;
  let hash = Math.imul(length ^ buf[start]!, 0x01000193);
  hash = Math.imul(hash ^ buf[end - 1]!, 0x01000193);
  hash = Math.imul(hash ^ buf[start + (length >> 1)]!, 0x01000193);
  hash = Math.imul(hash ^ buf[start + (length >> 2)]!, 0x01000193);
  return (hash ^ (hash >>> 15)) & (SLOTS - 1);
}
