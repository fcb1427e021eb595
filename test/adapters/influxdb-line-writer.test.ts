/**
 * The hand-written line writer (src/adapters/influxdb/line-writer.ts) against @influxdata/influxdb-client's
 * Point (point-encoder.ts), its reference: the same builder calls must give the same lines, character for
 * character. Hand-built cases for every escaping rule and edge, then a seeded fuzz at two levels (random
 * builder call sequences; random model batches, metrics of every type in both schemas and spans, through
 * the translator). A fuzz failure prints its seed: MANIFOLD_FUZZ_SEED=<seed> replays it; MANIFOLD_FUZZ_MS
 * sets the time budget.
 *
 * The one intended difference: a tag or field key `__proto__`, which Point's object map silently drops and the
 * writer keeps. The fuzz never generates it; a hand-built case pins the difference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { influxConfigSchema } from '../../src/adapters/influxdb/config.js';
import { type LineBuilder, type TagList, MAX_SERIES_KEY_BYTES, seriesKeyTooLong } from '../../src/adapters/influxdb/line.js';
import { LineWriter } from '../../src/adapters/influxdb/line-writer.js';
import { PointLineBuilder } from './influxdb/point-encoder-reference.js';
import { Translator } from '../../src/adapters/influxdb/schema.js';
import type { Attributes, AttributeValue, InstrumentationScope, MetricPoint, Resource, Span } from '../../src/model/index.js';
import { runFuzz } from '../support/fuzz.js';
import { descriptor, event, exponentialPoint, histogramPoint, link, numberPoint, resource, scope, span, summaryPoint } from './influxdb/fixtures.js';

/** One builder call, applied the same way to both encoders. */
type Call =
  | ['begin', string]
  | ['baseTags', TagList]
  | ['tag', string, string]
  | ['float', string, number]
  | ['int', string, bigint]
  | ['meta', string, bigint]
  | ['string', string, string]
  | ['end', bigint];

function run(builder: LineBuilder, calls: readonly Call[]): { lines: string[]; ended: boolean[]; droppedFields: number; droppedLines: number } {
  const ended: boolean[] = [];
  for (const call of calls) {
    switch (call[0]) {
      case 'begin':
        builder.begin(call[1]);
        break;
      case 'baseTags':
        builder.baseTags(call[1]);
        break;
      case 'tag':
        builder.tag(call[1], call[2]);
        break;
      case 'float':
        builder.float(call[1], call[2]);
        break;
      case 'int':
        builder.int(call[1], call[2]);
        break;
      case 'meta':
        builder.meta(call[1], call[2]);
        break;
      case 'string':
        builder.string(call[1], call[2]);
        break;
      case 'end':
        ended.push(builder.end(call[1]));
        break;
    }
  }
  return { lines: builder.lines, ended, droppedFields: builder.droppedFields, droppedLines: builder.droppedLines };
}

function assertSame(calls: readonly Call[], context: string): string[] {
  const ours = run(new LineWriter(), calls);
  const reference = run(new PointLineBuilder(), calls);
  for (let i = 0; i < Math.max(ours.lines.length, reference.lines.length); i++) {
    if (ours.lines[i] !== reference.lines[i]) {
      assert.fail(`${context}: line ${i} differs\n  writer: ${JSON.stringify(ours.lines[i])}\n  Point:  ${JSON.stringify(reference.lines[i])}`);
    }
  }
  assert.deepEqual(ours, reference, context);
  return ours.lines;
}

const line = (measurement: string, ...rest: Call[]): Call[] => [['begin', measurement], ...rest, ['end', 1_700_000_000_123_456_789n]];

