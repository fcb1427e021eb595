/**
 * A gateway life that leases and then is killed (see redis-ordering.test.ts): opens the store with a long lease,
 * leases one job of backend `a`, prints `leased <id>`, and waits to be killed.
 */
import { RedisQueueStore } from '../../src/queue/redis/index.js';

const store = await RedisQueueStore.open({ url: process.env.MANIFOLD_TEST_REDIS_URL!, prefix: process.argv[2]!, leaseMs: 60_000 });
const [job] = await store.lease('a', { maxJobs: 1, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER, ordered: true });
process.stdout.write(`leased ${job?.id ?? 'none'}\n`);
setInterval(() => {}, 1000);
