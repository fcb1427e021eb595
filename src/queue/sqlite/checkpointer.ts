/**
 * Keeps the embedded queue's checkpoints off the main thread: the main connection runs with
 * wal_autocheckpoint=0 and a checkpoint thread (checkpoint-thread.ts) copies the WAL into the database every
 * `intervalMs` while commits come in. With none for `idleStopMs` the thread is stopped (its isolate costs memory
 * a sidecar should not keep idle) and the next commit starts it again. If the thread fails, the main connection
 * takes its checkpoints back (SQLite's own, every 1,000 pages), so the WAL never grows without bound.
 *
 * The WAL only starts again from its beginning after a checkpoint that copied all of it, and one running beside a
 * steady writer never does (commits land while it copies). So once the WAL holds RESTART_FRAMES, the store holds
 * its writes back (`writesHeld`) while the thread runs one more checkpoint, which then copies the WAL to its end;
 * the next commit writes the WAL from its start (journal_size_limit truncates it). That checkpoint was run on the
 * main connection between two commits before: ~30 ms of copy and two fdatasyncs with the event loop stopped, 6.6%
 * of the main thread under logs ingest (bench/NOTES.md). Held, only the writes wait; requests are still read and
 * decoded, and deliveries translated and sent, meanwhile.
 */
import type { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { startSiblingWorker } from '../../util/sibling-worker.js';
import type { CheckpointReport, CheckpointThreadData } from './checkpoint-thread.js';

export interface CheckpointerOptions {
  readonly intervalMs?: number;
  readonly idleStopMs?: number;
  readonly logger?: Logger;
}

const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;
/** 2,048 frames of 16 KB pages: 32 MB of WAL, then it starts over. */
const RESTART_FRAMES = 2048;
/** Writes are never held longer than this, whatever the thread does: a WAL that grows is better than a stall. */
const HOLD_LIMIT_MS = 1000;

export class Checkpointer {
  private worker: Worker | undefined;
  private stopping: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private failed = false;
  private held: { readonly released: Promise<void>; readonly release: () => void } | undefined;
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

  /**
   * Pending while the thread runs the checkpoint that starts the WAL over: every write waits for it (the store
   * awaits it before a write's reads, so what it read still holds when it writes). Undefined nearly always.
   */
  get writesHeld(): Promise<void> | undefined {
    return this.held?.released;
  }

  /** Whether the thread runs now (for tests). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Stops the thread after a last checkpoint; the main connection closes after it (the last one cleans up). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.stop();
    this.releaseWrites();
  }

  private start(): void {
    const data: CheckpointThreadData = { file: this.file, intervalMs: this.intervalMs };
    const worker = startSiblingWorker(import.meta.url, 'checkpoint-thread', { workerData: data, name: 'queue-checkpoint' });
    worker.unref();
    worker.on('message', (report: CheckpointReport) => {
      if (report.restarted) this.releaseWrites();
      if (report.error) this.options.logger?.warn({ error: report.error }, 'queue checkpoint failed; the next one retries');
      // The restart's own report still counts the old WAL's frames: it starts over at the next commit.
      else if (!report.restarted && report.log !== undefined && report.log >= RESTART_FRAMES) this.holdWritesForRestart(worker);
    });
    worker.on('error', (error) => this.fail(worker, error));
    worker.on('exit', (code) => {
      this.releaseWrites();
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

  /**
   * No write is open now (better-sqlite3's are synchronous and this runs between turns), and none starts until
   * the thread answers, so its checkpoint sees the WAL's last frame.
   */
  private holdWritesForRestart(worker: Worker): void {
    // A stopping thread (its last report) would not answer.
    if (this.held || this.stopping || worker !== this.worker) return;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    // Both keep the process alive while writes are held: nothing else may (a held write is only a promise).
    const limit = setTimeout(() => this.releaseWrites(), HOLD_LIMIT_MS);
    worker.ref();
    this.held = {
      released,
      release: () => {
        clearTimeout(limit);
        if (!this.stopping) worker.unref();
        release();
      },
    };
    worker.postMessage('restart');
  }

  private releaseWrites(): void {
    const held = this.held;
    this.held = undefined;
    held?.release();
  }

  private fail(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.failed = true;
    clearTimeout(this.idleTimer);
    this.releaseWrites();
    this.db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
    this.options.logger?.error({ err: error }, 'the queue checkpoint thread failed; checkpoints run on the main thread from now on');
  }
}
