/**
 * The queue payload codec: version 5 (a snappy block of a version-4 payload, src/queue/codec.ts), the one the gateway
 * writes; version 4 (the layout, src/queue/binary-format.ts), and version 3 (no log records), which it still reads.
 * The layout's own cases and fuzz run on version 4 payloads (encodeBinary) as well as through version 5.
 * It is a hand-written replacement of msgpackr, so besides the cases it is held to a msgpackr round trip
 * (test/queue/msgpack-reference.ts) by differential cases and a seeded fuzz over every model field (the last
 * suite). A fuzz failure prints its seed: MANIFOLD_FUZZ_SEED=<seed> replays it;
 * MANIFOLD_FUZZ_MS sets the time budget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import snappy from 'snappy';
import { CODEC_VERSION, decodeBatch, decodeBatchSlices, encodeBatch, PayloadFormatError } from '../../src/queue/codec.js';
import { encodeBinary } from '../../src/queue/binary-writer.js';
import { decodeMsgpack, encodeMsgpack } from './msgpack-reference.js';
import type {
  AttributeValue,
  Attributes,
  Exemplar,
  HistogramPoint,
  InstrumentationScope,
  LogRecord,
  MetricDescriptor,
  MetricPoint,
  NumberPoint,
  Resource,
  Span,
  TelemetryBatch,
} from '../../src/model/index.js';
import { runFuzz } from '../support/fuzz.js';
import { batchSize } from '../../src/model/index.js';
import { edgeAttributes, everyLogShape, everyPointType, everySpanShape, otherResource, realisticBatch } from './fixtures.js';

function roundTrip(batch: TelemetryBatch): TelemetryBatch {
  return decodeBatch(encodeBatch(batch));
}

/** Through the msgpackr reference. */
function referenceRoundTrip(batch: TelemetryBatch): TelemetryBatch {
  return decodeMsgpack(encodeMsgpack(batch));
}

