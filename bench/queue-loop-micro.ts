/**
 * The embedded queue's cost to the main thread: 4 concurrent senders enqueue 255 KB payloads (the size of the logs
 * bench's 1,500-record request) with fsync on, for 4 s, yielding between enqueues as request handling would; a 1 ms
 * timer and the event-loop delay show how much of the main thread is left for everything else.
 *
 *   node --import tsx bench/queue-loop-micro.ts [SOURCE_ROOT] [RATE]
 *
 * RATE: enqueues per second in all (default: as fast as it goes); 220/s is the logs bench's full load, 56 MB/s.
 *
 * SOURCE_ROOT (default: this checkout) is a checkout whose store to measure: a clone at another commit gives the
 * before/after in one session.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
const root = path.resolve(process.argv[2] || path.join(import.meta.dirname, '..'));
const rate = Number(process.argv[3] ?? 0);
const { EmbeddedQueueStore } = await import(`${root}/src/queue/sqlite/index.ts`);
const dir = mkdtempSync(path.join(tmpdir(), 'qloop-'));
const store = await EmbeddedQueueStore.open({ dir, fsync: true });
store.configure('b', { maxBytes: 1e11, maxAgeMs: 3.6e6, policy: 'refuse' });
const payload = new Uint8Array(255_000).fill(7);
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
let done = 0;
const until = Date.now() + 4000;
// a timer that stands for the rest of the main thread's work: how often it gets to run
let ticks = 0;
const t = setInterval(() => ticks++, 1);
await Promise.all(
  Array.from({ length: 4 }, async () => {
    while (Date.now() < until) {
      await store.enqueue([{ backend: 'b', payload, items: 1500 }]);
      done++;
      await new Promise((r) => (rate > 0 ? setTimeout(r, 4000 / rate) : setImmediate(r)));
    }
  }),
);
clearInterval(t);
h.disable();
console.log(
  `${root}: ${(done / 4).toFixed(0)} enqueues/s, 1 ms timer ran ${(ticks / 4).toFixed(0)}/s, loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms max ${(h.max / 1e6).toFixed(1)} ms`,
);
const mb = (name: string): string => (statSync(path.join(dir, name)).size / 1e6).toFixed(0);
console.log(`  queue.db ${mb('queue.db')} MB, WAL ${mb('queue.db-wal')} MB at the end`);
await store.close();
rmSync(dir, { recursive: true, force: true });
