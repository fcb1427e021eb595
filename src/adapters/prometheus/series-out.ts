/**
 * The shapes a translated request is made of: labels, exemplars and series as the wire writer encodes them.
 * Types only, in a file of their own, so the label, translation and wire-writer modules can share them
 * without importing one another.
 */
import type { LabelSource } from './label-arena.js';
import type { NativeHistogram } from './native-histogram.js';
import type { RecordedSeries } from './samples.js';

export interface Label {
  readonly name: string;
  readonly value: string;
}

export interface ExemplarOut {
  labels: Label[];
  value: number;
  timestamp: number;
}

/** One series of a request: its encoded labels, its samples (a range of flat arrays, see samples.ts) and the rest. */
export interface TimeSeriesOut extends RecordedSeries {
  /**
   * The encoded `labels` field (see wire-writer.ts) is `labelBlock[labelStart, labelStart + labelBytes)`: the
   * block sits in the catalog's label arena, and a series object costs no view of its own.
   */
  labelBlock: Uint8Array;
  labelStart: number;
  labelBytes: number;
  /**
   * Set when the labels are a composed block of the arena (label-arena.ts: a derived series' block is its point
   * series' pieces, not bytes of its own): they are `labelSource`'s block `labelSid` (labelBytes long), and
   * labelBlock/labelStart are unused. Left out (or undefined) otherwise.
   */
  labelSource?: LabelSource | undefined;
  labelSid?: number;
  exemplars: ExemplarOut[];
  histograms: NativeHistogram[];
}
