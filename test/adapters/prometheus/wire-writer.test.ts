/**
 * The hand-written WriteRequest writer (src/adapters/prometheus/wire-writer.ts) against protobufjs, its
 * reference: the same WriteRequest must come out as the same bytes. Hand-built cases for every field and edge,
 * then a seeded fuzz at two levels (random WriteRequests; random model batches through the translator).
 * A fuzz failure prints its seed: MANIFOLD_FUZZ_SEED=<seed> replays it; MANIFOLD_FUZZ_MS sets the time budget.
 *
 * The one intended difference: a lone UTF-16 surrogate. The writer writes U+FFFD (well-formed UTF-8, as Buffer
 * does); protobufjs writes three invalid bytes in strings under 40 bytes. Strings are given to protobufjs
 * through String.prototype.toWellFormed (lone surrogate → U+FFFD), which makes the bytes identical again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prometheusConfigSchema } from '../../../src/adapters/prometheus/config.js';
import { CumulativeState } from '../../../src/adapters/prometheus/delta.js';
import { splitRequests, writeRequestBytes } from '../../../src/adapters/prometheus/encode.js';
import { type Label, encodeLabels, labelMessages } from '../../../src/adapters/prometheus/labels.js';
import type { NativeHistogram } from '../../../src/adapters/prometheus/native-histogram.js';
import { remoteWriteMessages } from './reference-proto.js';
import { sampleRange, samplesOf } from '../../../src/adapters/prometheus/samples.js';
import { SeriesCatalog } from '../../../src/adapters/prometheus/series.js';
import { type ExemplarOut, type Sample, type TimeSeriesOut, Translator, labelsOf } from '../../../src/adapters/prometheus/translate.js';
import { STALE_NAN } from '../../../src/adapters/prometheus/values.js';
import { WireWriter } from '../../../src/adapters/prometheus/wire-writer.js';
import type { Attributes, Exemplar, InstrumentationScope, MetricDescriptor, MetricPoint, Resource } from '../../../src/model/index.js';
import { descriptor, exponentialPoint, histogramPoint, numberPoint, resource, scope, summaryPoint } from './fixtures.js';
import { runFuzz } from '../../support/fuzz.js';

/** A series as the test describes it: plain labels, encoded for the writer by the adapter's own encodeLabels. */
interface SeriesSpec {
  labels: Label[];
  samples?: Sample[];
  exemplars?: ExemplarOut[];
  histograms?: NativeHistogram[];
}

function toOut(spec: SeriesSpec): TimeSeriesOut {
  const encoded = encodeLabels(spec.labels);
  return {
    labelBlock: encoded.block,
    labelStart: 0,
    labelBytes: encoded.bytes,
    ...sampleRange(spec.samples ?? []),
    exemplars: spec.exemplars ?? [],
    histograms: spec.histograms ?? [],
  };
}

/** Node 20 has String.prototype.toWellFormed; the project's TypeScript lib (ES2022) does not declare it. */
const toWellFormed = (text: string): string => (text as unknown as { toWellFormed(): string }).toWellFormed();
const wellFormed = (label: Label): Label => ({ name: toWellFormed(label.name), value: toWellFormed(label.value) });
const hasLoneSurrogate = (labels: readonly Label[]): boolean =>
  labels.some((l) => toWellFormed(l.name) !== l.name || toWellFormed(l.value) !== l.value);

/** protobufjs, from plain objects (prometheus.WriteRequest, labels as Label messages). */
function reference(specs: readonly SeriesSpec[]): Uint8Array {
  const timeseries = specs.map((spec) => ({
    labels: spec.labels.map(wellFormed),
    samples: spec.samples ?? [],
    exemplars: (spec.exemplars ?? []).map((e) => ({ ...e, labels: e.labels.map(wellFormed) })),
    histograms: spec.histograms ?? [],
  }));
  return remoteWriteMessages().writeRequest.encode({ timeseries }).finish();
}