describe('queue codec', () => {
  it('round-trips every metric point type exactly', () => {
    const batch = { metrics: everyPointType(), spans: [], logs: [] };
    assert.deepStrictEqual(roundTrip(batch), batch);
  });

  it('round-trips spans with events, links and status exactly', () => {
    const batch = { metrics: [], spans: everySpanShape(), logs: [] };
    assert.deepStrictEqual(roundTrip(batch), batch);
  });

  it('keeps int64 vs double, int64 beyond 2^53, NaN and ±Inf, bytes and nesting', () => {
    const out = roundTrip({ metrics: everyPointType(), spans: [], logs: [] }).metrics[0]!.attributes;
    assert.equal(out.intBig, 9_223_372_036_854_775_807n);
    assert.equal(out.intMin, -9_223_372_036_854_775_808n);
    assert.equal(out.intBeyondDouble, 9_007_199_254_740_993n);
    assert.equal(out.int, 42n);
    assert.equal(typeof out.doubleIntegral, 'number');
    assert.ok(Number.isNaN(out.nan));
    assert.equal(out.inf, Number.POSITIVE_INFINITY);
    assert.equal(out.negInf, Number.NEGATIVE_INFINITY);
    assert.ok(out.bytes instanceof Uint8Array);
    assert.deepStrictEqual([...(out.bytes as Uint8Array)], [0, 1, 254, 255]);
    assert.deepStrictEqual(out.kvlist, edgeAttributes.kvlist);
    const points = roundTrip({ metrics: everyPointType(), spans: [], logs: [] }).metrics;
    assert.equal((points[2] as NumberPoint).value, 18_446_744_073_709_551_615n);
    assert.equal((points[3] as NumberPoint).value, 1e18);
    assert.equal(typeof (points[3] as NumberPoint).value, 'number');
    assert.equal(typeof points[0]!.timeUnixNano, 'bigint');
    assert.equal((points[5] as HistogramPoint).sum, undefined);
  });

  it('encodes byte views at an offset, and decodes from a Buffer at an offset (as SQLite returns payloads)', () => {
    const backing = new Uint8Array([7, 7, 1, 2, 3, 7]);
    const batch = { metrics: [{ ...everyPointType()[1]!, attributes: { b: backing.subarray(2, 5) } }], spans: [], logs: [] };
    const bytes = encodeBatch(batch);
    const inBuffer = Buffer.concat([Buffer.from([0xff, 0xff]), bytes]).subarray(2);
    const out = decodeBatch(inBuffer).metrics[0]!.attributes.b as Uint8Array;
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
    const wide = { metrics, spans: [], logs: [] };
    assert.deepStrictEqual(roundTrip(wide), wide);
  });

  it('round-trips a realistic batch and an empty one', () => {
    const batch = realisticBatch(1000, 300);
    assert.deepStrictEqual(roundTrip(batch), batch);
    assert.deepStrictEqual(roundTrip({ metrics: [], spans: [], logs: [] }), { metrics: [], spans: [], logs: [] });
  });

  it('writes the format version first (5) and refuses other versions, naming them, and garbage', () => {
    const bytes = encodeBatch({ metrics: [], spans: [], logs: [] });
    assert.equal(CODEC_VERSION, 5);
    assert.equal(bytes[0], CODEC_VERSION);
    const future = Uint8Array.from(bytes);
    for (const version of [99, 6, 0]) {
      future[0] = version;
      assert.throws(
        () => decodeBatch(future),
        (err: unknown) => err instanceof PayloadFormatError && new RegExp(`version ${version}; this build reads versions 3 to 5`).test(err.message),
      );
    }
    assert.throws(() => decodeBatch(new Uint8Array(0)), PayloadFormatError);
    // Versions 1 (msgpack) and 2 came only from development builds before any release.
    for (const old of [encodeMsgpack({ metrics: everyPointType(), spans: [], logs: [] }), Uint8Array.of(2, 0, 0)]) {
      assert.throws(
        () => decodeBatch(old),
        (err: unknown) =>
          err instanceof PayloadFormatError &&
          new RegExp(`format version ${old[0]}, written by a 0.1 development build before any release; this build reads versions 3 to 5`).test(
            err.message,
          ),
      );
    }
    assert.throws(() => decodeBatch(Uint8Array.of(4, 0, 0, 0, 0)), /1 bytes after the batch/);
    assert.throws(() => decodeBatch(Uint8Array.of(3, 0, 0, 0)), /1 bytes after the batch/);
    assert.throws(
      () => decodeBatch(Uint8Array.of(4, 0, 0)),
      (err: unknown) => err instanceof PayloadFormatError && /truncated/.test(err.message),
    );
    assert.throws(
      () => decodeBatch(Uint8Array.of(3, 0x05)),
      (err: unknown) => err instanceof PayloadFormatError && /truncated/.test(err.message),
    );
  });

  it('writes a point attribute set once and shares it among the points that shared it (versions 3 and later)', () => {
    const batch = realisticBatch(10, 0);
    const sets: Attributes[] = [{ route: '/a', code: 200n }, { route: '/b', code: 500n }, {}];
    const metrics = Array.from({ length: 300 }, (_, i) => ({ ...batch.metrics[i % 10]!, attributes: sets[i % 3]! }));
    const shared = { metrics, spans: [], logs: [] };
    const out = roundTrip(shared);
    assert.deepStrictEqual(out, shared);
    assertSameSharing(shared, out);
    assert.equal(out.metrics[0]!.attributes, out.metrics[3]!.attributes);
    assert.notEqual(out.metrics[0]!.attributes, out.metrics[1]!.attributes);
    // Equal sets in distinct objects stay distinct objects (interning is by identity), and come back equal.
    const copies = { metrics: metrics.map((p) => ({ ...p, attributes: { ...p.attributes } })), spans: [], logs: [] };
    assert.deepStrictEqual(roundTrip(copies), copies);
    assert.ok(encodeBatch(shared).length < encodeBatch(copies).length, 'a shared set is written once');
  });

  it('keeps -0 (msgpackr loses it) in values, sums, bounds and attributes', () => {
    const [gauge, , , , histogram] = everyPointType() as [NumberPoint, NumberPoint, NumberPoint, NumberPoint, HistogramPoint];
    const batch = {
      metrics: [
        { ...gauge, value: -0, attributes: { z: -0, list: [-0] } },
        { ...histogram, sum: -0, explicitBounds: [-0, 1], min: -0, max: 0, count: -0, bucketCounts: [-0, 1, 2] },
      ],
      spans: [],
      logs: [],
    };
    assert.deepStrictEqual(roundTrip(batch), batch);
    assert.ok(Object.is((roundTrip(batch).metrics[0] as NumberPoint).value, -0));
  });

  it('keeps ids that are not lowercase hex of at most 16 bytes as they were', () => {
    const [span] = everySpanShape();
    // After the plain odd ones, the neighbours of the hex digits and codes past 127 (the writer's pair table is 7-bit).
    const odd = ['', 'ABCDEF0123456789', 'abc', '0af7651916cd43dd8448eb211c80319c00', 'zz', '0af7651916cd43dd8448eb211c80319', 'ab', 'é0'];
    const edges = ['/0', ':0', '`0', 'g0', '0/', '0:', '0`', '0g', 'aF', 'a\u0080', '\u00e1a', 'a\u0161', '\u0130a', 'a\uffff'];
    for (const id of [...odd, ...edges, '0af7651916cd43dd8448eb211c80319C', `0af7651916cd43dd8448eb211c8031${'\u0139'}c`]) {
      const batch = {
        metrics: [],
        spans: [{ ...span!, traceId: id, spanId: id, parentSpanId: id, links: [{ ...span!.links[0]!, traceId: id, spanId: id }] }],
        logs: [],
      };
      assert.deepStrictEqual(roundTrip(batch), batch, JSON.stringify(id));
    }
  });

  it('writes lone UTF-16 surrogates as U+FFFD (well-formed UTF-8), every other string exactly', () => {
    const batch = {
      metrics: [{ ...everyPointType()[1]!, attributes: { lone: 'a\ud800b', pair: '\ud83d\ude42', 'k\udc00': 'x' } }],
      spans: [],
      logs: [],
    };
    assert.deepStrictEqual(roundTrip(batch).metrics[0]!.attributes, { lone: 'a\ufffdb', pair: '\ud83d\ude42', 'k\ufffd': 'x' });
  });

  it('round-trips strings at every length where the writer changes path or the length prefix grows a byte', () => {
    // 24/25: the JS loop hands over to Buffer's write; 42/43 and 5461/5462: the length slot (3 bytes per unit) grows;
    // 127/128 and 16383/16384 bytes: the length's varuint grows. ASCII, 2-, 3- and 4-byte UTF-8, lone surrogates.
    const lengths = [0, 1, 24, 25, 42, 43, 126, 127, 128, 129, 5461, 5462, 16383, 16384, 70_000];
    const units = ['a', 'é', '€', '🙂', '\ud800'];
    const attributes: Attributes = {};
    for (const length of lengths)
      for (const [u, unit] of units.entries()) attributes[`u${u}-${length}`] = `${'x'.repeat(Math.max(0, length - unit.length))}${unit}`;
    const out = roundTrip({ metrics: [{ ...everyPointType()[1]!, attributes }], spans: [], logs: [] }).metrics[0]!.attributes;
    assert.deepStrictEqual(Object.keys(out), Object.keys(attributes));
    for (const [key, text] of Object.entries(attributes)) {
      // Compared one by one: a failure names the key instead of printing 70,000 characters.
      assert.ok(out[key] === (text as string).replace('\ud800', '\ufffd'), `${key} came back as it was sent`);
    }
  });
});

