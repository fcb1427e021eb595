/**
 * The QueueStore contract, as a suite every store runs (embedded SQLite now, BullMQ/Redis later):
 *   runQueueContract('embedded', (dir) => EmbeddedQueueStore.open({ dir }), { crashChild: '...' })
 * Times are real (bounds and retries use short real delays) so a store needs no injectable clock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { QueueUnavailableError, type EnqueueEntry, type Job, type QueueStore } from '../../src/queue/contract.js';
import { runCrashTest } from './crash.js';

export interface QueueContractOptions {
  /** Opens the same queue again after close (a restart); defaults to `open`. */
  readonly reopen?: (dir: string) => Promise<QueueStore>;
  /** A script (run with `node --import tsx <script> <dir>`) that enqueues forever and prints each acknowledged id. */
  readonly crashChild?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const UNBOUNDED = { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER, policy: 'refuse' } as const;
const ALL = { maxJobs: 1000, maxBytes: Number.MAX_SAFE_INTEGER, maxItems: Number.MAX_SAFE_INTEGER };

export function payloadOf(text: string, size = text.length): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode(text).subarray(0, size));
  return bytes;
}

const entry = (backend: string, text: string, size?: number, items = 1): EnqueueEntry => ({ backend, payload: payloadOf(text, size), items });
const ids = (jobs: Job[]) => jobs.map((j) => j.id);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replace(/\0+$/, '');