/** protobufjs, the way the adapter used it (encoding.proto's twin with pre-encoded labels). */
function referenceEncodedLabels(series: readonly TimeSeriesOut[]): Uint8Array {
  const timeseries = series.map((s) => ({ ...s, samples: samplesOf(s), labels: labelMessages(labelsOf(s)) }));
  return remoteWriteMessages().writeRequestEncodedLabels.encode({ timeseries }).finish();
}

/** Where two encodings first differ, with both decoded: a readable failure. */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, context: string): void {
  if (Buffer.compare(Buffer.from(actual), Buffer.from(expected)) === 0) return;
  let at = 0;
  while (at < actual.length && at < expected.length && actual[at] === expected[at]) at++;
  const type = remoteWriteMessages().writeRequest;
  const show = (bytes: Uint8Array): string => {
    try {
      return JSON.stringify(type.toObject(type.decode(bytes), { longs: String })).slice(0, 2000);
    } catch (error) {
      return `(does not decode: ${(error as Error).message})`;
    }
  };
  assert.fail(
    `${context}: ${actual.length} bytes vs protobufjs ${expected.length}, first difference at byte ${at}\n` +
      `  writer:     ${Buffer.from(actual.subarray(Math.max(0, at - 8), at + 16)).toString('hex')}\n` +
      `  protobufjs: ${Buffer.from(expected.subarray(Math.max(0, at - 8), at + 16)).toString('hex')}\n` +
      `  writer decoded:     ${show(actual)}\n  protobufjs decoded: ${show(expected)}`,
  );
}

/** Writer vs protobufjs, both ways (plain messages and the encoded-labels twin), with the adapter's writer and a tiny one that must grow. */
function check(specs: readonly SeriesSpec[], context = 'request'): void {
  const series = specs.map(toOut);
  const expected = reference(specs);
  assertSameBytes(writeRequestBytes(series), expected, `${context} (adapter writer)`);
  assertSameBytes(new WireWriter(8).writeRequest(series), expected, `${context} (growing writer)`);
  if (!specs.some((spec) => hasLoneSurrogate(spec.labels) || (spec.exemplars ?? []).some((e) => hasLoneSurrogate(e.labels)))) {
    assertSameBytes(referenceEncodedLabels(series), expected, `${context} (encoding.proto twin)`);
  }
}

const bits = (hex: bigint): number => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, hex);
  return view.getFloat64(0);
};

const L = (name: string, value: string): Label => ({ name, value });
const NAME = L('__name__', 'up');

function histogram(overrides: Partial<NativeHistogram> = {}): NativeHistogram {
  return {
    countInt: 12,
    sum: 3.5,
    schema: 3,
    zeroThreshold: 1e-128,
    zeroCountInt: 2,
    negativeSpans: [{ offset: -3, length: 2 }],
    negativeDeltas: [1, -1],
    positiveSpans: [
      { offset: 0, length: 2 },
      { offset: 5, length: 1 },
    ],
    positiveDeltas: [4, -2, 3],
    resetHint: 0,
    timestamp: 1_700_000_000_123,
    ...overrides,
  };
}

