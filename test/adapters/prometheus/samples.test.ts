/**
 * The flat sample store (src/adapters/prometheus/samples.ts) against the algorithm it replaced: each series
 * appending Sample objects one by one (same timestamp as the last one: the value is overwritten; older: the
 * series is marked unsorted), then sorting marked series by time with the later sample winning a tie. A seeded
 * fuzz over random arrival orders: series seen once (the in-order path that moves nothing), series seen again,
 * out-of-order and duplicate timestamps, series without samples, recorders reused across batches, and the
 * exact bits of every value (NaN payloads such as Prometheus's stale marker, -0).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type RecordedSeries, type Sample, SampleRecorder, SampleStore, sampleRange, samplesOf } from '../../../src/adapters/prometheus/samples.js';
import { STALE_NAN } from '../../../src/adapters/prometheus/values.js';
import { runFuzz } from '../../support/fuzz.js';

/** The translator before samples.ts: Sample objects appended per series, then sorted where needed. */
class ReferenceSeries {
  samples: Sample[] = [];
  unsorted = false;
  add(value: number, timestamp: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && timestamp <= last.timestamp) {
      if (timestamp === last.timestamp) {
        last.value = value;
        return;
      }
      this.unsorted = true;
    }
    this.samples.push({ value, timestamp });
  }
  finish(): Sample[] {
    if (!this.unsorted) return this.samples;
    const ordered = this.samples.map((sample, index) => ({ sample, index }));
    ordered.sort((a, b) => a.sample.timestamp - b.sample.timestamp || a.index - b.index);
    const samples: Sample[] = [];
    for (const { sample } of ordered) {
      const last = samples[samples.length - 1];
      if (last !== undefined && last.timestamp === sample.timestamp) last.value = sample.value;
      else samples.push(sample);
    }
    return samples;
  }
}

const bitsOf = (value: number): bigint => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0);
};
const same = (actual: readonly Sample[], expected: readonly Sample[]): boolean =>
  actual.length === expected.length &&
  actual.every((s, i) => bitsOf(s.value) === bitsOf(expected[i]!.value) && bitsOf(s.timestamp) === bitsOf(expected[i]!.timestamp));

const newSeries = (): RecordedSeries => ({ store: new SampleStore(), sampleStart: 0, sampleCount: 0, unsorted: false });

const FUZZ_MS = Number(process.env.MANIFOLD_FUZZ_MS ?? 3_000);

describe('sample store: flat ranges equal the per-series Sample arrays they replaced', () => {
  it('a range of its own round-trips, NaN payloads and -0 included', () => {
    const samples = [
      { value: STALE_NAN, timestamp: 1 },
      { value: -0, timestamp: 2 },
      { value: Number.NaN, timestamp: 3 },
      { value: 1e308, timestamp: 2 ** 53 },
    ];
    assert.ok(same(samplesOf(sampleRange(samples)), samples));
  });

  it('random arrival orders over one reused recorder (seeded fuzz)', () => {
    const recorder = new SampleRecorder();
    let inOrderBatches = 0;
    const cases = runFuzz(
      'sample store fuzz',
      FUZZ_MS,
      (random, seed) => {
        const int = (n: number): number => Math.floor(random() * n);
        for (let batch = 1 + int(4); batch > 0; batch--) {
          recorder.begin();
          const series: RecordedSeries[] = [];
          const reference: ReferenceSeries[] = [];
          // Mostly series seen once, each right when it is new (the in-order path); sometimes seen again.
          const again = random() < 0.5 ? 0 : random() * 0.5;
          const timestamps = [0, 1, 2, 3, 1_700_000_000_000, 2 ** 52, -5, 2 ** 40 + 0.5];
          const values = [0, -0, 1.5, -2, Number.NaN, STALE_NAN, Infinity, -Infinity, 2 ** 53 + 2];
          for (let n = int(random() < 0.1 ? 2_000 : 60); n > 0; n--) {
            let slot: number;
            if (series.length > 0 && random() < again) slot = int(series.length);
            else {
              slot = series.length;
              series.push(newSeries());
              reference.push(new ReferenceSeries());
              if (random() < 0.05) continue; // a series with no samples (a lookup, or native histograms only)
            }
            const value = random() < 0.7 ? random() * 1e6 : values[int(values.length)]!;
            const timestamp = random() < 0.7 ? 1_700_000_000_000 + int(20) * 1000 : timestamps[int(timestamps.length)]!;
            recorder.add(slot, value, timestamp);
            reference[slot]!.add(value, timestamp);
          }
          recorder.finish(series);
          if (series.every((s, i) => s.store === series[0]!.store && s.sampleStart === i)) inOrderBatches++;
          series.forEach((one, i) => {
            const expected = reference[i]!.finish();
            const actual = samplesOf(one);
            assert.ok(same(actual, expected), `seed ${seed}, series ${i}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
            assert.equal(one.unsorted === true, reference[i]!.unsorted, `seed ${seed}, series ${i}: unsorted flag`);
          });
        }
      },
      200,
    );
    assert.ok(cases >= 200 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    assert.ok(inOrderBatches > 0 || process.env.MANIFOLD_FUZZ_SEED !== undefined, 'the in-order path never ran');
    console.log(`  sample store fuzz: ${cases} cases, ${inOrderBatches} in-order batches`);
  });
});
