/**
 * Keeps the embedded queue's checkpoints off the main thread: the main connection runs with
 * wal_autocheckpoint=0 and a checkpoint thread (checkpoint-thread.ts) copies the WAL into the database every
 * `intervalMs` while commits come in. With none for `idleStopMs` the thread is stopped (its isolate costs memory
 * a sidecar should not keep idle) and the next commit starts it again. If the thread fails, the main connection
 * takes its checkpoints back (SQLite's own, every 1,000 pages), so the WAL never grows without bound.
 *
 * The WAL only starts again from its beginning after a checkpoint that copied all of it, and one running beside a
 * steady writer never does (commits land while it copies). So once the WAL holds RESTART_FRAMES, the main
 * connection runs a checkpoint itself between two commits: the thread has copied and synced all but the last few
 * frames, so it is short, and the next commit writes the WAL from its start (journal_size_limit truncates it).
 */
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { startSiblingWorker } from '../../util/sibling-worker.js';
import type { CheckpointThreadData } from './checkpoint-thread.js';

export interface CheckpointerOptions {
  readonly intervalMs?: number;
  readonly idleStopMs?: number;
  readonly logger?: Logger;
}

const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
/** 2,048 frames of 16 KB pages: 32 MB of WAL, then it starts over. */
const RESTART_FRAMES = 2048;

export class Checkpointer {
  private worker: Worker | undefined;
  private stopping: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private failed = false;
  private readonly intervalMs: number;
  private readonly idleStopMs: number;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    private readonly options: CheckpointerOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 200;
    this.idleStopMs = options.idleStopMs ?? 30_000;
    db.pragma('wal_autocheckpoint = 0');
  }

  /** After each commit: the thread runs while commits come in. */
  committed(): void {
    if (this.failed) return;
    if (!this.worker) this.start();
    this.idleTimer?.refresh();
  }

  /** Whether the thread runs now (for tests). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Stops the thread after a last checkpoint; the main connection closes after it (the last one cleans up). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.stop();
  }

  private start(): void {
    const data: CheckpointThreadData = { file: this.file, intervalMs: this.intervalMs };
    const worker = startSiblingWorker(import.meta.url, 'checkpoint-thread', { workerData: data, name: 'queue-checkpoint' });
    worker.unref();
    worker.on('message', (message: { error?: string; log?: number }) => {
      if (message.error) this.options.logger?.warn({ error: message.error }, 'queue checkpoint failed; the next one retries');
      else if (message.log !== undefined && message.log >= RESTART_FRAMES) this.restartWal();
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => {
      if (this.worker === worker && !this.stopping) this.fail(worker, new Error(`checkpoint thread exited with code ${code}`));
    });
    this.worker = worker;
    this.idleTimer = setTimeout(() => void this.stop(), this.idleStopMs);
    this.idleTimer.unref();
  }

  private stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return this.stopping ?? Promise.resolve();
    this.stopping = new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.ref(); // unref'd while it runs; its last checkpoint is waited for
      worker.postMessage('stop');
    }).finally(() => {
      if (this.worker === worker) this.worker = undefined;
      this.stopping = undefined;
    });
    return this.stopping;
  }

  private restartWal(): void {
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
    } catch (error) {
      this.options.logger?.warn({ err: error as Error }, 'queue checkpoint failed; the next one retries');
    }
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failed = true;
    clearTimeout(this.idleTimer);
    this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    this.options.logger?.error({ err: error }, 'the queue checkpoint thread failed; checkpoints run on the main thread from now on');
  }
}
