import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import pino from 'pino';
import { DecodePool, createDecoder } from '../../src/ingest/decode-pool.js';
import { DEFAULT_DECODE_LIMITS, OtlpDecodeError, decodeTraces } from '../../src/otlp/index.js';
import { decodeBatch, encodeBatch } from '../../src/queue/codec.js';
import { BodyPool } from '../../src/receivers/body-pool.js';
import { IngestRefusedError } from '../../src/delivery/ingest-sink.js';
import { makeSpans } from '../otlp/fixtures.js';

const logger = pino({ level: 'silent' });
const body = (): Uint8Array => ProtobufTraceSerializer.serializeRequest(makeSpans())!;
/** Concatenated protobuf requests decode as one request with all their spans: a body that takes a while. */
const bigBody = (): Uint8Array => Buffer.concat(Array.from({ length: 400 }, () => body()));

describe('decode pool', () => {
  let restarts = 0;
  const pool = new DecodePool({ threads: 2, limits: DEFAULT_DECODE_LIMITS, logger, onWorkerExit: () => restarts++ });
  after(() => pool.close());

  it('decodes and encodes like the inline path, off the main thread', async () => {
    const bytes = body();
    const expected = decodeTraces(bytes, 'protobuf');
    const inline = await createDecoder({ threads: 0, limits: DEFAULT_DECODE_LIMITS, logger }).decode('traces', bytes, 'protobuf');
    const pooled = await pool.decode('traces', Buffer.from(bytes), 'protobuf');
    assert.equal(pooled.items, expected.batch.spans.length);
    assert.deepEqual(pooled.rejected, expected.rejected);
    assert.deepEqual(decodeBatch(pooled.payload), decodeBatch(inline.payload));
    assert.deepEqual(
      decodeBatch(pooled.payload).spans.map((s) => s.name),
      expected.batch.spans.map((s) => s.name),
    );
  });

  it('a body that does not decode comes back as an OtlpDecodeError with its message', async () => {
    const garbage = Buffer.from('hello, world! this is not protobuf');
    let inlineMessage = '';
    try {
      decodeTraces(garbage, 'protobuf');
    } catch (error) {
      inlineMessage = (error as Error).message;
    }
    await assert.rejects(pool.decode('traces', garbage, 'protobuf'), (error: unknown) => {
      assert.ok(error instanceof OtlpDecodeError, `an OtlpDecodeError, got ${String(error)}`);
      assert.equal(error.message, inlineMessage);
      return true;
    });
    await assert.rejects(pool.decode('metrics', Buffer.from('{"resourceMetrics": 7}'), 'json'), OtlpDecodeError);
  });

  it('a slice of a larger buffer is copied, not transferred away from its owner', async () => {
    const bytes = body();
    const big = Buffer.alloc(bytes.length + 100, 7);
    big.set(bytes, 50);
    const slice = big.subarray(50, 50 + bytes.length);
    const result = await pool.decode('traces', slice, 'protobuf');
    assert.equal(result.items, decodeTraces(bytes, 'protobuf').batch.spans.length);
    assert.equal(big.length, bytes.length + 100, 'the owner keeps its memory');
    assert.equal(big[0], 7);
  });

  it('a body in shared memory (the HTTP receiver body pool) is shared, not copied or detached, and decodes the same', async () => {
    const bytes = body();
    const bodies = new BodyPool();
    const view = bodies.take(bytes.length);
    view.set(bytes);
    const pooled = await pool.decode('traces', view, 'protobuf');
    assert.equal(view.byteLength, bytes.length, 'still readable by its owner');
    assert.deepEqual(
      decodeBatch(pooled.payload),
      decodeBatch((await createDecoder({ threads: 0, limits: DEFAULT_DECODE_LIMITS, logger }).decode('traces', bytes, 'protobuf')).payload),
    );
    bodies.release(view);
    assert.equal(bodies.take(bytes.length).buffer, view.buffer, 'the released buffer is handed out again');
  });

  it('writes the payload of a shared body over that body (no buffer transferred), from its first byte; a plain body gets its own', async () => {
    const bytes = body();
    const inline = (await createDecoder({ threads: 0, limits: DEFAULT_DECODE_LIMITS, logger }).decode('traces', bytes, 'protobuf')).payload;
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length + 64), 32, bytes.length);
    shared.set(bytes);
    const fence = new Uint8Array(shared.buffer);
    fence.fill(0xee, 0, 32);
    fence.fill(0xee, 32 + bytes.length);
    const pooled = await pool.decode('traces', shared, 'protobuf');
    assert.ok(inline.length < bytes.length, 'the fixture payload is smaller than its body');
    assert.equal(pooled.payload.buffer, shared.buffer);
    assert.equal(pooled.payload.byteOffset, shared.byteOffset);
    assert.deepEqual(Buffer.from(pooled.payload), Buffer.from(inline), 'the same bytes as the inline path');
    assert.ok(
      fence.subarray(0, 32).every((b) => b === 0xee) && fence.subarray(32 + bytes.length).every((b) => b === 0xee),
      'nothing written outside the body',
    );
    const plain = await pool.decode('traces', Buffer.from(bytes), 'protobuf');
    assert.ok(plain.payload.buffer instanceof ArrayBuffer);
    assert.deepEqual(Buffer.from(plain.payload), Buffer.from(inline));
  });

  it('a payload longer than the shared body is not written there (encodeBatch `into`): it gets a buffer of its own', async () => {
    const payload = (await createDecoder({ threads: 0, limits: DEFAULT_DECODE_LIMITS, logger }).decode('traces', body(), 'protobuf')).payload;
    const tiny = new Uint8Array(new SharedArrayBuffer(8));
    const out = encodeBatch(decodeBatch(payload), tiny);
    assert.notEqual(out.buffer, tiny.buffer);
    assert.deepEqual(Buffer.from(out), Buffer.from(payload));
    assert.ok(tiny.every((b) => b === 0));
  });

  it('answers many concurrent requests', async () => {
    const expected = decodeTraces(body(), 'protobuf').batch.spans.length;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        pool.decode('traces', i % 7 === 0 ? Buffer.from('garbage!') : body(), 'protobuf').then(
          (r) => r.items,
          (e: unknown) => (e instanceof OtlpDecodeError ? -1 : Promise.reject(e)),
        ),
      ),
    );
    assert.equal(results.length, 100);
    for (const [i, items] of results.entries()) assert.equal(items, i % 7 === 0 ? -1 : expected, `request ${i}`);
    assert.equal(pool.pending, 0);
  });

  it('a killed worker is replaced, and the requests it held fail as unavailable instead of hanging', async () => {
    const before = pool.threadIds;
    const bodies = Array.from({ length: 6 }, () => bigBody());
    const inFlight = bodies.map((b) =>
      pool.decode('traces', b, 'protobuf').then(
        () => 'ok',
        (e: unknown) => e,
      ),
    );
    await pool.killWorker(0);
    const outcomes = await Promise.all(inFlight);
    const failed = outcomes.filter((o) => o !== 'ok');
    assert.ok(failed.length > 0, 'some requests were on the killed worker');
    for (const error of failed) {
      assert.ok(error instanceof IngestRefusedError, `an IngestRefusedError, got ${String(error)}`);
      assert.equal(error.reason, 'unavailable');
    }
    assert.equal(pool.pending, 0);
    // The replacement takes requests.
    const deadline = Date.now() + 10_000;
    while (pool.threadIds[0] === before[0] && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.notEqual(pool.threadIds[0], before[0], 'worker 0 was replaced');
    assert.equal(restarts, 1, 'the restart is reported (manifold_decode_worker_restarts_total)');
    const results = await Promise.all(Array.from({ length: 8 }, () => pool.decode('traces', body(), 'protobuf')));
    for (const result of results) assert.ok(result.items > 0);
  });

  it('refuses as overloaded past its per-worker bound, and closes after draining', async () => {
    const small = new DecodePool({ threads: 1, limits: DEFAULT_DECODE_LIMITS, logger, maxQueuedPerWorker: 2 });
    const a = small.decode('traces', body(), 'protobuf');
    const b = small.decode('traces', body(), 'protobuf');
    await assert.rejects(small.decode('traces', body(), 'protobuf'), (e: unknown) => e instanceof IngestRefusedError && e.reason === 'overloaded');
    const closing = small.close();
    await assert.rejects(small.decode('traces', body(), 'protobuf'), (e: unknown) => e instanceof IngestRefusedError && e.reason === 'unavailable');
    assert.ok((await a).items > 0);
    assert.ok((await b).items > 0);
    await closing;
  });

  it('stops a worker after its idle period without counting a restart, and starts one again for the next request', async () => {
    let exits = 0;
    const idle = new DecodePool({ threads: 1, limits: DEFAULT_DECODE_LIMITS, logger, idleStopMs: 50, onWorkerExit: () => exits++ });
    try {
      const first = idle.threadIds[0];
      assert.ok((await idle.decode('traces', body(), 'protobuf')).items > 0);
      const deadline = Date.now() + 10_000;
      while (idle.runningThreads > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(idle.runningThreads, 0, 'the idle worker was stopped');
      const again = await idle.decode('traces', body(), 'protobuf');
      assert.equal(again.items, makeSpans().length);
      assert.equal(idle.runningThreads, 1);
      assert.notEqual(idle.threadIds[0], first, 'a new worker decoded it');
      assert.equal(exits, 0, 'an idle stop is not a worker failure');
    } finally {
      await idle.close();
    }
  });
});