export function runQueueContract(name: string, open: (dir: string) => Promise<QueueStore>, options: QueueContractOptions = {}): void {
  const reopen = options.reopen ?? open;
  describe(`QueueStore contract: ${name}`, () => {
    const root = mkdtempSync(path.join(tmpdir(), `manifold-queue-${name}-`));
    const open_: QueueStore[] = [];
    let n = 0;
    async function fresh(): Promise<{ store: QueueStore; dir: string }> {
      const dir = path.join(root, String(++n));
      const store = await open(dir);
      open_.push(store);
      for (const b of ['a', 'b', 'c']) store.configure(b, UNBOUNDED);
      return { store, dir };
    }
    afterEach(async () => {
      for (const s of open_.splice(0)) await s.close().catch(() => {});
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('leases oldest first in enqueue order, skips leased jobs, completes', async () => {
      const { store } = await fresh();
      const enq = [];
      for (let i = 0; i < 5; i++) enq.push(...(await store.enqueue([entry('a', `job ${i}`, undefined, i + 1)])).ids);
      assert.deepEqual([...enq].sort(), enq, 'ids are time-ordered');
      assert.equal(new Set(enq).size, 5);
      const first = await store.lease('a', { maxJobs: 2, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(ids(first), enq.slice(0, 2));
      assert.deepEqual(
        first.map((j) => text(j.payload)),
        ['job 0', 'job 1'],
      );
      assert.equal(first[0]!.attempts, 0);
      assert.equal(first[0]!.resumed, false, 'never leased before');
      assert.equal(first[0]!.items, 1);
      assert.equal(first[0]!.bytes, 5);
      assert.ok(Math.abs(first[0]!.enqueuedAt - Date.now()) < 10_000);
      assert.equal((await store.stats('a')).leased, 2);
      const second = await store.lease('a', { maxJobs: 2, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(ids(second), enq.slice(2, 4));
      await store.complete('a', ids(first));
      const s = await store.stats('a');
      assert.deepEqual({ jobs: s.jobs, items: s.items, bytes: s.bytes, leased: s.leased }, { jobs: 3, items: 3 + 4 + 5, bytes: 15, leased: 2 });
      assert.deepEqual(ids(await store.lease('a', ALL)), enq.slice(4));
      assert.deepEqual(await store.lease('b', ALL), [], 'backends are separate');
    });

    it('honours lease byte limits but always returns at least one job', async () => {
      const { store } = await fresh();
      await store.enqueue([entry('a', 'x', 100)]);
      await store.enqueue([entry('a', 'y', 100)]);
      await store.enqueue([entry('a', 'z', 100)]);
      assert.equal((await store.lease('a', { maxJobs: 10, maxBytes: 50, maxItems: Number.MAX_SAFE_INTEGER })).length, 1);
      assert.equal((await store.lease('a', { maxJobs: 10, maxBytes: 250, maxItems: Number.MAX_SAFE_INTEGER })).length, 2);
    });

    it('honours lease item limits (points + spans) but always returns at least one job', async () => {
      const { store } = await fresh();
      await store.enqueue([{ backend: 'a', payload: payloadOf('x'), items: 600 }]);
      await store.enqueue([{ backend: 'a', payload: payloadOf('y'), items: 300 }]);
      await store.enqueue([{ backend: 'a', payload: payloadOf('z'), items: 300 }]);
      const limits = { maxJobs: 10, maxBytes: Number.MAX_SAFE_INTEGER };
      assert.deepEqual(
        (await store.lease('a', { ...limits, maxItems: 100 })).map((j) => text(j.payload)),
        ['x'],
        'one job even above the limit',
      );
      assert.deepEqual(
        (await store.lease('a', { ...limits, maxItems: 600 })).map((j) => text(j.payload)),
        ['y', 'z'],
      );
    });

    it('enqueues for several backends in one call; each backend gets its own job and payload', async () => {
      const { store } = await fresh();
      const shared = payloadOf('shared batch');
      const r = await store.enqueue([{ backend: 'a', payload: shared, items: 3 }, { backend: 'b', payload: shared, items: 3 }, entry('c', 'other')]);
      assert.equal(r.ids.length, 3);
      assert.equal(new Set(r.ids).size, 3);
      assert.deepEqual(r.dropped, []);
      const a = await store.lease('a', ALL);
      await store.complete('a', ids(a));
      const b = await store.lease('b', ALL);
      assert.deepEqual(ids(b), [r.ids[1]]);
      assert.equal(text(b[0]!.payload), 'shared batch', 'completing one backend leaves the others intact');
      assert.equal((await store.stats('b')).items, 3);
      assert.equal(text((await store.lease('c', ALL))[0]!.payload), 'other');
    });

    it('refuses the whole enqueue when one backend is over a refuse bound: nothing half-enqueued', async () => {
      const { store } = await fresh();
      store.configure('b', { maxBytes: 150, maxAgeMs: 60_000, policy: 'refuse' });
      await store.enqueue([entry('a', 'a1', 100), entry('b', 'b1', 100)]);
      await assert.rejects(
        store.enqueue([entry('a', 'a2', 100), entry('c', 'c2', 100), entry('b', 'b2', 100)]),
        (err: unknown) =>
          err instanceof QueueUnavailableError &&
          err.backend === 'b' &&
          /max_bytes/.test(err.message) &&
          /"b"/.test(err.message) &&
          err.retryAfterMs > 0,
      );
      for (const [backend, jobs] of [
        ['a', 1],
        ['b', 1],
        ['c', 0],
      ] as const) {
        assert.equal((await store.stats(backend)).jobs, jobs, `backend ${backend}`);
      }
      assert.deepEqual(
        (await store.lease('a', ALL)).map((j) => text(j.payload)),
        ['a1'],
      );
      store.configure('b', { maxBytes: 1000, maxAgeMs: 60_000, policy: 'refuse' });
      await store.enqueue([entry('b', 'b3', 100)]);
      assert.equal((await store.stats('b')).bytes, 200, 'a raised bound applies at once');
    });

    it('drops the oldest jobs of a backend under a drop_oldest byte bound, and reports them', async () => {
      const { store } = await fresh();
      store.configure('a', { maxBytes: 250, maxAgeMs: 60_000, policy: 'drop_oldest' });
      const first = (await store.enqueue([entry('a', 'one', 100, 10)])).ids[0];
      await store.enqueue([entry('a', 'two', 100, 20)]);
      const r = await store.enqueue([entry('a', 'three', 100, 30), entry('b', 'other', 100)]);
      assert.deepEqual(r.dropped, [{ backend: 'a', jobs: 1, items: 10 }]);
      const s = await store.stats('a');
      assert.deepEqual({ jobs: s.jobs, items: s.items, bytes: s.bytes }, { jobs: 2, items: 50, bytes: 200 });
      const left = await store.lease('a', ALL);
      assert.ok(!ids(left).includes(first!));
      assert.deepEqual(
        left.map((j) => text(j.payload)),
        ['two', 'three'],
      );
      const more = await store.enqueue([entry('a', 'four', 200, 40)]);
      assert.deepEqual(more.dropped, [], 'leased jobs are in flight: never dropped');
    });

    it('applies age bounds: refuse names max_age, drop_oldest drops the expired jobs', async () => {
      const { store } = await fresh();
      store.configure('a', { maxBytes: 1e9, maxAgeMs: 60, policy: 'refuse' });
      store.configure('b', { maxBytes: 1e9, maxAgeMs: 60, policy: 'drop_oldest' });
      await store.enqueue([entry('a', 'old'), entry('b', 'old', undefined, 7)]);
      await sleep(120);
      assert.ok((await store.stats('a')).oldestAgeMs >= 100);
      await assert.rejects(
        store.enqueue([entry('a', 'new')]),
        (err: unknown) => err instanceof QueueUnavailableError && err.backend === 'a' && /max_age/.test(err.message),
      );
      const r = await store.enqueue([entry('b', 'new')]);
      assert.deepEqual(r.dropped, [{ backend: 'b', jobs: 1, items: 7 }]);
      assert.equal((await store.stats('b')).jobs, 1);
      assert.deepEqual(
        (await store.lease('b', ALL)).map((j) => text(j.payload)),
        ['new'],
      );
      assert.equal((await store.stats('a')).jobs, 1);
    });

    it('release: leased jobs back in their place at once, no attempt counted, the group kept', async () => {
      const { store } = await fresh();
      for (const t of ['r1', 'r2', 'r3']) await store.enqueue([entry('a', t)]);
      const head = await store.lease('a', { maxJobs: 1, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
      const ahead = await store.lease('a', { maxJobs: 2, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(
        ahead.map((j) => text(j.payload)),
        ['r2', 'r3'],
      );
      await store.release('a', ids(ahead));
      assert.equal((await store.stats('a')).leased, 1);
      assert.equal((await store.stats('a')).jobs, 3);
      await store.enqueue([entry('a', 'later')]);
      const again = await store.lease('a', ALL);
      assert.deepEqual(ids(again), ids(ahead), 'the same jobs, whole and alone, ahead of later ones');
      for (const job of again) {
        assert.equal(job.attempts, 0);
        assert.equal(job.resumed, false, 'given back unsent: not a write that may have landed');
        assert.equal(job.group, ahead[0]!.group);
      }
      await store.complete('a', [...ids(head), ...ids(again)]);
      assert.deepEqual(
        (await store.lease('a', ALL)).map((j) => text(j.payload)),
        ['later'],
      );
    });

    it('retryLater: back in line at retryAt, attempts counted, the group leased whole and alone', async () => {
      const { store } = await fresh();
      for (const t of ['g1', 'g2', 'g3']) await store.enqueue([entry('a', t)]);
      const leased = await store.lease('a', { maxJobs: 3, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
      assert.equal(leased.length, 3);
      const group = leased[0]!.group;
      const retryAt = Date.now() + 600; // long enough that a loaded machine does not pass it before the next checks
      await store.retryLater('a', ids(leased), retryAt, 'timeout 1');
      assert.equal((await store.stats('a')).leased, 0);
      assert.equal((await store.stats('a')).jobs, 3);
      assert.deepEqual(await store.lease('a', ALL), [], 'not before retryAt');
      const later = (await store.enqueue([entry('a', 'later')])).ids[0];
      const l1 = await store.lease('a', ALL);
      assert.deepEqual(ids(l1), [later], 'other ready jobs go on meanwhile');
      await store.complete('a', ids(l1));
      await store.enqueue([entry('a', 'after')]);
      await sleep(Math.max(0, retryAt - Date.now()) + 30);
      const again = await store.lease('a', { maxJobs: 1, maxBytes: 1, maxItems: Number.MAX_SAFE_INTEGER });
      assert.deepEqual(ids(again), ids(leased), 'whole group, even over the limits, and nothing else');
      for (const job of again) {
        assert.equal(job.attempts, 1);
        assert.equal(job.lastError, 'timeout 1');
        assert.equal(job.resumed, false, 'its attempt has an outcome');
        assert.ok(job.group !== null);
        assert.equal(job.group, again[0]!.group);
      }
      if (group !== null) assert.equal(again[0]!.group, group, 'a group keeps its id');
      await store.retryLater('a', ids(again), Date.now(), 'timeout 2');
      const third = await store.lease('a', ALL);
      assert.deepEqual(ids(third), ids(leased));
      assert.equal(third[0]!.attempts, 2);
      assert.equal(third[0]!.group, again[0]!.group);
      await store.complete('a', ids(third));
      assert.deepEqual(
        (await store.lease('a', ALL)).map((j) => text(j.payload)),
        ['after'],
      );
    });

    it('ordered: a lease takes only the head of the line, never past a job whose retry is pending', async () => {
      const { store } = await fresh();
      const ORDERED = { ...ALL, ordered: true };
      const [head] = (await store.enqueue([entry('a', 'head')])).ids;
      const leased = await store.lease('a', { ...ORDERED, maxJobs: 1 });
      assert.deepEqual(ids(leased), [head]);
      const [next] = (await store.enqueue([entry('a', 'next')])).ids;
      assert.deepEqual(ids(await store.lease('a', ORDERED)), [next], 'this process may lease past its own lease (the write after it)');
      await store.release('a', [next!]);
      const retryAt = Date.now() + 600;
      await store.retryLater('a', [head!], retryAt, 'HTTP 503');
      assert.deepEqual(await store.lease('a', ORDERED), [], 'nothing newer while the head waits for its retry');
      assert.deepEqual(ids(await store.lease('a', ALL)), [next], 'unordered backends go on meanwhile');
      await store.release('a', [next!]);
      await sleep(Math.max(0, retryAt - Date.now()) + 30);
      const retried = await store.lease('a', ORDERED);
      assert.deepEqual(ids(retried), [head], 'the retried job first (alone: its write went out alone)');
      await store.complete('a', ids(retried));
      assert.deepEqual(ids(await store.lease('a', ORDERED)), [next], 'then the rest');
    });

    it('dead letters keep payload, reason, first and last error, attempts; list, show, replay, drop', async () => {
      const { store } = await fresh();
      const [x, y] = (await store.enqueue([entry('a', 'bad data', undefined, 4), entry('b', 'other')])).ids;
      const l = await store.lease('a', ALL);
      await store.retryLater('a', ids(l), Date.now(), 'connection reset');
      await store.deadLetter('a', ids(await store.lease('a', ALL)), 'permanent', 'HTTP 400: bad line protocol');
      await store.deadLetter('b', ids(await store.lease('b', ALL)), 'attempts', 'timeout');
      const sa = await store.stats('a');
      assert.deepEqual(
        { jobs: sa.jobs, items: sa.items, bytes: sa.bytes, leased: sa.leased, dead: sa.deadLetters },
        { jobs: 0, items: 0, bytes: 0, leased: 0, dead: 1 },
      );
      const list = await store.listDeadLetters('a');
      assert.equal(list.length, 1);
      const d = list[0]!;
      assert.deepEqual(
        {
          id: d.id,
          backend: d.backend,
          items: d.items,
          bytes: d.bytes,
          attempts: d.attempts,
          reason: d.reason,
          firstError: d.firstError,
          lastError: d.lastError,
        },
        {
          id: x,
          backend: 'a',
          items: 4,
          bytes: 8,
          attempts: 2,
          reason: 'permanent',
          firstError: 'connection reset',
          lastError: 'HTTP 400: bad line protocol',
        },
      );
      assert.ok(d.deadAt >= d.enqueuedAt);
      assert.equal((await store.listDeadLetters()).length, 2);
      const shown = await store.showDeadLetter(x!);
      assert.equal(text(shown!.payload), 'bad data');
      assert.equal(shown!.reason, 'permanent');
      assert.equal(await store.showDeadLetter('nope'), null);
      assert.equal(await store.showDeadLetter(y!).then((s) => s?.backend), 'b');

      await store.enqueue([entry('a', 'newer')]);
      assert.equal(await store.replayDeadLetters({ id: x! }), 1);
      const sr = await store.stats('a');
      assert.deepEqual({ jobs: sr.jobs, dead: sr.deadLetters }, { jobs: 2, dead: 0 });
      const replayed = await store.lease('a', ALL);
      assert.deepEqual(
        replayed.map((j) => text(j.payload)),
        ['newer', 'bad data'],
        'replayed jobs go back in line, at the back',
      );
      assert.equal(replayed[1]!.id, x, 'same id for life');
      assert.equal(replayed[1]!.attempts, 0);
      assert.equal(await store.replayDeadLetters({ backend: 'a' }), 0);
      assert.equal(await store.dropDeadLetters({ backend: 'b' }), 1);
      assert.equal((await store.stats('b')).deadLetters, 0);
      assert.equal(await store.showDeadLetter(y!), null);
    });

    it('on reopen, jobs leased by the previous process are ready again, groups intact', async () => {
      const { store, dir } = await fresh();
      const enq = (await store.enqueue([entry('a', 'p1'), entry('a', 'p2'), entry('a', 'p3'), entry('b', 'q1')])).ids;
      const leased = await store.lease('a', { maxJobs: 2, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
      assert.equal(leased.length, 2);
      await store.lease('b', ALL);
      await store.close();
      await assert.rejects(store.stats('a'), QueueUnavailableError);
      const again = await reopen(dir);
      open_.push(again);
      again.configure('a', UNBOUNDED);
      const s = await again.stats('a');
      assert.deepEqual({ jobs: s.jobs, leased: s.leased }, { jobs: 3, leased: 0 });
      const relet = await again.lease('a', ALL);
      assert.deepEqual(ids(relet), enq.slice(0, 2), 'the interrupted lease comes back whole, alone');
      assert.equal(relet[0]!.group, leased[0]!.group);
      assert.deepEqual(
        relet.map((job) => job.resumed),
        [true, true],
        'a lease that ended with its process is named: that write may have reached the backend',
      );
      const never = await again.lease('a', ALL);
      assert.deepEqual(ids(never), enq.slice(2, 3));
      assert.equal(never[0]!.resumed, false);
      const other = await again.lease('b', ALL);
      assert.deepEqual(ids(other), enq.slice(3));
      assert.equal(other[0]!.resumed, true);
      await again.retryLater('a', ids(relet), Date.now(), 'refused');
      assert.deepEqual(
        (await again.lease('a', ALL)).map((job) => [job.resumed, job.attempts]),
        [
          [false, 1],
          [false, 1],
        ],
        'an outcome clears the mark',
      );
      await again.health();
    });

    it('a job whose write went out alone (its batch id is its own) comes back alone, after a restart or a retry', async () => {
      // Joined to a run it would form a new group: a new batch id, which the backend's dedup (ClickHouse's insert
      // token) takes for new data, storing that write a second time.
      const { store, dir } = await fresh();
      const enq = (await store.enqueue([entry('a', 'p1')])).ids;
      const alone = await store.lease('a', ALL);
      assert.deepEqual(ids(alone), enq);
      assert.equal(alone[0]!.group, null);
      enq.push(...(await store.enqueue([entry('a', 'p2'), entry('a', 'p3')])).ids);
      await store.close();
      const again = await reopen(dir);
      open_.push(again);
      again.configure('a', UNBOUNDED);
      const resumed = await again.lease('a', ALL);
      assert.deepEqual(ids(resumed), enq.slice(0, 1), 'the interrupted single write alone, not in a run with the jobs after it');
      assert.equal(resumed[0]!.group, null);
      await again.retryLater('a', ids(resumed), Date.now(), 'timed out');
      const retried = await again.lease('a', ALL);
      assert.deepEqual(ids(retried), enq.slice(0, 1), 'a retried single write alone as well');
      await again.complete('a', ids(retried));
      assert.deepEqual(ids(await again.lease('a', ALL)), enq.slice(1), 'the others as one run');
    });

    it('reports zero stats for an unknown backend; health answers', async () => {
      const { store } = await fresh();
      assert.deepEqual(await store.stats('nobody'), { jobs: 0, items: 0, bytes: 0, oldestAgeMs: 0, leased: 0, deadLetters: 0 });
      await store.health();
      assert.deepEqual(await store.enqueue([]), { ids: [], dropped: [] });
    });

    if (options.crashChild) {
      const child = options.crashChild;
      it('kill -9 mid-stream loses no acknowledged job and duplicates none', { timeout: 120_000 }, async () => {
        const dir = path.join(root, 'crash');
        await runCrashTest({ dir, child, open: reopen, kills: 5 });
      });
    }
  });
}
