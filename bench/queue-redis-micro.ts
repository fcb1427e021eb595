/**
 * Redis queue micro-benchmark (real encoded batches, like bench/queue-micro.ts):
 * - enqueue rate (jobs/s, points/s, MB/s) for ~100 KB and ~2 MB payloads, 1 and 4 backends (payload stored once),
 *   one enqueue in flight (what one router does) and 4 in flight (several routers / gateways);
 * - tiny 1 KB jobs, and BullMQ's own Queue.add on the same Redis as a yardstick;
 * - lease + complete rate, draining a filled queue;
 * - Redis memory per queued point: INFO used_memory delta / points queued.
 * Run: MANIFOLD_BENCH_REDIS_URL=redis://127.0.0.1:6379 node --import tsx bench/queue-redis-micro.ts [filter]
 * (defaults to MANIFOLD_TEST_REDIS_URL). Keys go under a fresh prefix, deleted after each case.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { encodeBatch } from '../src/queue/codec.js';
import type { EnqueueEntry } from '../src/queue/contract.js';
import { RedisQueueStore } from '../src/queue/redis/index.js';
import { realisticBatch } from '../test/queue/fixtures.js';

const url = process.env.MANIFOLD_BENCH_REDIS_URL ?? process.env.MANIFOLD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const BACKENDS = ['prometheus', 'influx', 'timescale', 'clickhouse'];
const UNBOUNDED = { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER, policy: 'refuse' } as const;
/** Stop a case once this much payload is queued, so a fast run does not fill the machine. */
const MAX_QUEUED_BYTES = 600e6;
const BUDGET_MS = 3000;
const admin = new Redis(url);

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1]);

async function dropPrefix(match: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await admin.unlink(...keys);
  } while (cursor !== '0');
}

async function openStore(): Promise<{ store: RedisQueueStore; prefix: string }> {
  const prefix = `manifold-bench-${randomUUID()}`;
  const store = await RedisQueueStore.open({ url, prefix });
  for (const b of BACKENDS) store.configure(b, UNBOUNDED);
  return { store, prefix };
}

interface Case {
  label: string;
  points: number;
  backends: number;
  inFlight: number;
}

async function enqueueCase(c: Case): Promise<void> {
  const payload = encodeBatch(realisticBatch(c.points, 0));
  const { store, prefix } = await openStore();
  const entries: EnqueueEntry[] = BACKENDS.slice(0, c.backends).map((backend) => ({ backend, payload, items: c.points }));
  await store.enqueue(entries); // warm up (scripts loaded)
  const mem0 = await usedMemory();
  const lat: number[] = [];
  let calls = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const loop = async () => {
    while (performance.now() - started < BUDGET_MS && calls * payload.length < MAX_QUEUED_BYTES) {
      const t = performance.now();
      calls++;
      await store.enqueue(entries);
      lat.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: c.inFlight }, loop));
  const secs = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const memPerPoint = ((await usedMemory()) - mem0) / (calls * c.points * c.backends);
  console.log(
    `${c.label.padEnd(40)} ${(payload.length / 1024).toFixed(0).padStart(5)} KB  ${(calls / secs).toFixed(0).padStart(5)} enqueues/s  ` +
      `${((calls * c.backends) / secs).toFixed(0).padStart(5)} jobs/s  ${Math.round((calls * c.points) / secs)
        .toLocaleString('en')
        .padStart(10)} points/s  ` +
      `${((calls * payload.length) / secs / 1e6).toFixed(0).padStart(4)} MB/s  p50 ${pct(lat, 0.5).toFixed(2)} ms p99 ${pct(lat, 0.99).toFixed(2)} ms  ` +
      `cpu ${((cpu.user + cpu.system) / 1000 / calls).toFixed(2)} ms/call  redis ${memPerPoint.toFixed(1)} B/queued point (${((calls * payload.length) / 1e6).toFixed(0)} MB queued)`,
  );
  await store.close();
  await dropPrefix(`{${prefix}}*`);
}