/**
 * A version-3 payload as the build before log records were queued wrote it (commit b0b0e6a, encodeBatch of
 * V3_FIXTURE_BATCH below): a queue written by that build may hold such payloads when it is upgraded.
 */
const V3_FIXTURE_HEX =
  '03010100010c736572766963652e6e616d65030008636865636b6f757400000000036c696203312e300000000014687474702e7365727665722e' +
  '726571756573747300097b726571756573747d0102010000010b687474702e6d6574686f640300034745540006000053f2dafbf3170600caed2d' +
  'dbfbf31700060700000000000000010000200af7651916cd43dd8448eb211c80319c10b7ad6b7169203331000000040009474554202f63617274' +
  '0806000053f2dafbf317064e610ff3dafbf3170403040000000000000005';

function v3FixtureBatch(): TelemetryBatch {
  const resource: Resource = { attributes: { 'service.name': 'checkout' }, droppedAttributesCount: 0, schemaUrl: '' };
  const scope: InstrumentationScope = { name: 'lib', version: '1.0', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };
  const metric: MetricDescriptor = {
    name: 'http.server.requests',
    description: '',
    unit: '{request}',
    type: 'sum',
    temporality: 'cumulative',
    monotonic: true,
    metadata: {},
  };
  const T0 = 1_726_000_000_000_000_000n;
  return {
    metrics: [
      {
        type: 'sum',
        resource,
        scope,
        metric,
        attributes: { 'http.method': 'GET' },
        startTimeUnixNano: T0,
        timeUnixNano: T0 + 1_000_000_000n,
        flags: 0,
        exemplars: [],
        value: 7n,
      },
    ],
    spans: [
      {
        resource,
        scope,
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        parentSpanId: '',
        traceState: '',
        flags: 1,
        name: 'GET /cart',
        kind: 2,
        startTimeUnixNano: T0,
        endTimeUnixNano: T0 + 12_345_678n,
        attributes: { 'http.method': 'GET' },
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
        status: { code: 0, message: '' },
      },
    ],
    logs: [],
  };
}

describe('queue codec: version 5, a snappy block of a version-4 payload', () => {
  const batch = { metrics: everyPointType(), spans: everySpanShape(), logs: everyLogShape() };

  it('holds exactly the version-4 payload of the same batch, and is smaller on repetitive data', () => {
    const bytes = encodeBatch(batch);
    assert.equal(bytes[0], 5);
    assert.deepStrictEqual([...(snappy.uncompressSync(bytes.subarray(1)) as Buffer)], [...encodeBinary(batch)]);
    const realistic = realisticBatch(1000, 300);
    assert.ok(encodeBatch(realistic).length * 2 < encodeBinary(realistic).length, 'snappy halves a realistic payload at least');
  });

  it('writes into `into` when the payload fits, else a buffer of its own', () => {
    const bytes = encodeBatch(batch);
    const into = new Uint8Array(bytes.length + 10).fill(0xee);
    const written = encodeBatch(batch, into);
    assert.equal(written.buffer, into.buffer);
    assert.deepStrictEqual([...written], [...bytes]);
    assert.equal(into[bytes.length], 0xee, 'nothing written past the payload');
    const small = new Uint8Array(bytes.length - 1);
    assert.notEqual(encodeBatch(batch, small).buffer, small.buffer);
  });

  it('refuses every cut, a block that is not snappy, one holding another layout version, and one claiming too much', () => {
    const bytes = encodeBatch(batch);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.throws(
        () => decodeBatch(bytes.subarray(0, cut)),
        (err: unknown) => err instanceof PayloadFormatError && /format version 5\) does not decode/.test(err.message),
        `cut at ${cut} of ${bytes.length}`,
      );
    }
    const refused = (payload: Uint8Array, reason: RegExp) =>
      assert.throws(
        () => decodeBatch(payload),
        (err: unknown) => err instanceof PayloadFormatError && /format version 5\) does not decode/.test(err.message) && reason.test(err.message),
      );
    refused(Uint8Array.of(5, 0x80, 0x80, 0x80, 0x80, 0x80), /no length header/);
    refused(Uint8Array.of(5, 0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0), /claims 4294967295 bytes out of 8/);
    refused(Uint8Array.of(5, 3, 0xff, 0xff, 0xff), /./);
    const v3Inside = Uint8Array.from([5, ...snappy.compressSync(Buffer.from(V3_FIXTURE_HEX, 'hex'))]);
    refused(v3Inside, /holds layout version 3, not 4/);
    const v5Inside = Uint8Array.from([5, ...snappy.compressSync(bytes)]);
    refused(v5Inside, /holds layout version 5, not 4/);
  });
});

