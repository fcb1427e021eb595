import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODEC_VERSION, decodeBatch, encodeBatch, PayloadFormatError } from '../../src/queue/codec.js';
import type { Attributes, HistogramPoint, NumberPoint, TelemetryBatch } from '../../src/model/index.js';
import { edgeAttributes, everyPointType, everySpanShape, realisticBatch } from './fixtures.js';

function roundTrip(batch: TelemetryBatch): TelemetryBatch {
  return decodeBatch(encodeBatch(batch));
}

describe('queue codec', () => {
  it('round-trips every metric point type exactly', () => {
    const batch = { metrics: everyPointType(), spans: [] };
    assert.deepStrictEqual(roundTrip(batch), batch);
  });

  it('round-trips spans with events, links and status exactly', () => {
    const batch = { metrics: [], spans: everySpanShape() };
    assert.deepStrictEqual(roundTrip(batch), batch);
  });

  it('keeps int64 vs double, int64 beyond 2^53, NaN and ±Inf, bytes and nesting', () => {
    const out = roundTrip({ metrics: everyPointType(), spans: [] }).metrics[0]!.attributes;
    assert.equal(out['intBig'], 9_223_372_036_854_775_807n);
    assert.equal(out['intMin'], -9_223_372_036_854_775_808n);
    assert.equal(out['intBeyondDouble'], 9_007_199_254_740_993n);
    assert.equal(out['int'], 42n);
    assert.equal(typeof out['doubleIntegral'], 'number');
    assert.ok(Number.isNaN(out['nan']));
    assert.equal(out['inf'], Number.POSITIVE_INFINITY);
    assert.equal(out['negInf'], Number.NEGATIVE_INFINITY);
    assert.ok(out['bytes'] instanceof Uint8Array);
    assert.deepStrictEqual([...(out['bytes'] as Uint8Array)], [0, 1, 254, 255]);
    assert.deepStrictEqual(out['kvlist'], edgeAttributes['kvlist']);
    const points = roundTrip({ metrics: everyPointType(), spans: [] }).metrics;
    assert.equal((points[2] as NumberPoint).value, 18_446_744_073_709_551_615n);
    assert.equal((points[3] as NumberPoint).value, 1e18);
    assert.equal(typeof (points[3] as NumberPoint).value, 'number');
    assert.equal(typeof points[0]!.timeUnixNano, 'bigint');
    assert.equal((points[5] as HistogramPoint).sum, undefined);
  });

  it('encodes byte views at an offset, and decodes from a Buffer at an offset (as SQLite returns payloads)', () => {
    const backing = new Uint8Array([7, 7, 1, 2, 3, 7]);
    const batch = { metrics: [{ ...everyPointType()[1]!, attributes: { b: backing.subarray(2, 5) } }], spans: [] };
    const bytes = encodeBatch(batch);
    const inBuffer = Buffer.concat([Buffer.from([0xff, 0xff]), bytes]).subarray(2);
    const out = decodeBatch(inBuffer).metrics[0]!.attributes['b'] as Uint8Array;
    assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    assert.deepStrictEqual([...out], [1, 2, 3]);
  });

  it('keeps resources, scopes and descriptors shared by reference', () => {
    const batch = realisticBatch(200, 50);
    const out = roundTrip(batch);
    const first = out.metrics[0]!;
    for (const p of out.metrics) {
      assert.equal(p.resource, first.resource);
      assert.equal(p.scope, first.scope);
    }
    for (const s of out.spans) assert.equal(s.resource, first.resource);
    assert.equal(out.metrics[0]!.metric, out.metrics[40]!.metric);
    assert.notEqual(out.metrics[0]!.metric, out.metrics[1]!.metric);
  });

  it('round-trips many distinct attribute shapes (more than msgpackr keeps record slots for)', () => {
    const batch = realisticBatch(10, 0);
    const metrics = Array.from({ length: 500 }, (_, i) => {
      const attributes: Attributes = { [`key_${i}`]: BigInt(i), [`other_${i % 7}`]: `v${i}` };
      return { ...batch.metrics[1]!, attributes };
    });
    const wide = { metrics, spans: [] };
    assert.deepStrictEqual(roundTrip(wide), wide);
  });

  it('round-trips a realistic batch and an empty one', () => {
    const batch = realisticBatch(1000, 300);
    assert.deepStrictEqual(roundTrip(batch), batch);
    assert.deepStrictEqual(roundTrip({ metrics: [], spans: [] }), { metrics: [], spans: [] });
  });

  it('writes the format version first and refuses unknown versions and garbage', () => {
    const bytes = encodeBatch({ metrics: [], spans: [] });
    assert.equal(bytes[0], CODEC_VERSION);
    const future = Uint8Array.from(bytes);
    future[0] = 99;
    assert.throws(() => decodeBatch(future), (err: unknown) => err instanceof PayloadFormatError && /version 99/.test(err.message));
    assert.throws(() => decodeBatch(new Uint8Array(0)), PayloadFormatError);
    assert.throws(() => decodeBatch(Uint8Array.of(CODEC_VERSION, 0xc1)), PayloadFormatError);
    assert.throws(() => decodeBatch(Uint8Array.of(CODEC_VERSION, 0x2a)), /not a telemetry batch/);
  });
});
