/**
 * Crash-test child for the embedded store (see crash.ts): enqueues to two backends in one call, prints
 * each acknowledgement only after enqueue resolved, and now and then leases jobs it never completes.
 */
import { randomBytes } from 'node:crypto';
import { EmbeddedQueueStore } from '../../src/queue/sqlite/index.js';

const dir = process.argv[2]!;
const store = await EmbeddedQueueStore.open({ dir });
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
  // Yield to the event loop now and then so stdout drains while the parent is deciding to kill us.
  if (n % 10 === 0) await new Promise((resolve) => setImmediate(resolve));
}
