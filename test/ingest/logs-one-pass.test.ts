/**
 * The one-pass logs writer (src/ingest/logs-one-pass.ts) against the two-pass path it stands in for (decodeLogs,
 * then encodeBatch): the same payload bytes and counts, or no payload at all and the two-pass path taken. The SDK's
 * requests (every body type, and the bench's 1,500-record request) must take the one-pass path; each case it leaves
 * to the two-pass path is checked to do so, and decodeOne() to give the two-pass result either way. The fuzz of
 * test/otlp/reader-differential.test.ts makes the same comparison on random and mutated requests.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { buildLogs } from '../../bench/payloads.js';
import { decodeOne, decodeTwoPass } from '../../src/ingest/decode-core.js';
import { encodeLogsOnePass } from '../../src/ingest/logs-one-pass.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from '../../src/otlp/index.js';
import { ExportLogsServiceRequest, protoRoot } from '../../src/otlp/proto.js';
import { decodeBatch } from '../../src/queue/codec.js';
import { makeLogRecords } from '../otlp/logs-fixtures.js';

const T = '1763800000000000000';
const TRACE_ID = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
const SPAN_ID = Buffer.from('a1a2a3a4a5a6a7a8', 'hex');
const LogRecordType = protoRoot.lookupType('opentelemetry.proto.logs.v1.LogRecord');
const LONG = 'GET /api/v1/items/{id} answered 200 in 12 ms for user 42 from 10.0.7.19 (cache miss)';

const request = (records: object[]) =>
  ExportLogsServiceRequest.encode(
    ExportLogsServiceRequest.fromObject({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeLogs: [{ scope: { name: 'pino', version: '1' }, logRecords: records }],
        },
      ],
    }),
  ).finish();
const record = (o: object = {}) => ({
  timeUnixNano: T,
  observedTimeUnixNano: T,
  severityNumber: 9,
  severityText: 'INFO',
  body: { stringValue: LONG },
  attributes: [
    { key: 'code.function', value: { stringValue: 'handleRequest' } },
    { key: 'http.response.status_code', value: { intValue: 200 } },
  ],
  traceId: TRACE_ID,
  spanId: SPAN_ID,
  ...o,
});

/** A length-delimited field: tag, length, bytes. */
const field = (tag: number, bytes: Buffer) => Buffer.concat([Buffer.from([tag]), varint(bytes.length), bytes]);
const varint = (n: number) => {
  const out: number[] = [];
  for (; n > 127; n >>>= 7) out.push((n & 127) | 128);
  return Buffer.from([...out, n]);
};
/** A LogRecord's bytes as a whole request (resourceLogs > scopeLogs > logRecords). */
const wrap = (logRecord: Buffer) => field(0x0a, field(0x12, field(0x12, logRecord)));
/** The one-pass result when it writes the request (asserted equal to the two-pass one), undefined when it does not. */
function onePass(body: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS) {
  const twoPass = decodeTwoPass('logs', body, 'protobuf', limits);
  const written = encodeLogsOnePass(body, limits);
  if (written !== undefined) assert.deepStrictEqual(written, twoPass, 'the one-pass payload and counts are the two-pass ones');
  assert.deepStrictEqual(decodeOne('logs', body, 'protobuf', limits), twoPass, 'decodeOne gives the two-pass result');
  return written;
}

