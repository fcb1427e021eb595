/**
 * The QueueStore contract against real Redis (MANIFOLD_TEST_REDIS_URL), plus what only the distributed store
 * has: payloads stored once, several processes sharing a queue, leases outliving a dead holder only until they
 * expire, and Redis itself killed and restarted (a private instance, through scripts/backends/ctl.sh).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { QueueUnavailableError, type QueueStore } from '../../src/queue/contract.js';
import { RedisQueueStore, type RedisQueueOptions } from '../../src/queue/redis/index.js';
import { backendUrl } from '../support/backends.js';
import { payloadOf, runQueueContract } from './contract.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const url = backendUrl('redis');
const CRASH_LEASE_MS = 500;
process.env.REDIS_CRASH_LEASE_MS = String(CRASH_LEASE_MS);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ALL = { maxJobs: 1000, maxBytes: Number.MAX_SAFE_INTEGER, maxItems: Number.MAX_SAFE_INTEGER };
const UNBOUNDED = { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER, policy: 'refuse' } as const;

/** Every prefix this run used, deleted at the end (the crash children use the same one for their dir). */
const prefixes = new Set<string>();
const prefixFor = (dir: string) => `manifold-test:${dir}`;
function open(dir: string, extra: Partial<RedisQueueOptions> = {}): Promise<RedisQueueStore> {
  const prefix = prefixFor(dir);
  prefixes.add(prefix);
  return RedisQueueStore.open({ url, prefix, ...extra });
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<number> {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix.replace(/[*?[\]\\]/g, '\\$&')}}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) n += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
  return n;
}

after(async () => {
  for (const prefix of prefixes) await deleteKeys(url, prefix);
});

runQueueContract('redis', (dir) => open(dir), {
  // A restart after the previous holder's leases expired (a killed crash child cannot hand them back).
  reopen: async (dir) => {
    await sleep(CRASH_LEASE_MS + 100);
    return open(dir);
  },
  crashChild: path.join(here, 'redis-crash-child.ts'),
});