describe('queue codec: log records (version 4)', () => {
  it('round-trips every log record field and edge exactly, resources shared by reference', () => {
    const batch = { metrics: [], spans: [], logs: everyLogShape() };
    const out = roundTrip(batch);
    assert.deepStrictEqual(out, batch);
    assertSameSharing(batch, out);
    const [full, empty, kvlist, bytes, doubles, uint64, int64, oddIds] = out.logs as LogRecord[];
    assert.equal(full!.resource, empty!.resource);
    assert.equal(bytes!.resource, doubles!.resource);
    assert.notEqual(full!.resource, bytes!.resource);
    assert.deepStrictEqual(bytes!.resource, otherResource);
    assert.equal(full!.scope, bytes!.scope);
    assert.equal(empty!.body, null);
    assert.equal(empty!.timeUnixNano, 0n);
    assert.equal(empty!.traceId, '');
    assert.equal(empty!.spanId, '');
    assert.equal(empty!.eventName, 'device.app.lifecycle');
    assert.deepStrictEqual((kvlist!.body as Attributes).exception, { type: 'TypeError', stack: ['at a', { frame: 2n, file: null }] });
    assert.ok(Number.isNaN((kvlist!.body as Attributes).nan));
    assert.equal(Object.getPrototypeOf(bytes!.body), Uint8Array.prototype);
    assert.deepStrictEqual([...(bytes!.body as Uint8Array)], [0, 1, 127, 128, 254, 255]);
    const values = doubles!.body as AttributeValue[];
    assert.ok(Number.isNaN(values[0]));
    assert.deepStrictEqual(values.slice(1, 4), [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324]);
    assert.equal(uint64!.body, 18_446_744_073_709_551_615n);
    assert.equal(uint64!.timeUnixNano, 18_446_744_073_709_551_615n);
    assert.equal(uint64!.flags, 0xffff_ffff);
    assert.equal(uint64!.droppedAttributesCount, 2 ** 31);
    assert.equal(int64!.body, -9_223_372_036_854_775_808n);
    assert.equal(oddIds!.traceId, 'ABCDEF0123456789ABCDEF0123456789');
    assert.equal(oddIds!.spanId, 'not-hex');
    assert.equal(typeof oddIds!.body, 'number');
  });

  it('keeps a body of any value type on its own, -0 included', () => {
    const [record] = everyLogShape();
    const bodies: AttributeValue[] = [
      null,
      '',
      'x',
      -0,
      0,
      1n,
      -1n,
      2n ** 64n - 1n,
      10n ** 30n,
      true,
      false,
      new Uint8Array(0),
      [],
      {},
      [[[{ a: [null] }]]],
    ];
    for (const body of bodies) {
      const batch = { metrics: [], spans: [], logs: [{ ...record!, body }] };
      const out = roundTrip(batch).logs[0]!.body;
      assert.deepStrictEqual(out, body);
      assert.ok(Object.is(out, body) || typeof body === 'object', `${String(body)} came back as ${String(out)}`);
    }
    const negative = roundTrip({ metrics: [], spans: [], logs: [{ ...record!, severityNumber: -0, body: { z: -0 } }] }).logs[0]!;
    assert.ok(Object.is(negative.severityNumber, -0));
    assert.ok(Object.is((negative.body as Attributes).z, -0));
  });

  it('keeps ids that are not lowercase hex of at most 16 bytes as they were', () => {
    const [record] = everyLogShape();
    for (const id of ['', 'ABCDEF0123456789', 'abc', '0af7651916cd43dd8448eb211c80319c00', 'zz', 'ab', 'é0']) {
      const batch = { metrics: [], spans: [], logs: [{ ...record!, traceId: id, spanId: id }] };
      assert.deepStrictEqual(roundTrip(batch), batch, JSON.stringify(id));
    }
  });

  it('writes lone UTF-16 surrogates as U+FFFD in every log string, every other string exactly', () => {
    const [record] = everyLogShape();
    const lone = {
      ...record!,
      severityText: 'WARN\ud800',
      eventName: '\udc00event',
      body: { 'k\ud800': ['a\udc00b', '\ud83d\ude42'] },
      attributes: { 'x\udfff': 'y\ud800' },
    };
    const out = roundTrip({ metrics: [], spans: [], logs: [lone] }).logs[0]!;
    assert.equal(out.severityText, 'WARN\ufffd');
    assert.equal(out.eventName, '\ufffdevent');
    assert.deepStrictEqual(out.body, { 'k\ufffd': ['a\ufffdb', '\ud83d\ude42'] });
    assert.deepStrictEqual(out.attributes, { 'x\ufffd': 'y\ufffd' });
  });

  it('round-trips mixed batches of points, spans and log records, sharing resources and scopes across them', () => {
    const batch = { metrics: everyPointType(), spans: everySpanShape(), logs: everyLogShape() };
    const out = roundTrip(batch);
    assert.deepStrictEqual(out, batch);
    assertSameSharing(batch, out);
    assert.equal(out.logs[0]!.resource, out.metrics[0]!.resource);
    assert.equal(out.logs[0]!.resource, out.spans[0]!.resource);
    assert.equal(out.logs[0]!.scope, out.spans[0]!.scope);
    const realistic = realisticBatch(500, 200, 300);
    const decoded = roundTrip(realistic);
    assert.deepStrictEqual(decoded, realistic);
    assertSameSharing(realistic, decoded);
    assert.equal(batchSize(decoded), 1000);
  });

  it('counts log records in batchSize', () => {
    assert.equal(batchSize({ metrics: everyPointType(), spans: everySpanShape(), logs: everyLogShape() }), everyPointType().length + 2 + 9);
    assert.equal(batchSize({ metrics: [], spans: [], logs: everyLogShape() }), 9);
  });

  it('still decodes a version-3 payload written by the build before, with no log records', () => {
    const v3 = Buffer.from(V3_FIXTURE_HEX, 'hex');
    assert.equal(v3[0], 3);
    const out = decodeBatch(v3);
    assert.deepStrictEqual(out, v3FixtureBatch());
    assert.deepStrictEqual(out.logs, []);
    assert.equal(out.metrics[0]!.resource, out.spans[0]!.resource);
    // The same batch in version 4: the version-3 bytes and a log-record count of 0.
    const v4 = encodeBinary(v3FixtureBatch());
    assert.equal(v4[0], 4);
    assert.deepStrictEqual([...v4.subarray(1)], [...v3.subarray(1), 0]);
    // A version-3 payload ends after its spans: a log section there is bytes after the batch.
    const withLogs = Uint8Array.from([...v3, 0]);
    assert.throws(
      () => decodeBatch(withLogs),
      (err: unknown) => err instanceof PayloadFormatError && /1 bytes after the batch/.test(err.message),
    );
  });

  it('refuses every cut of a version-4 payload inside its log records as a PayloadFormatError', () => {
    const batch = { metrics: [], spans: [], logs: everyLogShape() };
    const bytes = encodeBinary(batch);
    for (let cut = 1; cut < bytes.length; cut++) {
      assert.throws(
        () => decodeBatch(bytes.subarray(0, cut)),
        (err: unknown) => err instanceof PayloadFormatError && /format version 4\) does not decode: truncated/.test(err.message),
        `cut at ${cut} of ${bytes.length}`,
      );
    }
    assert.throws(
      () => decodeBatch(Uint8Array.of(4, 0, 0, 5)),
      (err: unknown) => err instanceof PayloadFormatError && /truncated/.test(err.message),
    );
  });
});

