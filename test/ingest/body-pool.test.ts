/** The HTTP receiver's pooled body reading (src/receivers/body-pool.ts, readPooledBody): reuse, bounds, and the same bytes and refusals as readBody. */
import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { BodyPool } from '../../src/receivers/body-pool.js';
import { type BodyError, copyIntoShared, readPooledBody, type PooledBody } from '../../src/receivers/http-body.js';
import { runFuzz } from '../support/fuzz.js';

describe('body pool', () => {
  it('drops its free buffers once nothing has been taken for idleReleaseMs, and keeps them while taken', async () => {
    const pool = new BodyPool(64 << 20, 50);
    pool.release(pool.take(100_000));
    assert.equal(pool.kept, 128 * 1024);
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(pool.kept, 0, 'released while idle');
    const view = pool.take(100_000);
    pool.release(view);
    assert.equal(pool.kept, 128 * 1024, 'a new burst fills it again');
  });

  it('hands out power-of-two buffers of at least 64 KB, reuses released ones, keeps at most its bound', () => {
    const pool = new BodyPool(300 * 1024);
    const a = pool.take(100);
    assert.equal(a.byteLength, 100);
    assert.ok(a.buffer instanceof SharedArrayBuffer);
    assert.equal(a.buffer.byteLength, 64 * 1024);
    const b = pool.take(200 * 1024);
    assert.equal(b.buffer.byteLength, 256 * 1024);
    pool.release(a);
    pool.release(b);
    assert.equal(pool.kept, 64 * 1024, 'the 256 KB buffer would pass the 300 KB bound');
    assert.equal(pool.take(10).buffer, a.buffer);
    assert.equal(pool.kept, 0);
    pool.release(new Uint8Array(10)); // not from the pool: ignored
    assert.equal(pool.kept, 0);
  });
});

describe('copyIntoShared', () => {
  it('writes the same bytes as TypedArray.set, at any alignment of chunk, target view and offset (seeded fuzz)', () => {
    const cases = runFuzz(
      'copyIntoShared',
      300,
      (random) => {
        const size = 1 + Math.floor(random() * 300_000);
        const viewOffset = Math.floor(random() * 16);
        const shared = new Uint8Array(new SharedArrayBuffer(size + viewOffset + 16), viewOffset, size);
        const plain = new Uint8Array(size);
        let at = 0;
        while (at < size) {
          const length = Math.min(size - at, 1 + Math.floor(random() * (random() < 0.2 ? 140_000 : 70_000)));
          const source = new Uint8Array(length + 16);
          for (let i = 0; i < source.length; i++) source[i] = (random() * 256) | 0;
          const chunkOffset = Math.floor(random() * 16);
          const chunk = source.subarray(chunkOffset, chunkOffset + length);
          copyIntoShared(chunk, shared, at);
          plain.set(chunk, at);
          at += length;
        }
        assert.deepEqual(Buffer.from(shared), Buffer.from(plain));
        const before = new Uint8Array(shared.buffer, 0, viewOffset);
        assert.ok(
          before.every((b) => b === 0),
          'nothing written before the view',
        );
      },
      20,
    );
    assert.ok(cases >= 20);
  });
});

describe('readPooledBody', () => {
  const pool = new BodyPool();
  let server: Server;
  let port = 0;
  let handle: (req: IncomingMessage) => Promise<PooledBody>;
  const results: { bytes?: Buffer; status?: number; message?: string }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      handle(req).then(
        (body) => {
          results.push({ bytes: Buffer.from(body.bytes) });
          body.release();
          body.release(); // idempotent: a buffer is never handed back twice
          res.end('ok');
        },
        (error: unknown) => {
          results.push({ status: (error as BodyError).status, message: (error as Error).message });
          res.statusCode = (error as BodyError).status ?? 500;
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (body: Buffer, headers: Record<string, string | number> = {}, chunked = false): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request(
        { port, host: '127.0.0.1', method: 'POST', headers: chunked ? headers : { 'content-length': body.length, ...headers } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      // Several writes: the body arrives in several chunks.
      for (let at = 0; at < body.length; at += 70_000) req.write(body.subarray(at, at + 70_000));
      req.end();
    });

  it('reads a body in chunks into a pooled buffer, byte for byte, and the buffer is reused', async () => {
    handle = (req) => readPooledBody(req, 8 << 20, pool);
    const body = Buffer.alloc(1_500_000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 255;
    assert.equal(await post(body), 200);
    assert.deepEqual(results.at(-1)!.bytes, body);
    const kept = pool.kept;
    assert.ok(kept >= 2 << 20);
    assert.equal(await post(body.subarray(0, 1_200_000)), 200);
    assert.deepEqual(results.at(-1)!.bytes, body.subarray(0, 1_200_000));
    assert.equal(pool.kept, kept, 'the same buffer served the second request');
  });

  it('gzip and chunked bodies are read as readBody reads them; the limits hold', async () => {
    handle = (req) => readPooledBody(req, 1_000_000, pool);
    const body = Buffer.from('x'.repeat(50_000));
    assert.equal(await post(gzipSync(body), { 'content-encoding': 'gzip' }), 200);
    assert.deepEqual(results.at(-1)!.bytes, body);
    assert.equal(await post(body, { 'transfer-encoding': 'chunked' }, true), 200);
    assert.deepEqual(results.at(-1)!.bytes, body);
    assert.equal(await post(Buffer.alloc(1_000_001)), 413);
    assert.equal(await post(gzipSync(Buffer.alloc(2_000_000)), { 'content-encoding': 'gzip' }), 413);
    assert.match(results.at(-1)!.message!, /decompressed request body exceeds the limit/);
  });
});
