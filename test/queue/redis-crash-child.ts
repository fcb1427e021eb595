/**
 * Crash-test child for the Redis store (see crash.ts): enqueues to two backends in one call, prints each
 * acknowledgement only after enqueue resolved, and now and then leases jobs it never completes. Its leases
 * are short (REDIS_CRASH_LEASE_MS) so the parent sees them expire after the kill.
 */
import { randomBytes } from 'node:crypto';
import { RedisQueueStore } from '../../src/queue/redis/index.js';

const dir = process.argv[2]!;
const store = await RedisQueueStore.open({
  url: process.env.MANIFOLD_TEST_REDIS_URL!,
  prefix: `manifold-test:${dir}`,
  leaseMs: Number(process.env.REDIS_CRASH_LEASE_MS ?? 500),
});
const unbounded = { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER, policy: 'refuse' } as const;
store.configure('a', unbounded);
store.configure('b', unbounded);

for (let n = 0; ; n++) {
  const tag = `${process.pid}:${n}:`;
  const payload = Buffer.concat([Buffer.from(tag), randomBytes(Math.floor(Math.random() * 20_000))]);
  const own = Buffer.from(`${tag}b`); // a second payload object: stored separately
  const { ids } = await store.enqueue([
    { backend: 'a', payload, items: 1 },
    { backend: 'b', payload, items: 1 },
    { backend: 'b', payload: own, items: 1 },
  ]);
  process.stdout.write(`ack a=${ids[0]}/${tag} b=${ids[1]}/${tag} b=${ids[2]}/${tag}b\n`);
  if (n % 7 === 0) await store.lease(n % 2 ? 'a' : 'b', { maxJobs: 3, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
  if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
}