describe('line writer: hand-built cases against Point', () => {
  it('escapes measurement, tag keys and values, field keys and string values like Point', () => {
    const awkward = 'a b,c=d"e\\f\ng\rh\ti ü 日本 🚀';
    const lines = assertSame(
      [
        ...line(awkward, ['tag', awkward, awkward], ['float', awkward, 1], ['string', 's', awkward]),
        ...line('m', ['tag', 'k', '=,= '], ['string', 'q', '"\\"\\\\'], ['string', 'empty', '']),
        ...line('=eq=', ['tag', ' ', ' '], ['float', '=', 2]),
      ],
      'escaping',
    );
    assert.deepEqual(lines, [
      'a\\ b\\,c=d"e\\f\\ng\\rh\\ti\\ ü\\ 日本\\ 🚀,a\\ b\\,c\\=d"e\\f\\ng\\rh\\ti\\ ü\\ 日本\\ 🚀=a\\ b\\,c\\=d"e\\f\\ng\\rh\\ti\\ ü\\ 日本\\ 🚀 a\\ b\\,c\\=d"e\\f\\ng\\rh\\ti\\ ü\\ 日本\\ 🚀=1,s="a b,c=d\\"e\\\\f\ng\rh\ti ü 日本 🚀" 1700000000123456789',
      'm,k=\\=\\,\\=\\  empty="",q="\\"\\\\\\"\\\\\\\\" 1700000000123456789',
      '=eq=,\\ =\\  \\==2 1700000000123456789',
    ]);
  });

  it('sorts tags and fields, keeps the last value of a key, leaves empty tag values and keys out, lets own tags shadow shared ones', () => {
    const shared: TagList = [
      ['service.name', 'a'],
      ['host', 'h1'],
      ['zone', ''],
      ['host', 'h2'],
      ['', 'no key'],
    ];
    const lines = assertSame(
      [
        ...line(
          'm',
          ['baseTags', shared],
          ['tag', 'b', '2'],
          ['tag', 'a', '1'],
          ['tag', 'b', '3'],
          ['tag', 'host', ''],
          ['float', 'z', 1],
          ['float', 'a', 2],
          ['float', 'z', 3],
        ),
        ...line('m', ['baseTags', shared], ['tag', 'service.name', 'own'], ['tag', 'zone', 'z1'], ['int', 'n', 5n]),
        ...line('m', ['tag', 'x', '1'], ['baseTags', shared], ['float', 'f', 1]),
        ...line('m', ['baseTags', shared], ['baseTags', [['host', 'h3']]], ['float', 'f', 1]),
        ...line('m', ['tag', '', 'v'], ['float', '', 1], ['float', 'f', 0]),
      ],
      'maps',
    );
    assert.deepEqual(lines, [
      'm,a=1,b=3,service.name=a a=2,z=3 1700000000123456789',
      'm,host=h2,service.name=own,zone=z1 n=5i 1700000000123456789',
      'm,host=h2,service.name=a,x=1 f=1 1700000000123456789',
      'm,host=h3,service.name=a f=1 1700000000123456789',
      'm f=0 1700000000123456789',
    ]);
  });

  it('numbers: shortest float text, -0, exponents, exact int64, NaN/Inf left out and counted', () => {
    const lines = assertSame(
      [
        ...line(
          'm',
          ['float', 'a', 0.1 + 0.2],
          ['float', 'b', -0],
          ['float', 'c', 1e21],
          ['float', 'd', 5e-324],
          ['float', 'e', -1.5e-7],
          ['float', 'f', Number.MAX_VALUE],
        ),
        ...line(
          'm',
          ['int', 'max', 9_223_372_036_854_775_807n],
          ['int', 'min', -9_223_372_036_854_775_808n],
          ['float', 'nan', Number.NaN],
          ['float', 'inf', Infinity],
        ),
        ...line('m', ['float', 'nan', Number.NaN], ['meta', 'start', 1n]),
      ],
      'numbers',
    );
    assert.deepEqual(lines, [
      'm a=0.30000000000000004,b=0,c=1e+21,d=5e-324,e=-1.5e-7,f=1.7976931348623157e+308 1700000000123456789',
      'm max=9223372036854775807i,min=-9223372036854775808i 1700000000123456789',
    ]);
    const result = run(new LineWriter(), line('m', ['float', 'nan', Number.NaN], ['meta', 'start', 1n]));
    assert.deepEqual([result.ended, result.droppedFields], [[false], 1], 'a line with only NaN is not written');
  });

  it('cleans what has no valid spelling: trailing backslashes, reserved keys, empty measurement, time out of range', () => {
    const lines = assertSame(
      [
        ...line(
          'ends\\\\',
          ['tag', 'k\\', 'v\\'],
          ['tag', 'time', 't'],
          ['tag', '_field', 'f'],
          ['float', '_measurement', 1],
          ['string', 's', 'ends\\'],
        ),
        ...line('', ['float', 'f', 1]),
        ...line('\\', ['float', 'f', 1]),
        ['begin', 'm'],
        ['float', 'f', 1],
        ['end', 2n ** 63n],
        ['begin', 'm'],
        ['float', 'f', 1],
        ['end', -(2n ** 63n)],
        ['begin', 'm'],
        ['float', 'f', 1],
        ['end', -1n],
      ],
      'cleaning',
    );
    assert.deepEqual(lines, ['ends,_field_=f,k=v,time_=t _measurement_=1,s="ends\\\\" 1700000000123456789', 'm f=1 -1']);
    assert.equal(
      run(new LineWriter(), [
        ['begin', 'm'],
        ['float', 'f', 1],
        ['end', 2n ** 63n],
      ]).droppedLines,
      1,
    );
  });

  it('the one intended difference: a __proto__ key is written (Point drops it)', () => {
    const calls = line('m', ['tag', '__proto__', 'x'], ['float', 'f', 1]);
    assert.deepEqual(run(new LineWriter(), calls).lines, ['m,__proto__=x f=1 1700000000123456789']);
    assert.deepEqual(run(new PointLineBuilder(), calls).lines, ['m f=1 1700000000123456789']);
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
  /** Mostly plain text; often line protocol's special characters, unicode, surrogates, trailing backslashes. */
  string(maxLength: number): string {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz_.',
      ', =\n\r\t"\\',
      '0123456789-:/',
      'éßüñ',
      '日本語中文',
      '🙂🚀𝄞',
      '\u0000\u007f\u0080\uffff',
      '\ud800\udc00\udbff',
    ];
    const length = this.chance(0.05) ? this.int(100) : this.int(maxLength + 1);
    const mostly = this.pick(alphabets.slice(0, 3));
    let text = '';
    for (let i = 0; i < length; i++) text += this.chance(0.8) ? mostly[this.int(mostly.length)] : [...this.pick(alphabets)][0]!;
    if (this.chance(0.03)) text += this.pick(['\\', '\\\\', '\ud800']);
    if (this.chance(0.02)) text = this.pick(['time', '_measurement', '_field', 'constructor', 'toString', '0', '1']);
    return text;
  }
  /** A key: from a small set now and then, so keys repeat within a line. */
  key(): string {
    return this.chance(0.3) ? this.pick(['a', 'b', 'k', 'host', 'service.name', 'gauge', '']) : this.string(10);
  }
  double(): number {
    switch (this.int(5)) {
      case 0:
        return this.pick([Number.NaN, Infinity, -Infinity, 0, -0, 5e-324, Number.MAX_VALUE, 1e21, 1e-7, 2 ** 53 + 2]);
      case 1:
        return this.int(1000);
      case 2:
        return (this.next() - 0.5) * 10 ** (this.int(60) - 30);
      case 3: {
        const view = new DataView(new ArrayBuffer(8));
        view.setUint32(0, this.int(2 ** 32));
        view.setUint32(4, this.int(2 ** 32));
        return view.getFloat64(0);
      }
      default:
        return this.next() * 1e6;
    }
  }
  int64(): bigint {
    switch (this.int(4)) {
      case 0:
        return this.pick([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n + 1n]);
      case 1:
        return BigInt(this.int(2 ** 53)) * BigInt(this.int(1024)) - 2n ** 60n;
      default:
        return BigInt(this.int(1_000_000));
    }
  }
  time(): bigint {
    return this.chance(0.03) ? this.pick([2n ** 63n, -(2n ** 63n), 2n ** 64n - 1n, 0n, -5n]) : 1_700_000_000_000_000_000n + BigInt(this.int(2 ** 40));
  }
  tagList(): TagList {
    return Array.from({ length: this.int(8) }, () => [this.key(), this.chance(0.1) ? '' : this.string(16)] as const);
  }
  calls(shared: readonly TagList[]): Call[] {
    const calls: Call[] = [];
    for (let n = this.int(8); n > 0; n--) {
      calls.push(['begin', this.chance(0.03) ? '' : this.string(20)]);
      for (let m = this.int(12); m > 0; m--) {
        switch (this.int(8)) {
          case 0:
            calls.push(['baseTags', this.chance(0.7) && shared.length > 0 ? this.pick(shared) : this.tagList()]);
            break;
          case 1:
          case 2:
            calls.push(['tag', this.key(), this.chance(0.1) ? '' : this.string(16)]);
            break;
          case 3:
          case 4:
            calls.push(['float', this.key(), this.double()]);
            break;
          case 5:
            calls.push(['int', this.key(), this.int64()]);
            break;
          case 6:
            calls.push(['meta', this.key(), this.int64()]);
            break;
          default:
            calls.push(['string', this.key(), this.string(30)]);
            break;
        }
      }
      calls.push(['end', this.time()]);
    }
    return calls;
  }
  attributes(max: number): Attributes {
    const attributes: Attributes = {};
    for (let n = this.int(max + 1); n > 0; n--) attributes[this.key()] = this.attributeValue(2);
    return attributes;
  }
  attributeValue(depth: number): AttributeValue {
    switch (this.int(depth > 0 ? 9 : 7)) {
      case 0:
        return this.chance(0.5);
      case 1:
        return this.double();
      case 2:
        return this.int64();
      case 3:
        return new Uint8Array([this.int(256), this.int(256)]);
      case 4:
        return null;
      case 7:
        return Array.from({ length: this.int(3) }, () => this.attributeValue(depth - 1));
      case 8:
        return { [this.key()]: this.attributeValue(depth - 1) };
      default:
        return this.string(20);
    }
  }
}

const FUZZ_MS = Number(process.env.MANIFOLD_FUZZ_MS ?? 3_000);

/** Runs `one` with fresh seeds until the time budget is spent and `minCases` have run; a failure names its seed. */
function fuzz(name: string, one: (gen: Gen, seed: number) => void, minCases: number): number {
  return runFuzz(name, FUZZ_MS, (random, seed) => one(new Gen(random), seed), minCases);
}

function modelBatch(gen: Gen): { metrics: MetricPoint[]; spans: Span[] } {
  const resources: Resource[] = Array.from({ length: gen.int(3) + 1 }, () => resource(gen.attributes(6)));
  const scopes: InstrumentationScope[] = Array.from({ length: gen.int(3) + 1 }, () =>
    scope(gen.chance(0.2) ? '' : gen.string(12), gen.chance(0.5) ? '' : gen.string(6)),
  );
  const metrics: MetricPoint[] = [];
  for (let n = gen.int(40); n > 0; n--) {
    const c = {
      resource: gen.pick(resources),
      scope: gen.pick(scopes),
      attributes: gen.attributes(5),
      time: gen.time(),
      start: gen.chance(0.5) ? 0n : gen.time(),
      flags: gen.chance(0.05) ? 1 : 0,
    };
    const name = gen.chance(0.03) ? '' : gen.string(24);
    const bounds = Array.from({ length: gen.int(6) }, () => gen.double()).filter(Number.isFinite);
    switch (gen.int(6)) {
      case 0:
        metrics.push(numberPoint({ ...c, metric: descriptor(name, 'gauge'), value: gen.chance(0.3) ? gen.int64() : gen.double() }));
        break;
      case 1:
        metrics.push(
          numberPoint({ ...c, metric: descriptor(name, 'sum', { monotonic: gen.chance(0.5) }), value: gen.chance(0.5) ? gen.int64() : gen.double() }),
        );
        break;
      case 2:
        metrics.push(
          histogramPoint({
            ...c,
            metric: descriptor(name, 'histogram'),
            bounds,
            counts: [...bounds.map(() => gen.int(100)), gen.int(5)],
            sum: gen.chance(0.8) ? gen.double() : undefined,
          }),
        );
        break;
      case 3:
        metrics.push(
          summaryPoint({
            ...c,
            metric: descriptor(name, 'summary'),
            count: gen.int(100),
            sum: gen.double(),
            quantiles: Array.from({ length: gen.int(4) }, () => [gen.next(), gen.double()] as [number, number]),
          }),
        );
        break;
      case 4:
        metrics.push(
          exponentialPoint({ ...c, metric: descriptor(name, 'exponential_histogram'), scale: 1, zeroCount: 0, positive: { offset: 0, counts: [1] } }),
        );
        break;
      default: {
        const point = histogramPoint({ ...c, metric: descriptor(name, 'histogram'), bounds, counts: [...bounds.map(() => gen.int(9)), 1] });
        metrics.push({ ...point, min: gen.double(), max: gen.double() } as MetricPoint);
      }
    }
  }
  const spans: Span[] = [];
  for (let n = gen.int(10); n > 0; n--) {
    const start = gen.time();
    spans.push(
      span({
        resource: gen.pick(resources),
        scope: gen.pick(scopes),
        name: gen.string(20),
        start,
        end: start + BigInt(gen.int(1e9)),
        parentSpanId: gen.chance(0.5) ? '00f067aa0ba902b7' : '',
        kind: gen.int(6) as Span['kind'],
        attributes: gen.attributes(6),
        traceState: gen.chance(0.2) ? gen.string(10) : '',
        status: { code: gen.int(3) as Span['status']['code'], message: gen.chance(0.3) ? gen.string(20) : '' },
        events: Array.from({ length: gen.int(3) }, () => event(gen.string(10), gen.time(), gen.attributes(3))),
        links: Array.from({ length: gen.int(2) }, () =>
          link('4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', gen.attributes(2), gen.chance(0.3) ? gen.string(8) : ''),
        ),
      }),
    );
  }
  return { metrics, spans };
}

describe('line writer: fuzz against Point', () => {
  it('random builder calls (awkward strings, repeated keys, shared tag lists, odd numbers and times)', () => {
    const cases = fuzz(
      'builder fuzz',
      (gen, seed) => {
        const shared = Array.from({ length: gen.int(3) }, () => gen.tagList());
        assertSame(gen.calls(shared), `seed ${seed}`);
      },
      1_000,
    );
    assert.ok(cases >= 1_000 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  builder fuzz: ${cases} cases`);
  });

  it('random model batches through the translator, both schemas: the same lines and the same result', () => {
    const cases = fuzz(
      'model batch fuzz',
      (gen, seed) => {
        const config = influxConfigSchema.parse({
          url: 'http://127.0.0.1:9',
          database: 'fuzz',
          metrics_schema: gen.pick(['telegraf-prometheus-v1', 'telegraf-prometheus-v2']),
          span_dimensions: gen.chance(0.7) ? ['service.name', 'span.name'] : [gen.key() || 'k', 'span.kind'],
        });
        const { metrics, spans } = modelBatch(gen);
        const ours = new Translator(config).translate(metrics, spans);
        const reference = new Translator(config, () => new PointLineBuilder()).translate(metrics, spans);
        for (let i = 0; i < Math.max(ours.lines.length, reference.lines.length); i++) {
          if (ours.lines[i] !== reference.lines[i]) {
            assert.fail(
              `seed ${seed}: line ${i} differs\n  writer: ${JSON.stringify(ours.lines[i])}\n  Point:  ${JSON.stringify(reference.lines[i])}`,
            );
          }
        }
        assert.deepEqual(ours, reference, `seed ${seed}`);
      },
      200,
    );
    assert.ok(cases >= 200 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  model batch fuzz: ${cases} batches`);
  });
});

describe('series key length (InfluxDB refuses keys over 65,535 bytes)', () => {
  it('measures the key as written, escapes and UTF-8 included, up to the first unescaped space', () => {
    const key = (bytes: number) => `m,t=${'x'.repeat(bytes - 4)}`;
    assert.equal(seriesKeyTooLong(`${key(MAX_SERIES_KEY_BYTES)} f=1 1`), false);
    assert.equal(seriesKeyTooLong(`${key(MAX_SERIES_KEY_BYTES + 1)} f=1 1`), true);
    // An escaped space belongs to the key: two bytes each.
    assert.equal(seriesKeyTooLong(`m,t=${'\\ '.repeat(32_766)} f=1 1`), true);
    assert.equal(seriesKeyTooLong(`m,t=${'\\ '.repeat(32_765)}x f=1 1`), false);
    // é is two bytes in UTF-8; a long field does not count.
    assert.equal(seriesKeyTooLong(`m,t=${'é'.repeat(32_766)} f=1 1`), true);
    assert.equal(seriesKeyTooLong(`m,t=x f="${'y'.repeat(200_000)}" 1`), false);
  });
});