describe('wire writer: hand-built cases, byte for byte against protobufjs', () => {
  it('an empty request is zero bytes, and series without samples still carry their labels', () => {
    assert.equal(writeRequestBytes([]).length, 0);
    check([]);
    check([{ labels: [NAME] }]);
    check([{ labels: [] }]);
    check([{ labels: [], samples: [{ value: 1, timestamp: 1 }] }]);
  });

  it('every field: labels, samples, exemplars, native histograms', () => {
    check([
      {
        labels: [NAME, L('instance', 'h:9100'), L('job', 'node')],
        samples: [
          { value: 1, timestamp: 1_700_000_000_000 },
          { value: 2.5, timestamp: 1_700_000_015_000 },
        ],
        exemplars: [
          {
            labels: [L('span_id', '00f067aa0ba902b7'), L('trace_id', '4bf92f3577b34da6a3ce929d0e0e4736')],
            value: 0.25,
            timestamp: 1_700_000_000_001,
          },
        ],
        histograms: [histogram(), histogram({ timestamp: 1_700_000_015_000, resetHint: 3 })],
      },
      { labels: [L('__name__', 'target_info'), L('job', 'node')], samples: [{ value: 1, timestamp: 0 }] },
    ]);
  });

  it('empty, long and huge label values (multi-byte lengths, buffer growth, moved bodies)', () => {
    check([{ labels: [NAME, L('empty', '')] }]);
    check([{ labels: [L('', ''), L('', 'x')] }]);
    for (const length of [0, 1, 39, 40, 41, 100, 127, 128, 129, 16_383, 16_384, 70_000, 2_100_000]) {
      check([{ labels: [NAME, L('big', 'v'.repeat(length))], samples: [{ value: 1, timestamp: 5 }] }], `value of ${length} bytes`);
      check([{ labels: [L('n'.repeat(length), 'x')] }], `name of ${length} bytes`);
    }
  });

  it('series whose length needs 1, 2, 3 and 4 bytes', () => {
    for (const samples of [0, 1, 5, 6, 7, 8, 900, 1_000, 10_000, 120_000]) {
      const list = Array.from({ length: samples }, (_, i) => ({ value: i, timestamp: 1_700_000_000_000 + i }));
      check(
        [
          { labels: [NAME], samples: list },
          { labels: [NAME], samples: list.slice(0, 3) },
        ],
        `${samples} samples`,
      );
    }
  });

  it('unicode: 2-, 3- and 4-byte characters, at the 40-byte line where protobufjs changes method', () => {
    for (const text of [
      'é',
      'naïve',
      '日本語',
      '🙂',
      'a🙂b',
      'é'.repeat(19),
      'é'.repeat(20),
      'é'.repeat(21),
      '日'.repeat(13),
      '日'.repeat(14),
      '🙂'.repeat(10),
      '🙂'.repeat(11),
      '\u0000\u007f\u0080\u07ff\u0800\uffff',
    ]) {
      check(
        [{ labels: [NAME, L('u', text), L(text, text)], exemplars: [{ labels: [L('user', text)], value: 1, timestamp: 2 }] }],
        JSON.stringify(text),
      );
    }
  });

  it('lone surrogates become U+FFFD (protobufjs would write invalid UTF-8 under 40 bytes)', () => {
    for (const text of ['\ud800', 'a\udc00b', '\udbff', '\ud83d', `${'x'.repeat(50)}\ud800`, '\udc00\ud800']) {
      check([{ labels: [NAME, L('s', text)], exemplars: [{ labels: [L('s', text)], value: 1, timestamp: 2 }] }], JSON.stringify(text));
      const out = writeRequestBytes([toOut({ labels: [L('s', text)] })]);
      const decoded = remoteWriteMessages().writeRequest.decode(out) as unknown as { timeseries: { labels: Label[] }[] };
      assert.equal(decoded.timeseries[0]!.labels[0]!.value, toWellFormed(text));
    }
  });

  it('values: NaN, the stale marker (exact bits), ±Inf, -0, subnormals, extremes', () => {
    const values = [
      Number.NaN,
      STALE_NAN,
      bits(0x7ff8000000000001n),
      bits(0xfff8000000000000n),
      Infinity,
      -Infinity,
      0,
      -0,
      5e-324,
      -5e-324,
      Number.MAX_VALUE,
      -Number.MAX_VALUE,
      Number.EPSILON,
      0.1,
      1e21,
      -1e-300,
    ];
    const samples = values.map((value, i) => ({ value, timestamp: i }));
    check([
      {
        labels: [NAME],
        samples,
        exemplars: values.map((value) => ({ labels: [], value, timestamp: 1 })),
        histograms: values.map((v) => histogram({ sum: v, zeroThreshold: v })),
      },
    ]);
    const out = writeRequestBytes([toOut({ labels: [], samples: [{ value: STALE_NAN, timestamp: 0 }] })]);
    // timeseries(0a 0e) sample(12 0c) value(09) + 8 bytes little-endian
    assert.equal(Buffer.from(out.subarray(5, 13)).readBigUInt64LE(), 0x7ff0000000000002n);
  });

  it('timestamps: zero, negative, 64-bit, past 2^53, fractional and out-of-range numbers as protobufjs converts them', () => {
    const timestamps = [
      0,
      1,
      127,
      128,
      16_383,
      16_384,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 35,
      1_700_000_000_000,
      2 ** 42,
      2 ** 49,
      2 ** 53 - 1,
      2 ** 53,
      2 ** 56,
      2 ** 62,
      2 ** 63,
      2 ** 64 - 2048,
      2 ** 64,
      2 ** 70,
      1e300,
      -1,
      -2,
      -127,
      -128,
      -(2 ** 31),
      -(2 ** 32),
      -1_700_000_000_000,
      -(2 ** 53),
      -(2 ** 63),
      -(2 ** 64),
      -1e300,
      0.5,
      1.5,
      -0.5,
      -1.5,
      1_700_000_000_000.7,
      -0,
      Number.NaN,
      Infinity,
      -Infinity,
      Number.MIN_VALUE,
    ];
    check([{ labels: [NAME], samples: timestamps.map((timestamp) => ({ value: 1, timestamp })) }]);
    check([{ labels: [NAME], exemplars: timestamps.map((timestamp) => ({ labels: [L('a', 'b')], value: 1, timestamp })) }]);
    check([
      { labels: [NAME], histograms: timestamps.map((timestamp) => histogram({ timestamp, countInt: Math.abs(timestamp), zeroCountInt: timestamp })) },
    ]);
  });

  it('native histograms: schemas, spans, negative and 64-bit deltas, reset hints, empty sides', () => {
    const cases: NativeHistogram[] = [
      histogram({ schema: -4 }),
      histogram({ schema: 8 }),
      histogram({ schema: -1 }),
      histogram({ schema: 0 }),
      histogram({ negativeSpans: [], negativeDeltas: [], positiveSpans: [], positiveDeltas: [] }),
      histogram({ negativeSpans: [], negativeDeltas: [] }),
      histogram({
        positiveSpans: [
          { offset: -2_147_483_648, length: 4_294_967_295 },
          { offset: 2_147_483_647, length: 0 },
        ],
      }),
      histogram({ positiveDeltas: [0, -1, 1, -64, 64, -65, 65, 2 ** 31, -(2 ** 31), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 63, -(2 ** 63), 0.5, -0.5] }),
      histogram({ positiveDeltas: Array.from({ length: 5_000 }, (_, i) => (i % 2 === 0 ? i : -i)), positiveSpans: [{ offset: 1, length: 5_000 }] }),
      histogram({ countInt: 0, sum: 0, zeroThreshold: 0, zeroCountInt: 0, timestamp: 0 }),
      histogram({ countInt: 2 ** 53 - 1, zeroCountInt: 2 ** 40 }),
      histogram({ resetHint: 1 }),
      histogram({ resetHint: 2 }),
      histogram({ resetHint: 3 }),
      histogram({ resetHint: -1 }),
      histogram({ sum: STALE_NAN }),
    ];
    check([{ labels: [NAME], histograms: cases }]);
    for (const [i, h] of cases.entries()) check([{ labels: [NAME], histograms: [h] }], `histogram case ${i}`);
  });

  it('exemplars: none, empty labels, many labels, on series without samples', () => {
    check([{ labels: [NAME], exemplars: [{ labels: [], value: 0, timestamp: 0 }] }]);
    check([{ labels: [NAME], exemplars: [{ labels: Array.from({ length: 20 }, (_, i) => L(`k${i}`, `v${i}`)), value: 1.5, timestamp: -1 }] }]);
    check([{ labels: [NAME], exemplars: [{ labels: [L('big', 'x'.repeat(300))], value: 1, timestamp: 1 }] }]);
  });

  it('the reused buffer: consecutive requests of different sizes each come out right', () => {
    const big = { labels: [NAME, L('v', 'x'.repeat(3_000_000))], samples: [{ value: 1, timestamp: 1 }] };
    const small = { labels: [NAME], samples: [{ value: 2, timestamp: 2 }] };
    for (const specs of [[small], [big], [small], [big, small], []]) check(specs);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Fuzz

class Gen {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  string(maxLength: number): string {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz_',
      '0123456789.-:/ ',
      'éßüñ',
      '日本語中文',
      '🙂🚀𝄞',
      '\u0000\u007f\u0080\u07ff\u0800\uffff',
      '\ud800\udc00\udbff',
    ];
    const length = this.chance(0.1) ? this.int(200) : this.int(maxLength + 1);
    let text = '';
    const mostly = this.pick(alphabets.slice(0, 3));
    for (let i = 0; i < length; i++) text += this.chance(0.85) ? mostly[this.int(mostly.length)] : [...this.pick(alphabets)][0]!;
    if (this.chance(0.02)) text += '\ud800'; // a lone surrogate now and then
    return text;
  }
  double(): number {
    switch (this.int(6)) {
      case 0:
        return this.pick([Number.NaN, STALE_NAN, Infinity, -Infinity, 0, -0, 5e-324, Number.MAX_VALUE]);
      case 1:
        return this.int(1000);
      case 2:
        return (this.next() - 0.5) * 10 ** (this.int(40) - 20);
      case 3: {
        const view = new DataView(new ArrayBuffer(8));
        view.setUint32(0, this.int(2 ** 32));
        view.setUint32(4, this.int(2 ** 32));
        return view.getFloat64(0); // any bit pattern, NaN payloads included
      }
      default:
        return this.next() * 1e6;
    }
  }
  /** int64 fields given as numbers: mostly ms timestamps, sometimes anything. */
  int64(): number {
    switch (this.int(8)) {
      case 0:
        return this.pick([0, -1, 2 ** 53, -(2 ** 63), 2 ** 63, 2 ** 64, 0.5, -0.5, Number.NaN, Infinity, -0]);
      case 1:
        return -this.int(2 ** 53);
      case 2:
        return this.int(2 ** 53);
      case 3:
        return this.int(2 ** 32);
      case 4:
        return this.int(300);
      default:
        return 1_600_000_000_000 + this.int(2 ** 36);
    }
  }
  label(): Label {
    return { name: this.chance(0.05) ? '' : this.string(12), value: this.string(24) };
  }
  labels(max: number): Label[] {
    return Array.from({ length: this.int(max + 1) }, () => this.label());
  }
  spans(): { offset: number; length: number }[] {
    return Array.from({ length: this.int(4) }, () => ({
      offset: this.chance(0.1) ? this.int(2 ** 32) - 2 ** 31 : this.int(20) - 10,
      length: this.chance(0.1) ? this.int(2 ** 32) : this.int(10),
    }));
  }
  deltas(): number[] {
    return Array.from({ length: this.int(12) }, () => (this.chance(0.1) ? this.int64() : this.int(200) - 100));
  }
  histogram(): NativeHistogram {
    return {
      countInt: this.chance(0.9) ? this.int(1e6) : this.int64(),
      sum: this.double(),
      schema: this.chance(0.9) ? this.int(13) - 4 : this.int(2 ** 32) - 2 ** 31,
      zeroThreshold: this.double(),
      zeroCountInt: this.chance(0.9) ? this.int(100) : this.int64(),
      negativeSpans: this.spans(),
      negativeDeltas: this.deltas(),
      positiveSpans: this.spans(),
      positiveDeltas: this.deltas(),
      resetHint: this.int(4),
      timestamp: this.int64(),
    };
  }
  series(): SeriesSpec {
    return {
      labels: this.labels(12),
      samples: Array.from({ length: this.chance(0.3) ? this.int(60) : this.int(3) }, () => ({ value: this.double(), timestamp: this.int64() })),
      exemplars: this.chance(0.2)
        ? Array.from({ length: this.int(3) + 1 }, () => ({ labels: this.labels(4), value: this.double(), timestamp: this.int64() }))
        : [],
      histograms: this.chance(0.15) ? Array.from({ length: this.int(3) + 1 }, () => this.histogram()) : [],
    };
  }
}

const FUZZ_MS = Number(process.env.MANIFOLD_FUZZ_MS ?? 4_000);

/** The shared runner (test/support/fuzz.ts; it extends the budget on a loaded machine until `minCases` ran), with this file's generator. */
function fuzz(name: string, budgetMs: number, one: (gen: Gen, seed: number) => void, minCases: number): number {
  return runFuzz(name, budgetMs, (random, seed) => one(new Gen(random), seed), minCases);
}

/** One translation fed in random consecutive parts. */
function inParts(translator: Translator, points: readonly MetricPoint[], gen: Gen): ReturnType<Translator['finish']> {
  translator.begin();
  for (let at = 0; at < points.length; ) {
    const next = Math.min(points.length, at + 1 + gen.int(Math.max(1, points.length)));
    translator.add(points.slice(at, next));
    at = next;
  }
  if (points.length === 0 || gen.chance(0.2)) translator.add([]);
  return translator.finish();
}

describe('wire writer: fuzz against protobufjs', () => {
  it('random WriteRequests (labels, samples, exemplars, native histograms, odd numbers and strings)', () => {
    const cases = fuzz(
      'WriteRequest fuzz',
      FUZZ_MS,
      (gen, seed) => {
        const specs = Array.from({ length: gen.int(30) }, () => gen.series());
        check(specs, `seed ${seed}`);
      },
      1_000,
    );
    assert.ok(cases >= 1_000 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  WriteRequest fuzz: ${cases} requests`);
  });

  it("random model batches through the translator: the adapter's bytes equal protobufjs's from decoded labels", () => {
    const labelType = remoteWriteMessages().label;
    const cases = fuzz(
      'model batch fuzz',
      FUZZ_MS,
      (gen, seed) => {
        const config = prometheusConfigSchema.parse({
          url: 'http://127.0.0.1:9/api/v1/write',
          native_histograms: gen.chance(0.8),
          send_exemplars: gen.chance(0.8),
          translation: { scope_labels: gen.chance(0.8), resource_constant_labels: gen.chance(0.3) ? ['host.name'] : [] },
        });
        const translator = new Translator(config, new SeriesCatalog(config.translation), new CumulativeState(1_000, 3_600_000), new Map());
        const translation = translator.translate(modelBatch(gen));
        const specs: SeriesSpec[] = translation.series.map((s) => ({
          labels: labelMessages(labelsOf(s)).map((bytes) => labelType.toObject(labelType.decode(bytes)) as Label),
          samples: samplesOf(s),
          exemplars: s.exemplars,
          histograms: s.histograms,
        }));
        // Labels decoded from the writer's own blocks, re-encoded by protobufjs, must give the same request.
        assertSameBytes(writeRequestBytes(translation.series), reference(specs), `seed ${seed}`);
        if (!specs.some((spec) => (spec.exemplars ?? []).some((e) => hasLoneSurrogate(e.labels)))) {
          assertSameBytes(writeRequestBytes(translation.series), referenceEncodedLabels(translation.series), `seed ${seed} (twin)`);
        }
      },
      200,
    );
    assert.ok(cases >= 200 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  model batch fuzz: ${cases} batches`);
  });

  it('consecutive batches through one translator (its series refilled from batch to batch) give the bytes of a fresh catalog', () => {
    let batches = 0;
    const cases = fuzz(
      'consecutive batches fuzz',
      FUZZ_MS,
      (gen, seed) => {
        const config = prometheusConfigSchema.parse({
          url: 'http://127.0.0.1:9/api/v1/write',
          native_histograms: gen.chance(0.8),
          send_exemplars: gen.chance(0.8),
          delta_to_cumulative: { enabled: gen.chance(0.7) },
          translation: { scope_labels: gen.chance(0.8), resource_constant_labels: gen.chance(0.3) ? ['host.name'] : [] },
        });
        const limits = { maxSamples: 1 + gen.int(40), maxBytes: 200 + gen.int(4000) };
        // Same delta history on both sides: each has its own state, committed alike.
        const reused = new Translator(config, new SeriesCatalog(config.translation), new CumulativeState(1_000, 3_600_000), new Map());
        const freshState = new CumulativeState(1_000, 3_600_000);
        const universe = modelUniverse(gen, true);
        for (let b = gen.int(6) + 2; b > 0; b--, batches++) {
          const points = modelBatch(gen, gen.chance(0.5) ? universe : redecoded(universe));
          const fresh = new Translator(config, new SeriesCatalog(config.translation), freshState, new Map()).translate(points);
          const expected = splitRequests(fresh.series, limits).map((request) => Buffer.from(writeRequestBytes(request)));
          const wholeExpected = Buffer.from(writeRequestBytes(fresh.series));
          // Whole, or in parts as a write's queued jobs reach it (begin / add per part / finish): the same result.
          const actual = gen.chance(0.5) ? reused.translate(points) : inParts(reused, points, gen);
          assertSameBytes(writeRequestBytes(actual.series), wholeExpected, `seed ${seed}, batch ${batches}`);
          const requests = splitRequests(actual.series, limits);
          assert.equal(requests.length, expected.length, `seed ${seed}: request count`);
          for (const [i, request] of requests.entries())
            assertSameBytes(writeRequestBytes(request), expected[i]!, `seed ${seed}, batch ${batches}, request ${i}`);
          assert.equal(actual.points, fresh.points);
          assert.deepEqual([...actual.skipped], [...fresh.skipped]);
          assert.deepEqual([...actual.targetInfo], [...fresh.targetInfo]);
          const now = Date.now();
          actual.delta?.commit(now);
          fresh.delta?.commit(now);
        }
      },
      100,
    );
    assert.ok(cases >= 100 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  consecutive batches fuzz: ${cases} runs, ${batches} batches`);
  });
});

/** The resources, scopes and descriptors of a run of batches, and (optionally) few attribute values, so series recur. */
interface Universe {
  readonly resources: Resource[];
  readonly scopes: InstrumentationScope[];
  readonly metrics: MetricDescriptor[];
  readonly values: Attributes[string][] | undefined;
}

function modelUniverse(gen: Gen, recurring = false): Universe {
  const values = recurring ? [gen.string(6), gen.string(6), BigInt(gen.int(1000)), true, gen.double(), [gen.string(3), 1]] : undefined;
  const attrs = (): Attributes => randomAttributes(gen, values);
  const resources = Array.from({ length: gen.int(3) + 1 }, () =>
    resource({ 'service.name': gen.string(8), 'service.instance.id': gen.string(6), ...attrs() }),
  );
  const scopes = Array.from({ length: gen.int(3) + 1 }, () => scope(gen.string(10), gen.string(4)));
  const types = ['gauge', 'sum', 'histogram', 'summary', 'exponential_histogram'] as const;
  const metrics: MetricDescriptor[] = Array.from({ length: gen.int(6) + 1 }, () => {
    const type = gen.pick(types);
    return descriptor(gen.string(14) || 'm', type, {
      unit: gen.pick(['', 's', 'By', '1', '{x}', 'ms']),
      monotonic: gen.chance(0.5),
      temporality: type === 'gauge' || type === 'summary' ? 'unspecified' : gen.pick(['cumulative', 'delta']),
    });
  });
  return { resources, scopes, metrics, values };
}

/** The same universe as a new decode would give it: equal content, new objects. */
const redecoded = (u: Universe): Universe => ({
  ...u,
  resources: u.resources.map((r) => structuredClone(r)),
  scopes: u.scopes.map((x) => structuredClone(x)),
  metrics: u.metrics.map((m) => structuredClone(m)),
});

function randomAttributes(gen: Gen, values: Attributes[string][] | undefined): Attributes {
  const out: Attributes = {};
  for (let i = gen.int(5); i > 0; i--) {
    const key =
      gen.pick(['http.method', 'http.route', 'host.name', 'code', '2xx', '_x', 'é', 'k']) +
      (values === undefined && gen.chance(0.2) ? gen.string(4) : '');
    out[key] =
      values !== undefined
        ? gen.pick(values)
        : gen.pick<() => Attributes[string]>([
            () => gen.string(16),
            () => BigInt(gen.int(1000)),
            () => gen.chance(0.5),
            () => gen.double(),
            () => [gen.string(3), 1],
          ])();
  }
  return out;
}

function modelBatch(gen: Gen, universe: Universe = modelUniverse(gen)): MetricPoint[] {
  const attrs = (): Attributes => randomAttributes(gen, universe.values);
  const { resources, scopes, metrics } = universe;
  const exemplars = (): Exemplar[] =>
    gen.chance(0.2)
      ? Array.from(
          { length: gen.int(3) + 1 },
          () =>
            ({
              filteredAttributes: attrs(),
              timeUnixNano: BigInt(gen.int(2 ** 40)) * 1_000_000n,
              value: gen.double(),
              spanId: gen.chance(0.8) ? '00f067aa0ba902b7' : '',
              traceId: gen.chance(0.8) ? '4bf92f3577b34da6a3ce929d0e0e4736' : '',
            }) as Exemplar,
        )
      : [];
  const points: MetricPoint[] = [];
  const base = 1_600_000_000_000 + gen.int(2 ** 36);
  for (let i = gen.int(60); i > 0; i--) {
    const metric = gen.pick(metrics);
    const time = BigInt(base + gen.int(100_000) - (gen.chance(0.05) ? 2 ** 40 : 0)) * 1_000_000n + BigInt(gen.int(1_000_000));
    const common = {
      resource: gen.pick(resources),
      scope: gen.pick(scopes),
      metric,
      attributes: attrs(),
      time,
      start: time - 60_000_000_000n,
      flags: gen.chance(0.05) ? 1 : 0,
      exemplars: exemplars(),
    };
    const counts = (n: number): number[] => Array.from({ length: n }, () => gen.int(20));
    switch (metric.type) {
      case 'gauge':
      case 'sum':
        points.push(numberPoint({ ...common, value: gen.chance(0.3) ? BigInt(gen.int(2 ** 40)) : gen.double() }));
        break;
      case 'histogram': {
        const bounds = [...new Set(Array.from({ length: gen.int(8) }, () => gen.pick([0.005, 0.1, 1, 2.5, 10, 1e21, -1, 1e-7])))].sort(
          (a, b) => a - b,
        );
        points.push(histogramPoint({ ...common, bounds, counts: counts(bounds.length + 1), ...(gen.chance(0.8) ? { sum: gen.double() } : {}) }));
        break;
      }
      case 'summary':
        points.push(
          summaryPoint({
            ...common,
            count: gen.int(1000),
            sum: gen.double(),
            quantiles: Array.from({ length: gen.int(4) }, () => [gen.pick([0, 0.5, 0.99, 1]), gen.double()]),
          }),
        );
        break;
      case 'exponential_histogram':
        points.push(
          exponentialPoint({
            ...common,
            scale: gen.int(26) - 6,
            zeroCount: gen.int(10),
            positive: { offset: gen.int(40) - 20, counts: counts(gen.int(30)) },
            negative: { offset: gen.int(40) - 20, counts: counts(gen.int(6)) },
            ...(gen.chance(0.8) ? { sum: gen.double() } : {}),
          }),
        );
        break;
    }
  }
  return points;
}