async function drainCase(label: string, points: number, jobs: number, maxBytes: number): Promise<void> {
  const payload = encodeBatch(realisticBatch(points, 0));
  const { store, prefix } = await openStore();
  for (let i = 0; i < jobs; i++) await store.enqueue([{ backend: 'influx', payload, items: points }]);
  let leases = 0;
  let done = 0;
  const started = performance.now();
  for (
    let batch = await store.lease('influx', { maxJobs: 64, maxBytes, maxItems: Number.MAX_SAFE_INTEGER });
    batch.length > 0;
    batch = await store.lease('influx', { maxJobs: 64, maxBytes, maxItems: Number.MAX_SAFE_INTEGER })
  ) {
    await store.complete(
      'influx',
      batch.map((j) => j.id),
    );
    leases++;
    done += batch.length;
  }
  const secs = (performance.now() - started) / 1000;
  console.log(
    `${label.padEnd(40)} ${(payload.length / 1024).toFixed(0).padStart(5)} KB  ${(done / secs).toFixed(0).padStart(5)} jobs/s leased+completed  ` +
      `${Math.round((done * points) / secs)
        .toLocaleString('en')
        .padStart(10)} points/s  ${((done * payload.length) / secs / 1e6).toFixed(0)} MB/s  ` +
      `${(leases / secs).toFixed(0)} leases/s (${(done / leases).toFixed(1)} jobs each)`,
  );
  if (done !== jobs) throw new Error(`drained ${done} of ${jobs}`);
  await store.close();
  await dropPrefix(`{${prefix}}*`);
}

/** BullMQ's own add on the same Redis, payload as base64 in the job data (what a plain BullMQ queue would do). */
async function bullmqCase(label: string, bytes: number, inFlight: number): Promise<void> {
  const prefix = `manifold-bench-bull-${randomUUID()}`;
  const queue = new Queue('influx', { connection: { url } as never, prefix });
  const data = { payload: Buffer.alloc(bytes, 7).toString('base64'), items: 10 };
  await queue.add('j', data);
  let calls = 0;
  const started = performance.now();
  const loop = async () => {
    while (performance.now() - started < BUDGET_MS) {
      calls++;
      await queue.add('j', data);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  const secs = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(40)} ${(bytes / 1024).toFixed(0).padStart(5)} KB  ${(calls / secs).toFixed(0).padStart(5)} adds/s`);
  await queue.close();
  await dropPrefix(`${prefix}:*`);
}

async function tinyCase(label: string, inFlight: number): Promise<void> {
  const { store, prefix } = await openStore();
  const payload = new Uint8Array(1024).fill(7);
  let calls = 0;
  const started = performance.now();
  const loop = async () => {
    while (performance.now() - started < BUDGET_MS) {
      calls++;
      await store.enqueue([{ backend: 'influx', payload, items: 10 }]);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  const secs = (performance.now() - started) / 1000;
  console.log(`${label.padEnd(40)} ${(1).toFixed(0).padStart(5)} KB  ${(calls / secs).toFixed(0).padStart(5)} enqueues/s`);
  await store.close();
  await dropPrefix(`{${prefix}}*`);
}

const only = process.argv[2];
const want = (label: string) => !only || label.includes(only);
console.log(
  `Redis ${url} (${/redis_version:(\S+)/.exec(await admin.info('server'))![1]}, appendonly ${(await admin.config('GET', 'appendonly'))[1]}, appendfsync ${(await admin.config('GET', 'appendfsync'))[1]})`,
);
const cases: Case[] = [
  { label: 'enqueue 100 KB, 1 backend', points: 1000, backends: 1, inFlight: 1 },
  { label: 'enqueue 100 KB, 4 backends', points: 1000, backends: 4, inFlight: 1 },
  { label: 'enqueue 2 MB, 1 backend', points: 20_000, backends: 1, inFlight: 1 },
  { label: 'enqueue 2 MB, 4 backends', points: 20_000, backends: 4, inFlight: 1 },
  { label: 'enqueue 100 KB, 1 backend, 4 in flight', points: 1000, backends: 1, inFlight: 4 },
  { label: 'enqueue 2 MB, 4 backends, 4 in flight', points: 20_000, backends: 4, inFlight: 4 },
];
for (const c of cases) if (want(c.label)) await enqueueCase(c);
if (want('tiny')) {
  await tinyCase('tiny: enqueue 1 KB, 1 in flight', 1);
  await tinyCase('tiny: enqueue 1 KB, 16 in flight', 16);
}
if (want('bullmq')) {
  await bullmqCase('bullmq: Queue.add 1 KB, 1 in flight', 1024, 1);
  await bullmqCase('bullmq: Queue.add 1 KB, 16 in flight', 1024, 16);
  await bullmqCase('bullmq: Queue.add 100 KB (base64), 1 in flight', 100 * 1024, 1);
}
if (want('drain')) {
  await drainCase('drain 100 KB jobs, lease 64 / 8 MB', 1000, 2000, 8 << 20);
  await drainCase('drain 2 MB jobs, lease 64 / 8 MB', 20_000, 150, 8 << 20);
  await drainCase('drain 100 KB jobs, lease 1 at a time', 1000, 2000, 1);
}
admin.disconnect();