describe('logs in one pass: the same payload as decode + encode', () => {
  it("writes the SDK's requests: every body type, and the bench's 1,500 records", async () => {
    const fixtures = onePass(ProtobufLogsSerializer.serializeRequest(await makeLogRecords())!);
    assert.ok(fixtures !== undefined && fixtures.items > 0);
    const bench = onePass(ProtobufLogsSerializer.serializeRequest(await buildLogs())!);
    assert.equal(bench?.items, 1500);
    assert.equal(decodeBatch(bench.payload).logs.length, 1500);
  });

  it('copies long ASCII bodies, and reads the rest as the two-pass path does', () => {
    const bodies = [
      LONG,
      'x'.repeat(64), // interned by the writer: through a string
      'x'.repeat(65), // the shortest copied
      `${LONG}é`, // not ASCII
      `${LONG}\u{1F600}`,
      '',
      'short',
    ];
    for (const text of bodies) assert.ok(onePass(request([record({ body: { stringValue: text } })])), JSON.stringify(text));
    // Not a lone string field: an int body, a string with an int alongside (the string wins), no body.
    assert.ok(onePass(request([record({ body: { intValue: 5 } })])));
    assert.ok(onePass(request([record({ body: { stringValue: LONG, intValue: 5 } })])));
    assert.ok(onePass(request([record({ body: undefined, attributes: [] })])));
    // A body longer than the value limit is cut by the two-pass path's readers, counted in truncatedValues.
    const cut = onePass(request([record()]), { ...DEFAULT_DECODE_LIMITS, maxAttributeValueLength: 70 });
    assert.equal(cut?.truncatedValues, 1);
    // Invalid UTF-8 in a long body: not ASCII, so decoded (replacement characters) as the two-pass path does.
    const bytes = Buffer.from(request([record()]));
    bytes[bytes.indexOf(Buffer.from('cache miss'))] = 0xff;
    assert.ok(onePass(bytes));
  });

  it('writes records with many attributes, and tells a repeated key among them', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ key: `attribute.${i}`, value: { stringValue: `value ${i % 7}` } }));
    assert.ok(onePass(request([record({ attributes: many }), record({ attributes: many.slice(3) })])));
    const repeated = [...many.slice(0, 30), { key: 'attribute.2', value: { intValue: 1 } }];
    assert.equal(encodeLogsOnePass(request([record({ attributes: repeated })]), DEFAULT_DECODE_LIMITS), undefined);
    onePass(request([record({ attributes: repeated })]));
  });

  it('leaves the off cases to the two-pass path, which then gives its result', () => {
    const left = [
      request([record({ traceId: Buffer.alloc(16) })]), // rejected: all-zero trace id
      request([record({ spanId: Buffer.alloc(3, 1) })]), // rejected: short span id
      request([record({ traceId: undefined })]), // rejected: a span id without a trace id
      request([record({ severityNumber: 25 })]), // rejected: severity
      request([record({ timeUnixNano: String(2n ** 63n) })]), // rejected: beyond int64
      request([record({ attributes: [...record().attributes, { key: 'code.function', value: { stringValue: 'x' } }] })]), // a key twice
      request([record({ attributes: [{ key: '7', value: { stringValue: 'x' } }] })]), // listed first by an object
      request([record({ attributes: [{ key: '__proto__', value: { stringValue: 'x' } }] })]),
      request([record({ attributes: [{ key: 'k'.repeat(65), value: { stringValue: 'x' } }] })]), // no string-table index
      Buffer.from(request([record()])).subarray(0, 60), // malformed: the two-pass path's error
    ];
    for (const [i, body] of left.entries()) {
      assert.equal(encodeLogsOnePass(body, DEFAULT_DECODE_LIMITS), undefined, `case ${i}`);
      if (i < left.length - 1) onePass(body);
      else assert.throws(() => decodeOne('logs', body, 'protobuf', DEFAULT_DECODE_LIMITS), /invalid protobuf/);
    }
    // A body sent twice: the last wins, but the first must decode too (here it does not), so the two-pass path reads it.
    const badFirstBody = Buffer.from([0x2a, 0x02, 0x0a, 0x05]); // body: a string claiming 5 bytes, none there
    const twice = wrap(Buffer.concat([badFirstBody, Buffer.from(LogRecordType.encode(LogRecordType.fromObject(record())).finish())]));
    assert.ok(onePass(wrap(Buffer.from(LogRecordType.encode(LogRecordType.fromObject(record())).finish()))), 'the same record alone is written');
    assert.equal(encodeLogsOnePass(twice, DEFAULT_DECODE_LIMITS), undefined);
    assert.throws(() => decodeOne('logs', twice, 'protobuf', DEFAULT_DECODE_LIMITS), /invalid protobuf/);
    // The same for an attribute's value sent twice.
    const keyValue = Buffer.concat([field(0x0a, Buffer.from('k')), field(0x12, Buffer.from([0x0a, 0x05])), field(0x12, Buffer.from([0x18, 0x01]))]);
    const valueTwice = wrap(Buffer.concat([field(0x32, keyValue), Buffer.from(LogRecordType.encode(LogRecordType.fromObject(record())).finish())]));
    assert.equal(encodeLogsOnePass(valueTwice, DEFAULT_DECODE_LIMITS), undefined);
    assert.throws(() => decodeOne('logs', valueTwice, 'protobuf', DEFAULT_DECODE_LIMITS), /invalid protobuf/);
    // Past the attribute limit: two-pass, which drops and counts.
    const limited = { ...DEFAULT_DECODE_LIMITS, maxAttributes: 1 };
    assert.equal(encodeLogsOnePass(request([record()]), limited), undefined);
    assert.equal(decodeOne('logs', request([record()]), 'protobuf', limited).droppedAttributes, 1);
  });

  it('an empty request has an empty payload, as in the two-pass path', () => {
    const empty = onePass(request([]));
    assert.deepEqual(empty?.payload, new Uint8Array(0));
    assert.equal(empty?.items, 0);
  });
});
