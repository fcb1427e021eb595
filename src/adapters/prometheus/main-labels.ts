/** A point series' main labels as its derived series (histograms, summaries) are made from them (series.ts). */
import type { LabelArena } from './label-arena.js';
import { type Label, decodeLabelBlock, labelMessages } from './labels.js';

/** What MainLabels reads of the catalog. */
export interface PointSeriesSource {
  readonly arena: LabelArena;
  familyName(fsid: number): string;
  main(fsid: number): number;
}

/** A point series' main labels, decoded from its block when first needed (a histogram's buckets share one decode). */
export class MainLabels {
  private decoded: Label[] | undefined;
  private ends: number[] | undefined;
  readonly name: string;
  /** The main block's sid. */
  readonly sid: number;
  constructor(
    private readonly catalog: PointSeriesSource,
    fsid: number,
  ) {
    this.name = catalog.familyName(fsid);
    this.sid = catalog.main(fsid);
  }
  labels(): Label[] {
    return (this.decoded ??= decodeLabelBlock(this.catalog.arena.view(this.sid)));
  }
  /** Where each label's entry (tag, length, message) ends in the block: entries are back to back, in label order. */
  entryEnds(): number[] {
    if (this.ends === undefined) {
      const block = this.catalog.arena.view(this.sid);
      this.ends = labelMessages(block).map((message) => message.byteOffset - block.byteOffset + message.length);
    }
    return this.ends;
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
