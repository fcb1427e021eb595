/**
 * A translation's samples in flat typed arrays instead of one object per sample: a series' samples are
 * `store.values/timestamps[sampleStart, sampleStart + sampleCount)`, in time order, one per timestamp.
 *
 * Why: a Sample object with two double fields is three heap objects (the fields are boxed), and each series
 * kept its own array of them; translating and then writing a batch touched all of them, spread over the old
 * generation (bench/NOTES.md, "Remote-write encoder"). Here a sample is two doubles in arrays reused from
 * batch to batch.
 *
 * The recorder takes samples in arrival order with the index (slot) of their series in the translation's
 * series list, then lays each series' samples out contiguously. In the common case (every series gets one
 * sample, the first time it is seen in the batch) the arrival order already is that layout and nothing moves.
 */

export interface Sample {
  value: number;
  timestamp: number;
}

/** Flat sample arrays, reused from batch to batch (grown, never shrunk). */
export class SampleStore {
  values = new Float64Array(0);
  timestamps = new Float64Array(0);

  /** Room for `capacity` samples; the contents are kept only up to `keep`. */
  reserve(capacity: number, keep: number): void {
    if (capacity <= this.values.length) return;
    const size = Math.max(capacity, this.values.length * 2, 1024);
    const values = new Float64Array(size);
    const timestamps = new Float64Array(size);
    values.set(this.values.subarray(0, keep));
    timestamps.set(this.timestamps.subarray(0, keep));
    this.values = values;
    this.timestamps = timestamps;
  }
}

/** A series' samples: a range of a store. */
export interface SampleRange {
  store: SampleStore;
  sampleStart: number;
  sampleCount: number;
}

/** The series fields the recorder fills when it lays samples out (TimeSeriesOut has them). */
export interface RecordedSeries extends SampleRange {
  /** Set when a sample arrived older than the one before: the range (and the histograms) are sorted. */
  unsorted?: boolean;
}

export class SampleRecorder {
  /** Samples in arrival order; also the layout when no series got a second sample (see finish). */
  private readonly arrival = new SampleStore();
  private readonly grouped = new SampleStore();
  private slots = new Int32Array(0);
  private count = 0;
  /** Record i is the first and only sample of slot i, so far. */
  private inOrder = true;
  private starts = new Int32Array(0);
  private ends = new Int32Array(0);

  begin(): void {
    this.count = 0;
    this.inOrder = true;
  }

  add(slot: number, value: number, timestamp: number): void {
    const at = this.count;
    if (at === this.slots.length) this.grow();
    this.slots[at] = slot;
    this.arrival.values[at] = value;
    this.arrival.timestamps[at] = timestamp;
    if (slot !== at) this.inOrder = false;
    this.count = at + 1;
  }

  private grow(): void {
    const size = Math.max(1024, this.slots.length * 2);
    const slots = new Int32Array(size);
    slots.set(this.slots);
    this.slots = slots;
    this.arrival.reserve(size, this.count);
  }

  /**
   * Gives every series (index = slot) its range: time order, and one sample per timestamp, the later one in
   * the batch winning (Prometheus would refuse two), exactly as appending one by one and sorting would.
   */
  finish(series: readonly RecordedSeries[]): void {
    const records = this.count;
    if (this.inOrder) {
      for (let slot = 0; slot < series.length; slot++) {
        const one = series[slot]!;
        one.store = this.arrival;
        one.sampleStart = slot;
        one.sampleCount = slot < records ? 1 : 0;
      }
      return;
    }
    this.group(series, records);
  }

  /** Samples moved into one contiguous range per series (counting sort by slot, arrival order kept). */
  private group(series: readonly RecordedSeries[], records: number): void {
    if (this.starts.length < series.length + 1) {
      this.starts = new Int32Array(Math.max(series.length + 1, this.starts.length * 2));
      this.ends = new Int32Array(this.starts.length);
    }
    const starts = this.starts;
    const ends = this.ends;
    starts.fill(0, 0, series.length + 1);
    const slots = this.slots;
    for (let i = 0; i < records; i++) starts[slots[i]! + 1]!++;
    for (let slot = 0; slot < series.length; slot++) {
      starts[slot + 1]! += starts[slot]!;
      ends[slot] = starts[slot]!;
    }
    this.grouped.reserve(records, 0);
    const fromValues = this.arrival.values;
    const fromTimes = this.arrival.timestamps;
    const values = this.grouped.values;
    const times = this.grouped.timestamps;
    for (let i = 0; i < records; i++) {
      const slot = slots[i]!;
      const timestamp = fromTimes[i]!;
      const end = ends[slot]!;
      if (end > starts[slot]!) {
        const last = times[end - 1]!;
        if (timestamp <= last) {
          if (timestamp === last) {
            values[end - 1] = fromValues[i]!; // same series and timestamp: the last value wins
            continue;
          }
          series[slot]!.unsorted = true;
        }
      }
      values[end] = fromValues[i]!;
      times[end] = timestamp;
      ends[slot] = end + 1;
    }
    for (let slot = 0; slot < series.length; slot++) {
      const one = series[slot]!;
      one.store = this.grouped;
      one.sampleStart = starts[slot]!;
      one.sampleCount = ends[slot]! - starts[slot]!;
      if (one.unsorted) sortRange(one);
    }
  }
}

/** Time order, and one sample per timestamp (the later one in the batch wins), in place in the range. */
function sortRange(series: SampleRange): void {
  const { values, timestamps } = series.store;
  const ordered: { value: number; timestamp: number; index: number }[] = [];
  for (let i = 0; i < series.sampleCount; i++) {
    const at = series.sampleStart + i;
    ordered.push({ value: values[at]!, timestamp: timestamps[at]!, index: i });
  }
  ordered.sort((a, b) => a.timestamp - b.timestamp || a.index - b.index);
  let end = series.sampleStart;
  for (const sample of ordered) {
    if (end > series.sampleStart && timestamps[end - 1] === sample.timestamp) values[end - 1] = sample.value;
    else {
      values[end] = sample.value;
      timestamps[end] = sample.timestamp;
      end++;
    }
  }
  series.sampleCount = end - series.sampleStart;
}

/** A range of its own for these samples (tests, and series built outside a translation). */
export function sampleRange(samples: readonly Sample[]): SampleRange {
  const store = new SampleStore();
  store.reserve(samples.length, 0);
  samples.forEach((sample, i) => {
    store.values[i] = sample.value;
    store.timestamps[i] = sample.timestamp;
  });
  return { store, sampleStart: 0, sampleCount: samples.length };
}

/** A range's samples as objects (the protobufjs reference encoding in tests and the benchmark). */
export function samplesOf(range: SampleRange): Sample[] {
  const samples: Sample[] = [];
  for (let i = range.sampleStart; i < range.sampleStart + range.sampleCount; i++) {
    samples.push({ value: range.store.values[i]!, timestamp: range.store.timestamps[i]! });
  }
  return samples;
}
