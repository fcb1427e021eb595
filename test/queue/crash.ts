/**
 * The real crash test: a child process enqueues as fast as it can and prints every acknowledged job id;
 * we `kill -9` it mid-stream, several times, then check that every acknowledged job is in the queue
 * exactly once, with its own payload.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Job, QueueStore } from '../../src/queue/contract.js';

export interface CrashTestOptions {
  readonly dir: string;
  /** Script run as `node --import tsx <child> <dir>`; prints `ack <backend>=<id>/<tag> ...` per resolved enqueue. */
  readonly child: string;
  readonly open: (dir: string) => Promise<QueueStore>;
  readonly kills: number;
}

/** Backends the crash children enqueue to. */
export const CRASH_BACKENDS = ['a', 'b'] as const;

export async function runCrashTest({ dir, child, open, kills }: CrashTestOptions): Promise<void> {
  const acked = new Map<string, { backend: string; tag: string }>();
  for (let round = 0; round < kills; round++) {
    const killAfter = 50 + Math.floor(Math.random() * 300);
    const proc = spawn(process.execPath, ['--import', 'tsx', child, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.on('exit', (code, signal) => resolve(signal ?? code)));
    let seen = 0;
    for await (const line of createInterface({ input: proc.stdout })) {
      if (!line.startsWith('ack ')) continue;
      for (const part of line.slice(4).split(' ')) {
        const [backend, rest] = part.split('=') as [string, string];
        const [id, tag] = rest.split('/') as [string, string];
        assert.ok(!acked.has(id), `id ${id} acknowledged twice`);
        acked.set(id, { backend, tag });
      }
      if (++seen === killAfter) proc.kill('SIGKILL');
    }
    const how = await exited;
    assert.equal(how, 'SIGKILL', `child ended by ${String(how)} before the kill: ${stderr}`);
  }
  assert.ok(acked.size > kills * 50, `only ${acked.size} acknowledged ids`);

  const store = await open(dir);
  try {
    const found = new Map<string, Job>();
    for (const backend of CRASH_BACKENDS) {
      const s = await store.stats(backend);
      assert.equal(s.leased, 0, 'leases of dead processes do not survive');
      for (
        let jobs = await store.lease(backend, { maxJobs: 500, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER });
        jobs.length > 0;
        jobs = await store.lease(backend, { maxJobs: 500, maxBytes: 1e9, maxItems: Number.MAX_SAFE_INTEGER })
      ) {
        for (const job of jobs) {
          assert.ok(!found.has(job.id), `job ${job.id} stored twice`);
          found.set(job.id, job);
        }
      }
      assert.equal(s.jobs, [...found.values()].filter((j) => j.backend === backend).length, `stats of ${backend} match the jobs found`);
    }
    for (const [id, { backend, tag }] of acked) {
      const job = found.get(id);
      assert.ok(job, `acknowledged job ${id} is lost`);
      assert.equal(job.backend, backend);
      assert.equal(new TextDecoder().decode(job.payload.subarray(0, tag.length)), tag, `job ${id} has its own payload`);
    }
  } finally {
    await store.close();
  }
}