/** The slices of a payload, each checked to hold at most `max` items and all but the last to be full. */
function slicesOf(bytes: Uint8Array, max: number): TelemetryBatch[] {
  const slices = [...decodeBatchSlices(bytes, max)];
  slices.forEach((slice, i) => {
    const size = batchSize(slice);
    assert.ok(i === slices.length - 1 ? size <= max : size === max, `slice ${i} of ${slices.length} holds ${size} items, at most ${max}`);
  });
  return slices;
}

function joined(slices: readonly TelemetryBatch[]): TelemetryBatch {
  return { metrics: slices.flatMap((s) => s.metrics), spans: slices.flatMap((s) => s.spans), logs: slices.flatMap((s) => s.logs) };
}

describe('queue codec: decoding in slices (what delivery does, issue 13)', () => {
  it('slices a mixed payload in order, points then spans then log records, into what decodeBatch gives, sharing kept', () => {
    const batch = { metrics: everyPointType(), spans: everySpanShape(), logs: everyLogShape() };
    const bytes = encodeBatch(batch);
    for (const max of [1, 2, 3, 7, batchSize(batch) - 1, batchSize(batch), batchSize(batch) + 1]) {
      const slices = slicesOf(bytes, max);
      assert.equal(slices.length, Math.max(1, Math.ceil(batchSize(batch) / max)), `max ${max}`);
      const out = joined(slices);
      assert.deepStrictEqual(out, batch, `max ${max}`);
      assertSameSharing(batch, out);
    }
    // A slice at the boundary between kinds holds both, in order.
    const [first, second] = slicesOf(bytes, everyPointType().length + 1);
    assert.equal(first!.metrics.length, everyPointType().length);
    assert.equal(first!.spans.length, 1);
    assert.equal(second!.metrics.length, 0);
  });

  it('gives one empty slice for an empty batch, and a version-3 payload without log records', () => {
    assert.deepStrictEqual([...decodeBatchSlices(encodeBatch({ metrics: [], spans: [], logs: [] }), 5)], [{ metrics: [], spans: [], logs: [] }]);
    assert.deepStrictEqual(joined(slicesOf(Buffer.from(V3_FIXTURE_HEX, 'hex'), 1)), v3FixtureBatch());
  });

  it('throws a PayloadFormatError naming the fault when the slice reaching it is taken, and refuses bad versions at once', () => {
    const batch = { metrics: everyPointType(), spans: everySpanShape(), logs: everyLogShape() };
    const bytes = encodeBinary(batch);
    for (let cut = 1; cut < bytes.length; cut++) {
      const taken: TelemetryBatch[] = [];
      assert.throws(
        () => {
          for (const slice of decodeBatchSlices(bytes.subarray(0, cut), 2)) taken.push(slice);
        },
        (err: unknown) => err instanceof PayloadFormatError && /format version 4\) does not decode: truncated/.test(err.message),
        `cut at ${cut} of ${bytes.length}`,
      );
      // What came before the fault is what the whole payload starts with.
      const before = joined(taken);
      assert.deepStrictEqual(before.metrics, batch.metrics.slice(0, before.metrics.length), `cut at ${cut}`);
      assert.deepStrictEqual(before.spans, batch.spans.slice(0, before.spans.length), `cut at ${cut}`);
    }
    assert.throws(
      () => [...decodeBatchSlices(Uint8Array.of(9, 0, 0, 0), 2)],
      (err: unknown) => err instanceof PayloadFormatError && /version 9/.test(err.message),
    );
    assert.throws(
      () => [...decodeBatchSlices(new Uint8Array(0), 2)],
      (err: unknown) => err instanceof PayloadFormatError && /empty/.test(err.message),
    );
  });
});

