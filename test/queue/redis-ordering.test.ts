/**
 * The Redis store's share of the ordering rule (issue 16): for an ordered backend nothing newer is leased while an
 * older job is leased by another holder; a gateway restarted on the same host takes back its killed predecessor's
 * leases at once (a live holder's it leaves alone); and a holder whose lease lapsed and was taken over cannot
 * settle the job any more (fenced).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { RedisQueueStore, type RedisQueueOptions } from '../../src/queue/redis/index.js';
import { backendUrl } from '../support/backends.js';
import { payloadOf } from './contract.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const url = backendUrl('redis');
const ALL = { maxJobs: 1000, maxBytes: Number.MAX_SAFE_INTEGER, maxItems: Number.MAX_SAFE_INTEGER };
const ORDERED = { ...ALL, ordered: true };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (jobs: { id: string }[]) => jobs.map((j) => j.id);

const prefixes: string[] = [];
const opened: RedisQueueStore[] = [];
async function open(prefix: string, extra: Partial<RedisQueueOptions> = {}): Promise<RedisQueueStore> {
  const store = await RedisQueueStore.open({ url, prefix, ...extra });
  opened.push(store);
  return store;
}
function newPrefix(): string {
  const prefix = `manifold-test:ordering:${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
}
async function enqueue(store: RedisQueueStore, ...texts: string[]): Promise<string[]> {
  return (await store.enqueue(texts.map((t) => ({ backend: 'a', payload: payloadOf(t), items: 1 })))).ids;
}

after(async () => {
  for (const store of opened) await store.close();
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  for (const prefix of prefixes) {
    const keys = await client.keys(`{${prefix}}*`);
    if (keys.length > 0) await client.del(...keys);
  }
  client.disconnect();
});

describe('redis queue: ordered backends', () => {
  it('nothing newer is leased while an older job is leased by another holder; unordered leases go past it', async () => {
    const prefix = newPrefix();
    const one = await open(prefix);
    const two = await open(prefix);
    const [head, next] = await enqueue(one, 'head', 'next');
    assert.deepEqual(ids(await one.lease('a', { ...ORDERED, maxJobs: 1 })), [head]);
    assert.deepEqual(await two.lease('a', ORDERED), [], 'the other gateway waits for the head');
    assert.deepEqual(ids(await one.lease('a', ORDERED)), [next], 'the holder itself prepares the write after its own');
    await one.release('a', [next!]);
    assert.deepEqual(ids(await two.lease('a', ALL)), [next], 'unordered: past the lease');
    await two.release('a', [next!]);
    await one.complete('a', [head!]);
    assert.deepEqual(ids(await two.lease('a', ORDERED)), [next], 'then the head is free');
  });

  it("a gateway restarted on the same host takes back its killed predecessor's leases at once", { timeout: 30_000 }, async () => {
    const prefix = newPrefix();
    const store = await open(prefix, { leaseMs: 60_000 });
    const [head, next] = await enqueue(store, 'head', 'next');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'redis-lease-child.ts'), prefix], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for await (const line of createInterface({ input: child.stdout! })) {
      assert.equal(line, `leased ${head}`);
      break;
    }
    // Alive: its lease stands (it may still be writing).
    assert.deepEqual(await (await open(prefix, { leaseMs: 60_000 })).lease('a', ORDERED), []);
    child.kill('SIGKILL');
    await exited;
    // Dead, lease 60 s: a new life on this host does not wait for it to lapse.
    const restarted = await open(prefix, { leaseMs: 60_000 });
    const jobs = await restarted.lease('a', ORDERED);
    // Alone: its write may have gone out alone under its own id (the store contract's lease rule).
    assert.deepEqual(ids(jobs), [head], "the dead holder's job first, in its place");
    await restarted.complete('a', ids(jobs));
    assert.deepEqual(ids(await restarted.lease('a', ORDERED)), [next], 'then the next');
  });

  it('a holder whose lease lapsed and was taken over cannot settle the job any more', async () => {
    const prefix = newPrefix();
    const slow = await open(prefix, { leaseMs: 200 });
    const other = await open(prefix, { leaseMs: 10_000 });
    const [job] = await enqueue(slow, 'job');
    await slow.lease('a', ORDERED);
    (slow as unknown as { held: { stop(): void } }).held.stop(); // frozen: no renewal
    await sleep(300);
    assert.deepEqual(ids(await other.lease('a', ORDERED)), [job], 'the lapsed lease is taken over');
    await slow.deadLetter('a', [job!], 'out_of_order', 'HTTP 400: out of order sample');
    await slow.retryLater('a', [job!], Date.now() + 60_000, 'late');
    await slow.complete('a', [job!]);
    const stats = await other.stats('a');
    assert.deepEqual({ jobs: stats.jobs, leased: stats.leased, deadLetters: stats.deadLetters }, { jobs: 1, leased: 1, deadLetters: 0 });
    await other.complete('a', [job!]);
    assert.equal((await other.stats('a')).jobs, 0);
  });
});
