/**
 * Point attribute sets already decoded in this request, found again by the bytes they were sent as: senders write
 * every point's attributes in full and the same sets repeat across a request's metrics, so a lookup saves most of
 * the decoding, and points sharing a set share one Attributes object, which the queue payload writes once (format
 * version 3). Measured in bench/NOTES.md, "Ingest: shared attribute sets".
 *
 * The key is a latin1 string of the back-to-back KeyValue fields' bytes, tags included (V8 hashes and compares it
 * natively; fields sent apart are decoded as before). Decoding is a pure function of those bytes, the nesting depth
 * and the request's limits, so a hit yields what decoding would and replays the counters it fed (dropped
 * attributes, truncated values). Only sets that decoded without error are kept.
 */
import type { Attributes } from '../model/index.js';
import type { FastBuffer, WireReader } from './wire.js';

/** Longer runs are decoded every time (rarely repeated; they would make the table large). */
const MAX_SET_BYTES = 1024;
/** Bytes of keys kept per request at most, so a request of all-distinct sets does not hold a second copy of itself. */
const MAX_KEPT_BYTES = 4 << 20;

interface Entry {
  readonly attributes: Attributes;
  readonly dropped: number;
  readonly truncated: number;
  readonly depth: number;
}

export class AttributeSetCache {
  private readonly table = new Map<string, Entry>();
  private kept = 0;
  /** The key of the last lookup that missed (kept by remember()), or '' when the point is not cacheable. */
  private key = '';

  /**
   * The set of the attribute fields (tag `attrTag`) of a point in [rest, end), decoded earlier in this request,
   * or undefined (then decode it and remember()). Counts the fields of `otherTag` (exemplars) into `others`.
   */
  find(reader: WireReader, rest: number, end: number, depth: number, attrTag: number, otherTag: number): Entry | undefined {
    this.key = '';
    this.others = 0;
    this.fields = 0;
    let start = -1;
    let last = -1;
    let contiguous = true;
    reader.pos = rest;
    // Pass 1 of the point already checked every field's framing: nothing here can fail.
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      if (tag === attrTag) {
        if (start < 0) start = at;
        else if (at !== last) contiguous = false;
        this.fields++;
        last = reader.lenEnd(end);
        reader.pos = last;
      } else {
        if (tag === otherTag) this.others++;
        reader.skip(tag, end, depth);
      }
    }
    if (start < 0 || !contiguous || last - start > MAX_SET_BYTES) return undefined;
    this.key = (reader.buf as FastBuffer).latin1Slice(start, last);
    const entry = this.table.get(this.key);
    return entry !== undefined && entry.depth === depth ? entry : undefined;
  }

  /** Attribute fields seen by the last find(). */
  fields = 0;
  /** Fields of `otherTag` seen by the last find(). */
  others = 0;

  /** Keeps the set of the last find() (which missed), decoded to `attributes` with these counters. */
  remember(attributes: Attributes, depth: number, dropped: number, truncated: number): void {
    const key = this.key;
    if (key === '' || this.kept + key.length > MAX_KEPT_BYTES) return;
    this.kept += key.length;
    this.table.set(key, { attributes, dropped, truncated, depth });
  }
}
