/**
 * Embedded queue micro-benchmark: enqueue latency and throughput for ~100 KB and ~2 MB payloads (real encoded
 * batches), for 1 backend and for 4 backends sharing the payload (stored once) versus 4 separate copies;
 * a full enqueue → lease → complete cycle; bytes on disk per point; 4 KB vs 16 KB pages.
 * Run: node --import tsx bench/queue-micro.ts
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { encodeBatch } from '../src/queue/codec.js';
import { EmbeddedQueueStore } from '../src/queue/sqlite/index.js';
import type { EnqueueEntry } from '../src/queue/contract.js';
import { realisticBatch } from '../test/queue/fixtures.js';

const BACKENDS = ['prometheus', 'influx', 'timescale', 'clickhouse'];
const UNBOUNDED = { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: Number.MAX_SAFE_INTEGER, policy: 'refuse' } as const;

async function openStore(pageSize?: number, fsync = false): Promise<{ store: EmbeddedQueueStore; dir: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'manifold-queue-bench-'));
  if (pageSize) {
    // Pre-create the file with another page size (the store's own page_size only applies to new files).
    const db = new Database(path.join(dir, 'queue.db'));
    db.pragma(`page_size = ${pageSize}`);
    db.pragma('journal_mode = WAL');
    db.close();
  }
  const store = await EmbeddedQueueStore.open({ dir, fsync });
  for (const b of BACKENDS) store.configure(b, UNBOUNDED);
  return { store, dir };
}

function diskBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

interface Case {
  label: string;
  points: number;
  backends: number;
  copies: boolean;
  pageSize?: number;
  fsync?: boolean;
  cycle?: boolean;
}

async function run(c: Case): Promise<void> {
  const payload = encodeBatch(realisticBatch(c.points, 0));
  const { store, dir } = await openStore(c.pageSize, c.fsync);
  const entries = (): EnqueueEntry[] =>
    BACKENDS.slice(0, c.backends).map((backend) => ({ backend, payload: c.copies ? payload.slice() : payload, items: c.points }));
  const budgetMs = 3000;
  const lat: number[] = [];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let calls = 0;
  while (performance.now() - started < budgetMs) {
    const e = entries();
    const t = performance.now();
    await store.enqueue(e);
    lat.push(performance.now() - t);
    calls++;
    if (c.cycle) {
      for (const backend of BACKENDS.slice(0, c.backends)) {
        const jobs = await store.lease(backend, { maxJobs: 64, maxBytes: 8 << 20, maxItems: Number.MAX_SAFE_INTEGER });
        await store.complete(
          backend,
          jobs.map((j) => j.id),
        );
      }
    }
  }
  const secs = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time per call as well as wall time: on a shared, loaded machine wall time includes waiting for a core.
  const cpuMs = (cpu.user + cpu.system) / 1000 / calls;
  const onDisk = diskBytes(dir);
  const jobs = calls * c.backends;
  console.log(
    `${c.label.padEnd(44)} payload ${(payload.length / 1024).toFixed(0).padStart(5)} KB  ` +
      `${(calls / secs).toFixed(0).padStart(5)} enqueues/s  ${(jobs / secs).toFixed(0).padStart(5)} jobs/s  ` +
      `${((calls * payload.length) / secs / 1e6).toFixed(0).padStart(4)} MB/s in  ${Math.round((calls * c.points) / secs)
        .toLocaleString('en')
        .padStart(10)} points/s  ` +
      `enqueue p50 ${pct(lat, 0.5).toFixed(2)} ms p99 ${pct(lat, 0.99).toFixed(2)} ms  cpu ${cpuMs.toFixed(2)} ms/call` +
      (c.cycle ? '' : `  disk ${(onDisk / (calls * c.points)).toFixed(1)} B/point`),
  );
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

const cases: Case[] = [
  { label: '100 KB, 1 backend', points: 1000, backends: 1, copies: false },
  { label: '2 MB, 1 backend', points: 20_000, backends: 1, copies: false },
  { label: '2 MB, 1 backend, 4 KB pages', points: 20_000, backends: 1, copies: false, pageSize: 4096 },
  { label: '100 KB, 4 backends, payload stored once', points: 1000, backends: 4, copies: false },
  { label: '100 KB, 4 backends, 4 copies', points: 1000, backends: 4, copies: true },
  { label: '2 MB, 4 backends, payload stored once', points: 20_000, backends: 4, copies: false },
  { label: '2 MB, 4 backends, 4 copies', points: 20_000, backends: 4, copies: true },
  { label: '100 KB, 1 backend, fsync', points: 1000, backends: 1, copies: false, fsync: true },
  { label: '2 MB, 1 backend, fsync', points: 20_000, backends: 1, copies: false, fsync: true },
  { label: 'cycle 100 KB: enqueue+lease+complete, 1 backend', points: 1000, backends: 1, copies: false, cycle: true },
  { label: 'cycle 2 MB: enqueue+lease+complete, 1 backend', points: 20_000, backends: 1, copies: false, cycle: true },
  { label: 'cycle 2 MB: enqueue+lease+complete, 4 backends', points: 20_000, backends: 4, copies: false, cycle: true },
  { label: 'cycle 100 KB, fsync: one job per lease', points: 1000, backends: 1, copies: false, cycle: true, fsync: true },
];
const only = process.argv[2];
for (const c of cases) if (!only || c.label.includes(only)) await run(c);