describe('queue codec: against the msgpackr reference', () => {
  it('the reference round-trips every point type, span shape and log record shape, a realistic batch, shared references', () => {
    const batch = { metrics: everyPointType(), spans: everySpanShape(), logs: everyLogShape() };
    assert.deepStrictEqual(referenceRoundTrip(batch), batch);
    const realistic = realisticBatch(300, 100, 100);
    const out = referenceRoundTrip(realistic);
    assert.deepStrictEqual(out, realistic);
    assert.equal(out.metrics[0]!.resource, out.spans[0]!.resource);
    assert.equal(out.metrics[0]!.resource, out.logs[0]!.resource);
  });

  it('version 4 decodes to what the reference decodes to (differential)', () => {
    const batches = [
      { metrics: everyPointType(), spans: everySpanShape(), logs: everyLogShape() },
      realisticBatch(500, 200),
      realisticBatch(0, 0, 300),
      { metrics: [], spans: [], logs: [] },
    ];
    for (const batch of batches) {
      assert.deepStrictEqual(roundTrip(batch), referenceRoundTrip(batch));
    }
  });
});

// ---- seeded fuzz ----

/** Random model batches: every field of every point type, span and log record, odd numbers and strings, shared objects. */
class Gen {
  constructor(
    private readonly next: () => number,
    /** Leave out what msgpackr cannot keep (-0) or write (bigints beyond int64/uint64), for the differential. */
    private readonly forReference = false,
  ) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  list<T>(max: number, make: () => T): T[] {
    return Array.from({ length: this.int(max + 1) }, make);
  }
  /** Well-formed strings: ASCII mostly, any plane sometimes, long now and then. */
  string(maxLength = 12): string {
    const alphabets = ['abcdefghijklmnopqrstuvwxyz_.', '0123456789-:/ ', 'éßüñ€', '日本語中文', '🙂🚀𝄞', '\u0000\u007f\u0080\u07ff\u0800\uffff'];
    const length = this.chance(0.05) ? this.int(300) : this.int(maxLength + 1);
    const mostly = this.chance(0.8) ? alphabets[0]! : this.pick(alphabets);
    let text = '';
    for (let i = 0; i < length; i++) {
      const chars = [...(this.chance(0.9) ? mostly : this.pick(alphabets))];
      text += chars[this.int(chars.length)];
    }
    return text;
  }
  double(): number {
    switch (this.int(6)) {
      case 0:
        return this.pick([Number.NaN, Infinity, -Infinity, 0, this.forReference ? 0 : -0, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE]);
      case 1:
        return this.int(1000);
      case 2:
        return (this.next() - 0.5) * 10 ** (this.int(40) - 20);
      case 3:
        return this.pick([2 ** 29, -(2 ** 29), 2 ** 29 - 1, -(2 ** 29) + 1, 2 ** 31, 2 ** 32 + 1, 2 ** 53, -(2 ** 53), 0.5]);
      default:
        return this.next() * 1e6;
    }
  }
  /** Numbers in integer fields (counts, flags, enums): small mostly, anything sometimes. */
  count(): number {
    return this.chance(0.85) ? this.int(this.pick([2, 128, 20_000, 2 ** 31])) : this.double();
  }
  bigint(): bigint {
    switch (this.int(7)) {
      case 0:
        return this.pick([
          0n,
          -1n,
          2n ** 63n - 1n,
          -(2n ** 63n),
          2n ** 63n,
          2n ** 64n - 1n,
          ...(this.forReference ? [] : [2n ** 64n, -(2n ** 63n) - 1n, 10n ** 40n, -(10n ** 30n)]),
        ]);
      case 1:
        return BigInt(this.int(1000));
      case 2:
        return -BigInt(this.int(2 ** 31));
      default:
        return 1_700_000_000_000_000_000n + BigInt(this.int(2 ** 40)) * 1000n + BigInt(this.int(1000));
    }
  }
  timestamp(): bigint {
    return this.chance(0.9) ? 1_700_000_000_000_000_000n + BigInt(this.int(2 ** 40)) * 1000n : this.bigint();
  }
  value(depth = 0): AttributeValue {
    switch (this.int(depth > 2 ? 7 : 9)) {
      case 0:
        return this.string(20);
      case 1:
        return this.double();
      case 2:
        return this.bigint();
      case 3:
        return this.chance(0.5);
      case 4:
        return null;
      case 5:
        return new Uint8Array(this.list(this.chance(0.1) ? 200 : 6, () => this.int(256)));
      case 6:
        return this.string(4);
      case 7:
        return this.list(5, () => this.value(depth + 1));
      default:
        return this.attributes(depth + 1);
    }
  }
  attributes(depth = 0): Attributes {
    const out: Attributes = {};
    const keys = ['http.method', 'http.route', 'service.name', 'k', '', '2xx', 'é'];
    for (let i = this.int(depth > 0 ? 4 : 7); i > 0; i--) out[this.chance(0.7) ? this.pick(keys) : this.string(10)] = this.value(depth);
    return out;
  }
  resource(): Resource {
    return { attributes: this.attributes(), droppedAttributesCount: this.count(), schemaUrl: this.chance(0.5) ? '' : this.string(30) };
  }
  scope(): InstrumentationScope {
    return {
      name: this.string(20),
      version: this.string(6),
      attributes: this.attributes(),
      droppedAttributesCount: this.count(),
      schemaUrl: this.string(4),
    };
  }
  descriptor(): MetricDescriptor {
    return {
      name: this.string(20),
      description: this.string(30),
      unit: this.pick(['', 's', 'By', '{request}', this.string(4)]),
      type: this.pick(['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const),
      temporality: this.pick(['unspecified', 'delta', 'cumulative'] as const),
      monotonic: this.chance(0.5),
      metadata: this.chance(0.8) ? {} : this.attributes(),
    };
  }
  hex(bytes: number): string {
    if (this.chance(0.1)) return this.chance(0.5) ? '' : this.string(8);
    let text = '';
    for (let i = 0; i < bytes; i++) text += this.int(256).toString(16).padStart(2, '0');
    return text;
  }
  numberOrBigint(): number | bigint {
    return this.chance(0.7) ? this.double() : this.bigint();
  }
  exemplar(): Exemplar {
    return {
      filteredAttributes: this.attributes(),
      timeUnixNano: this.timestamp(),
      value: this.numberOrBigint(),
      traceId: this.hex(16),
      spanId: this.hex(8),
    };
  }
  maybe(): number | undefined {
    return this.chance(0.7) ? this.double() : undefined;
  }
  /** Point attribute sets of the batch being made: points often share one (as the OTLP reader hands them over). */
  private sets: Attributes[] = [];
  pointAttributes(): Attributes {
    if (this.sets.length > 0 && this.chance(0.4)) return this.pick(this.sets);
    const set = this.attributes();
    this.sets.push(set);
    return set;
  }
  /** Histogram bounds of the batch being made: the points of a histogram mostly share one array (as the OTLP reader hands them over). */
  private boundsLists: number[][] = [];
  bounds(make: () => number[]): number[] {
    if (this.boundsLists.length > 0 && this.chance(0.5)) return this.pick(this.boundsLists);
    const bounds = make();
    this.boundsLists.push(bounds);
    return bounds;
  }
  point(resource: Resource, scope: InstrumentationScope, metric: MetricDescriptor): MetricPoint {
    const base = {
      resource,
      scope,
      metric,
      attributes: this.pointAttributes(),
      startTimeUnixNano: this.timestamp(),
      timeUnixNano: this.timestamp(),
      flags: this.count(),
      exemplars: this.chance(0.2) ? this.list(3, () => this.exemplar()) : [],
    };
    const doubles = (max: number) => this.list(max, () => this.double());
    const counts = (max: number) => this.list(max, () => this.count());
    switch (metric.type) {
      case 'gauge':
      case 'sum':
        return { ...base, type: metric.type, value: this.numberOrBigint() };
      case 'histogram':
        return {
          ...base,
          type: 'histogram',
          count: this.count(),
          sum: this.maybe(),
          bucketCounts: counts(12),
          explicitBounds: this.bounds(() => doubles(11)),
          min: this.maybe(),
          max: this.maybe(),
        };
      case 'exponential_histogram':
        return {
          ...base,
          type: 'exponential_histogram',
          count: this.count(),
          sum: this.maybe(),
          scale: this.int(30) - 10,
          zeroCount: this.count(),
          zeroThreshold: this.double(),
          positive: { offset: this.int(200) - 100, bucketCounts: counts(40) },
          negative: { offset: this.chance(0.9) ? this.int(20) - 10 : this.double(), bucketCounts: counts(5) },
          min: this.maybe(),
          max: this.maybe(),
        };
      case 'summary':
        return {
          ...base,
          type: 'summary',
          count: this.count(),
          sum: this.double(),
          quantileValues: this.list(5, () => ({ quantile: this.double(), value: this.double() })),
        };
    }
  }
  span(resource: Resource, scope: InstrumentationScope): Span {
    return {
      resource,
      scope,
      traceId: this.hex(16),
      spanId: this.hex(8),
      parentSpanId: this.chance(0.3) ? '' : this.hex(8),
      traceState: this.chance(0.8) ? '' : this.string(30),
      flags: this.count(),
      name: this.string(30),
      kind: this.int(6) as Span['kind'],
      startTimeUnixNano: this.timestamp(),
      endTimeUnixNano: this.timestamp(),
      attributes: this.attributes(),
      droppedAttributesCount: this.count(),
      events: this.chance(0.3)
        ? this.list(4, () => ({
            timeUnixNano: this.timestamp(),
            name: this.string(12),
            attributes: this.attributes(),
            droppedAttributesCount: this.count(),
          }))
        : [],
      droppedEventsCount: this.count(),
      links: this.chance(0.2)
        ? this.list(3, () => ({
            traceId: this.hex(16),
            spanId: this.hex(8),
            traceState: this.string(10),
            attributes: this.attributes(),
            droppedAttributesCount: this.count(),
            flags: this.count(),
          }))
        : [],
      droppedLinksCount: this.count(),
      status: { code: this.int(3) as Span['status']['code'], message: this.chance(0.7) ? '' : this.string(40) },
    };
  }
  logRecord(resource: Resource, scope: InstrumentationScope): LogRecord {
    return {
      resource,
      scope,
      timeUnixNano: this.chance(0.1) ? 0n : this.timestamp(),
      observedTimeUnixNano: this.timestamp(),
      severityNumber: this.chance(0.9) ? this.int(25) : this.count(),
      severityText: this.chance(0.8) ? this.pick(['', 'INFO', 'WARN', 'ERROR', 'DEBUG']) : this.string(10),
      body: this.chance(0.1) ? null : this.value(),
      attributes: this.attributes(),
      droppedAttributesCount: this.count(),
      flags: this.count(),
      traceId: this.chance(0.3) ? '' : this.hex(16),
      spanId: this.chance(0.3) ? '' : this.hex(8),
      eventName: this.chance(0.8) ? '' : this.string(20),
    };
  }
  batch(): TelemetryBatch {
    this.sets = [];
    this.boundsLists = [];
    const resources = this.list(3, () => this.resource());
    const scopes = this.list(3, () => this.scope());
    const metrics = this.list(5, () => this.descriptor());
    if (resources.length === 0 || scopes.length === 0) return { metrics: [], spans: [], logs: [] };
    const points =
      metrics.length === 0
        ? []
        : this.list(this.chance(0.1) ? 300 : 30, () => this.point(this.pick(resources), this.pick(scopes), this.pick(metrics)));
    const spans = this.list(this.chance(0.1) ? 200 : 20, () => this.span(this.pick(resources), this.pick(scopes)));
    const logs = this.list(this.chance(0.1) ? 200 : 20, () => this.logRecord(this.pick(resources), this.pick(scopes)));
    return { metrics: points, spans, logs };
  }
}

const FUZZ_MS = Number(process.env.MANIFOLD_FUZZ_MS ?? 3_000);

const fuzz = (name: string, one: (random: () => number, seed: number) => void, minCases = 0): number => runFuzz(name, FUZZ_MS, one, minCases);

/**
 * Same sharing in and out: two items share a resource (scope, descriptor; with `fields` 4, a point attribute set,
 * which versions 3 and later keep shared) out exactly when they did in.
 */
function assertSameSharing(input: TelemetryBatch, output: TelemetryBatch, fields = 4): void {
  const items = (b: TelemetryBatch) => [
    ...b.metrics.map((p) => [p.resource, p.scope, p.metric, p.attributes] as object[]),
    ...b.spans.map((s) => [s.resource, s.scope] as object[]),
    ...b.logs.map((r) => [r.resource, r.scope] as object[]),
  ];
  const a = items(input);
  const b = items(output);
  for (let field = 0; field < fields; field++) {
    const firstIn = new Map<object, number>();
    const firstOut = new Map<object, number>();
    a.forEach((refs, i) => {
      if (refs[field] === undefined) return;
      if (!firstIn.has(refs[field]!)) firstIn.set(refs[field]!, i);
      if (!firstOut.has(b[i]![field]!)) firstOut.set(b[i]![field]!, i);
      assert.equal(firstOut.get(b[i]![field]!), firstIn.get(refs[field]!), `item ${i}, shared object ${field}`);
    });
  }
}

describe('queue codec: seeded fuzz', () => {
  it('round-trips random batches exactly (every field of points, spans and log records, -0, NaN, bigints, bytes, nesting, sharing)', () => {
    const cases = fuzz(
      'round trip',
      (random) => {
        const batch = new Gen(random).batch();
        // As written (version 5) and as the layout alone (version 4).
        for (const bytes of [encodeBatch(batch), encodeBinary(batch)]) {
          const out = decodeBatch(bytes);
          assert.deepStrictEqual(out, batch);
          assertSameSharing(batch, out, 4);
          // In slices of any size, the same batch.
          const sliced = joined(slicesOf(bytes, 1 + Math.floor(random() * 40)));
          assert.deepStrictEqual(sliced, batch);
          assertSameSharing(batch, sliced, 4);
          // Any cut of the payload is refused as a PayloadFormatError, never something else.
          const cut = 1 + Math.floor(random() * (bytes.length - 1));
          if (cut < bytes.length) assert.throws(() => decodeBatch(bytes.subarray(0, cut)), PayloadFormatError);
        }
      },
      200,
    );
    assert.ok(cases >= 200 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  round trip: ${cases} batches`);
  });

  it('decodes to what the msgpackr reference decodes to, for batches msgpackr keeps (no -0, no bigints beyond 64 bits)', () => {
    const cases = fuzz(
      'version 4 vs reference',
      (random) => {
        const batch = new Gen(random, true).batch();
        assert.deepStrictEqual(roundTrip(batch), referenceRoundTrip(batch));
      },
      200,
    );
    assert.ok(cases >= 200 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  version 4 vs reference: ${cases} batches`);
  });

  it('corrupted payloads decode or are refused as a PayloadFormatError, never anything else', () => {
    const cases = fuzz('corrupted payloads', (random) => {
      const batch = new Gen(random).batch();
      // Version 5's snappy block, and the version-4 layout itself (inside a block, most flips fail the block).
      for (const bytes of [Uint8Array.from(encodeBatch(batch)), encodeBinary(batch)]) {
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
          const at = 1 + Math.floor(random() * (bytes.length - 1));
          if (at < bytes.length) bytes[at] = Math.floor(random() * 256);
        }
        try {
          decodeBatch(bytes);
        } catch (error) {
          assert.ok(error instanceof PayloadFormatError, `${(error as Error).name}: ${(error as Error).message}`);
        }
      }
    });
    console.log(`  corrupted payloads: ${cases} batches`);
  });
});
