import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { EmbeddedQueueStore } from '../../src/queue/sqlite/index.js';
import { WalSync } from '../../src/queue/sqlite/wal-sync.js';
import { ProcessLockedError } from '../../src/util/process-lock.js';
import { MonotonicUlid } from '../../src/util/ids.js';
import { payloadOf, runQueueContract } from './contract.js';

const here = path.dirname(fileURLToPath(import.meta.url));

runQueueContract('embedded', (dir) => EmbeddedQueueStore.open({ dir }), { crashChild: path.join(here, 'sqlite-crash-child.ts') });

describe('embedded queue specifics', () => {
  it('checkpoints on their own thread: the WAL copied into the database and started over, the thread stopped when idle', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-ckpt-'));
    const store = await EmbeddedQueueStore.open({ dir, checkpoints: { intervalMs: 20, idleStopMs: 300 } });
    const { db, checkpointer } = store as unknown as { db: Database.Database; checkpointer: { running: boolean } };
    try {
      store.configure('b', { maxBytes: 1e10, maxAgeMs: 3.6e6, policy: 'refuse' });
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 0, 'none on the main connection');
      assert.equal(checkpointer.running, false, 'no thread before the first commit');
      const payload = new Uint8Array(1_000_000).fill(3);
      // 80 MB: past the 32 MB at which the WAL starts over, with time for the thread between commits.
      for (let i = 0; i < 80; i++) {
        await store.enqueue([{ backend: 'b', payload, items: 1 }]);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.equal(checkpointer.running, true);
      const dbFile = path.join(dir, 'queue.db');
      assert.ok(statSync(dbFile).size > 40e6, `the thread copied the WAL into the database (${statSync(dbFile).size} bytes)`);
      assert.ok(statSync(`${dbFile}-wal`).size <= 70e6, `the WAL started over (${statSync(`${dbFile}-wal`).size} bytes)`);
      const deadline = Date.now() + 5000;
      while (checkpointer.running && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(checkpointer.running, false, 'stopped after 300 ms without a commit');
      await store.enqueue([{ backend: 'b', payload, items: 1 }]);
      assert.equal(checkpointer.running, true, 'started again by the next commit');
      assert.equal((await store.stats('b')).jobs, 81);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the WAL over from the checkpoint thread, with writes held meanwhile: every write issued then lands', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-restart-'));
    const store = await EmbeddedQueueStore.open({ dir, checkpoints: { intervalMs: 10 } });
    const { checkpointer } = store as unknown as { checkpointer: { writesHeld: Promise<void> | undefined } };
    const walFile = path.join(dir, 'queue.db-wal');
    try {
      store.configure('b', { maxBytes: 1e10, maxAgeMs: 3.6e6, policy: 'refuse' });
      const payload = new Uint8Array(500_000).fill(7);
      let holds = 0;
      let issuedWhileHeld = 0;
      // Bursts of 8 concurrent enqueues (4 MB) until three holds were seen (32 MB of WAL each, ~100 MB).
      for (let burst = 0; burst < 100 && holds < 3; burst++) {
        const writes = Array.from({ length: 8 }, () => store.enqueue([{ backend: 'b', payload, items: 2 }]));
        const held = checkpointer.writesHeld !== undefined;
        const restartsBefore = walRestarts(walFile);
        // One more write issued during the hold, when there is one: it waits for the checkpoint, then starts the WAL over.
        if (held) writes.push(store.enqueue([{ backend: 'b', payload, items: 2 }]));
        const results = await Promise.all(writes);
        for (const result of results) assert.equal(result.ids.length, 1);
        if (held) {
          holds++;
          issuedWhileHeld += writes.length;
          assert.ok(walRestarts(walFile) > restartsBefore, `the writes after hold ${holds} started the WAL over`);
        }
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      assert.ok(holds >= 3, `writes were held for a restart ${holds} times`);
      assert.ok(statSync(walFile).size <= 70e6, `the WAL stays bounded (${statSync(walFile).size} bytes)`);
      const stats = await store.stats('b');
      assert.equal(stats.items, 2 * stats.jobs, 'every job whole');
      assert.ok(stats.jobs >= 3 * 9, `every write landed (${stats.jobs} jobs, ${issuedWhileHeld} issued while held)`);
      const leased = await store.lease('b', { maxJobs: 1000, maxBytes: 1e12, maxItems: 1e9 });
      assert.equal(leased.length, stats.jobs);
      assert.ok(leased.every((job) => job.payload.byteLength === payload.byteLength && job.payload[0] === 7));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a checkpoint thread that dies hands the checkpoints back to the main connection', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-ckpt-'));
    const store = await EmbeddedQueueStore.open({ dir, fsync: false });
    const { db, checkpointer } = store as unknown as {
      db: Database.Database;
      checkpointer: { running: boolean; worker: { terminate(): Promise<number> } };
    };
    try {
      store.configure('b', { maxBytes: 1e9, maxAgeMs: 3.6e6, policy: 'refuse' });
      await store.enqueue([{ backend: 'b', payload: new Uint8Array(10), items: 1 }]);
      await checkpointer.worker.terminate();
      const deadline = Date.now() + 5000;
      while (checkpointer.running && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(db.pragma('wal_autocheckpoint', { simple: true }), 1000);
      await store.enqueue([{ backend: 'b', payload: new Uint8Array(10), items: 1 }]);
      assert.equal(checkpointer.running, false, 'not started again');
      assert.equal((await store.stats('b')).jobs, 2);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('WAL sync: a caller during a running sync waits for the next one, which every caller meanwhile shares', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-wal-sync-'));
    const file = path.join(dir, 'q-wal');
    writeFileSync(file, 'x');
    const sync = new WalSync(file);
    try {
      const first = sync.sync(); // starts at once
      const second = sync.sync(); // the running one may predate this caller's commit: the next one
      const third = sync.sync();
      assert.notEqual(first, second);
      assert.equal(second, third);
      await Promise.all([first, second]);
      const later = sync.sync(); // nothing running: a new one
      assert.notEqual(later, second);
      await later;
    } finally {
      await sync.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("one process per queue file: a second open is refused naming the holder; a dead holder's lock is taken over", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-lock-'));
    try {
      const first = await EmbeddedQueueStore.open({ dir });
      await assert.rejects(
        EmbeddedQueueStore.open({ dir }),
        (e: unknown) => e instanceof ProcessLockedError && e.message.includes(`process ${process.pid}`) && e.message.includes('queue.db'),
      );
      await first.close();
      await (await EmbeddedQueueStore.open({ dir })).close();

      // A lock left by a process that is gone (kill -9): taken over.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(path.join(dir, 'queue.db.lock'), JSON.stringify({ pid: Number(dead.stdout), host: hostname(), since: 'then' }));
      const after = await EmbeddedQueueStore.open({ dir });
      assert.equal(JSON.parse(readFileSync(path.join(dir, 'queue.db.lock'), 'utf8')).pid, process.pid);
      await after.close();
      assert.equal(existsSync(path.join(dir, 'queue.db.lock')), false, 'close removes the lock');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores a payload shared by several backends once, and frees it with its last job', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-refs-'));
    const store = await EmbeddedQueueStore.open({ dir });
    try {
      const shared = payloadOf('x', 10_000);
      await store.enqueue(['a', 'b', 'c'].map((backend) => ({ backend, payload: shared, items: 1 })));
      const db = new Database(path.join(dir, 'queue.db'), { readonly: true });
      const payloads = () => db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(refs), 0) AS refs FROM payloads').get();
      assert.deepEqual(payloads(), { n: 1, refs: 3 });
      for (const backend of ['a', 'b'])
        await store.complete(
          backend,
          (await store.lease(backend, { maxJobs: 9, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER })).map((j) => j.id),
        );
      assert.deepEqual(payloads(), { n: 1, refs: 1 });
      await store.deadLetter(
        'c',
        (await store.lease('c', { maxJobs: 9, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER })).map((j) => j.id),
        'permanent',
        'bad',
      );
      assert.deepEqual(payloads(), { n: 1, refs: 1 }, 'a dead letter keeps its payload');
      await store.dropDeadLetters({});
      assert.deepEqual(payloads(), { n: 0, refs: 0 });
      db.close();
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('opens a queue file of the previous schema (version 1, no held mark): its jobs lease as not resumed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-v1-'));
    try {
      const first = await EmbeddedQueueStore.open({ dir });
      const [id] = (await first.enqueue([{ backend: 'a', payload: payloadOf('old'), items: 1 }])).ids;
      await first.close();
      const db = new Database(path.join(dir, 'queue.db'));
      db.exec('ALTER TABLE jobs DROP COLUMN held');
      db.pragma('user_version = 1');
      db.close();
      const again = await EmbeddedQueueStore.open({ dir });
      try {
        const jobs = await again.lease('a', { maxJobs: 10, maxBytes: 1e9, maxItems: 1e9 });
        assert.deepEqual(
          jobs.map((job) => [job.id, job.resumed]),
          [[id, false]],
        );
        await again.close();
        const reopened = await EmbeddedQueueStore.open({ dir });
        const relet = await reopened.lease('a', { maxJobs: 10, maxBytes: 1e9, maxItems: 1e9 });
        assert.equal(relet[0]!.resumed, true, 'the new column keeps the mark across a restart');
        await reopened.close();
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes time-ordered unique ids, monotonic within a millisecond and when the clock steps back', () => {
    const ulid = new MonotonicUlid();
    const ids = [ulid.next(1000), ulid.next(1000), ulid.next(1000), ulid.next(999), ulid.next(1001)];
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) assert.match(id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(ids[0]!.startsWith('00000000Z8'), 'the first 10 characters are the ms timestamp');
  });

  it('uses WAL at synchronous=NORMAL, and syncs the WAL itself only when fsync is asked for', async () => {
    // The order of that sync and the ack is test/queue/fsync-before-ack.test.ts's (strace).
    for (const fsync of [false, true]) {
      const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-wal-'));
      const store = await EmbeddedQueueStore.open({ dir, fsync });
      const { db, walSync } = store as unknown as { db: Database.Database; walSync: unknown };
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 1);
      assert.equal(walSync !== undefined, fsync);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The WAL header's checkpoint sequence number (bytes 12-15, big-endian): it counts the times the WAL started over. */
function walRestarts(walFile: string): number {
  const header = Buffer.alloc(16);
  const fd = openSync(walFile, 'r');
  try {
    readSync(fd, header, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  return header.readUInt32BE(12);
}