describe('redis queue specifics', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'manifold-queue-redis-'));
  let n = 0;
  const fresh = (extra: Partial<RedisQueueOptions> = {}) => open(path.join(root, `s${++n}`), extra);
  const sameQueue = (store: RedisQueueStore, extra: Partial<RedisQueueOptions> = {}) =>
    RedisQueueStore.open({ url, prefix: (store as unknown as { base: string }).base.slice(1, -1), ...extra });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('stores a payload once for all its backends, as raw bytes, and frees it with its last job', async () => {
    const store = await fresh();
    const base = (store as unknown as { base: string }).base;
    const client = new Redis(url);
    try {
      const shared = payloadOf('x', 10_000);
      const { ids } = await store.enqueue(['a', 'b', 'c'].map((backend) => ({ backend, payload: shared, items: 7 })));
      const payloadKeys = () => client.keys(`${base}:p:*`);
      const [key] = await payloadKeys();
      assert.equal((await payloadKeys()).length, 1);
      assert.equal(await client.hget(key!, 'r'), '3');
      assert.ok(Buffer.from(shared).equals((await client.hgetBuffer(key!, 'd'))!), 'the bytes as they are');
      const job = await client.hgetall(`${base}:j:${ids[0]}`);
      assert.equal(job.p, key, 'the job carries the payload key');
      assert.ok(JSON.stringify(job).length < 300, `job hash stays small: ${JSON.stringify(job)}`);
      for (const backend of ['a', 'b'])
        await store.complete(
          backend,
          (await store.lease(backend, ALL)).map((j) => j.id),
        );
      assert.equal(await client.hget(key!, 'r'), '1');
      await store.deadLetter(
        'c',
        (await store.lease('c', ALL)).map((j) => j.id),
        'permanent',
        'bad',
      );
      assert.equal(await client.hget(key!, 'r'), '1', 'a dead letter keeps its payload');
      await store.dropDeadLetters({});
      assert.deepEqual(await payloadKeys(), []);
      assert.deepEqual(await client.keys(`${base}:j:*`), [], 'no job hashes left');
    } finally {
      client.disconnect();
      await store.close();
    }
  });

  it('lets several processes share a queue: disjoint leases, one order', async () => {
    const one = await fresh();
    const two = await sameQueue(one);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(...(await (i % 2 ? one : two).enqueue([{ backend: 'a', payload: payloadOf(`j${i}`), items: 1 }])).ids);
      const [x, y] = await Promise.all([
        one.lease('a', { maxJobs: 2, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER }),
        two.lease('a', { maxJobs: 2, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER }),
      ]);
      const got = [...x!, ...y!].map((j) => j.id).sort();
      // Ids of two processes made in the same ms need not sort in enqueue order; the line (seq) is the order.
      assert.deepEqual(got, ids.slice(0, 4).sort(), 'the four oldest, each once');
      assert.equal((await one.stats('a')).leased, 4);
      // Fenced: a job another live holder has leased is left to that holder's outcome.
      await two.complete(
        'a',
        x!.map((j) => j.id),
      );
      await two.deadLetter(
        'a',
        x!.map((j) => j.id),
        'permanent',
        'not mine',
      );
      await two.retryLater(
        'a',
        x!.map((j) => j.id),
        Date.now(),
        'not mine',
      );
      assert.deepEqual({ ...(await one.stats('a')), oldestAgeMs: 0 }, { jobs: 6, items: 6, bytes: 12, oldestAgeMs: 0, leased: 4, deadLetters: 0 });
      await one.complete(
        'a',
        x!.map((j) => j.id),
      );
      assert.equal((await one.stats('a')).jobs, 4);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('a lease outlives a slow write (renewed) but not a dead holder (expires, comes back whole, in its place)', async () => {
    const holder = await fresh({ leaseMs: 300 });
    const other = await sameQueue(holder, { leaseMs: 300 });
    try {
      const ids = (await other.enqueue([1, 2, 3].map((i) => ({ backend: 'a', payload: payloadOf(`p${i}`), items: 1 })))).ids;
      const leased = await holder.lease('a', { maxJobs: 2, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
      await sleep(700);
      assert.equal((await other.stats('a')).leased, 2, 'renewed while the holder lives');
      assert.deepEqual(
        (await other.lease('a', ALL)).map((j) => j.id),
        [ids[2]],
      );
      // The holder dies without a word: no release, no renewal.
      (holder as unknown as { held: { stop(): void } }).held.stop();
      (holder as unknown as { conn: { client: Redis } }).conn.client.disconnect();
      await sleep(400);
      assert.equal((await other.stats('a')).leased, 1);
      const back = await other.lease('a', { maxJobs: 1, maxBytes: 1, maxItems: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(
        back.map((j) => j.id),
        ids.slice(0, 2),
        'the whole group, alone',
      );
      assert.equal(back[0]!.group, leased[0]!.group);
    } finally {
      await holder.close();
      await other.close();
    }
  });

  it('a retried group keeps its place: leased again before jobs enqueued after it, by any process', async () => {
    const one = await fresh();
    const two = await sameQueue(one);
    try {
      const first = (await one.enqueue([1, 2].map((i) => ({ backend: 'a', payload: payloadOf(`g${i}`), items: 1 })))).ids;
      const g = await one.lease('a', ALL);
      await one.retryLater(
        'a',
        g.map((j) => j.id),
        Date.now() + 200,
        'HTTP 503',
      );
      const later = (await two.enqueue([3, 4].map((i) => ({ backend: 'a', payload: payloadOf(`l${i}`), items: 1 })))).ids;
      await sleep(250);
      const again = await two.lease('a', ALL);
      assert.deepEqual(
        again.map((j) => j.id),
        first,
      );
      assert.deepEqual(
        (await two.lease('a', ALL)).map((j) => j.id),
        later,
      );
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('fails fast with backend null when Redis cannot be reached', async () => {
    const t0 = Date.now();
    await assert.rejects(RedisQueueStore.open({ url: 'redis://127.0.0.1:1', prefix: 'nowhere', connectTimeoutMs: 500 }), /cannot reach Redis/);
    assert.ok(Date.now() - t0 < 2000);
  });
});

describe('redis queue across a Redis crash and restart (private instance via scripts/backends/ctl.sh)', () => {
  const state = mkdtempSync(path.join(tmpdir(), 'manifold-redis-restart-'));
  const port = String(16_000 + Math.floor(Math.random() * 20_000));
  const env = { ...process.env, MANIFOLD_BACKENDS_DIR: state, MANIFOLD_PORT_REDIS: port };
  const ctl = (action: string) => promisify(execFile)('bash', [path.join(repo, 'scripts/backends/ctl.sh'), action, 'redis'], { env, cwd: repo });
  const privateUrl = `redis://127.0.0.1:${port}`;
  after(async () => {
    await ctl('stop').catch(() => {});
    rmSync(state, { recursive: true, force: true });
  });

  async function until(what: string, check: () => Promise<unknown>, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      try {
        await check();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`${what}: ${(error as Error).message}`);
        await sleep(100);
      }
    }
  }

  it('keeps every acknowledged job through kill -9 and a restart of Redis, refuses fast meanwhile, and recovers by itself', {
    timeout: 90_000,
  }, async () => {
    await ctl('start');
    const store: QueueStore = await RedisQueueStore.open({ url: privateUrl, prefix: 'restart' });
    store.configure('a', UNBOUNDED);
    store.configure('b', UNBOUNDED);
    try {
      const acked: string[] = [];
      const big = payloadOf('big', 2_000_000);
      for (let i = 0; i < 40; i++) {
        const r = await store.enqueue([
          { backend: 'a', payload: i % 10 ? payloadOf(`a${i}`, 1000) : big, items: 3 },
          { backend: 'b', payload: payloadOf(`b${i}`), items: 1 },
        ]);
        acked.push(...r.ids);
      }
      const leased = await store.lease('a', { maxJobs: 5, maxBytes: 1e12, maxItems: Number.MAX_SAFE_INTEGER });
      for (const how of ['kill9', 'restart'] as const) {
        if (how === 'kill9') await ctl('kill9');
        else await ctl('stop');
        const t0 = Date.now();
        await assert.rejects(
          store.enqueue([{ backend: 'a', payload: payloadOf('while down'), items: 1 }]),
          (err: unknown) => err instanceof QueueUnavailableError && err.backend === null,
        );
        assert.ok(Date.now() - t0 < 1000, `refused in ${Date.now() - t0} ms`);
        await assert.rejects(store.health());
        await ctl('start');
        await until('the store reconnects by itself', () => store.health());
        const [a, b] = [await store.stats('a'), await store.stats('b')];
        assert.deepEqual([a.jobs, a.items, b.jobs, b.items, a.leased], [40, 120, 40, 40, 5], `after ${how}`);
      }
      // A write finished while Redis is down: settling it waits for Redis to come back instead of failing.
      await ctl('kill9');
      const settling = store.complete(
        'a',
        leased.map((j) => j.id),
      );
      await sleep(300);
      await ctl('start');
      await settling;
      const s = await store.stats('a');
      assert.deepEqual([s.jobs, s.leased], [35, 0]);
      const found: string[] = leased.map((j) => j.id);
      for (const backend of ['a', 'b']) {
        for (let jobs = await store.lease(backend, ALL); jobs.length > 0; jobs = await store.lease(backend, ALL)) {
          for (const job of jobs) {
            if (job.payload.byteLength === big.byteLength) assert.ok(Buffer.from(job.payload).equals(Buffer.from(big)));
            found.push(job.id);
          }
          await store.complete(
            backend,
            jobs.map((j) => j.id),
          );
        }
      }
      assert.deepEqual(found.sort(), [...acked].sort(), 'every acknowledged job, once');
      assert.ok((await store.enqueue([{ backend: 'a', payload: payloadOf('after'), items: 1 }])).ids.length === 1);
    } finally {
      await store.close();
    }
  });
});
