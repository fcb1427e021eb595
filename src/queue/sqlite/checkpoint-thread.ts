/**
 * The embedded queue's checkpoints, on a thread of their own (checkpointer.ts starts it). A checkpoint copies the
 * WAL into the database file and fdatasyncs both: on the main thread that stood still for up to tens of ms every
 * 16 MB written (bench/queue-loop-micro.ts: event-loop delay p99 14 ms with them, 2.3 ms without). Here it
 * blocks only this thread. PASSIVE: never waits for the writer, which keeps the WAL's write lock for the main
 * connection; what a checkpoint could not copy, the next one does. Each one reports the WAL's frames and how many
 * are copied. On 'restart' the main thread holds its writes back while this one checkpoints, so that checkpoint
 * copies the whole WAL and the next commit starts it over (checkpointer.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

export interface CheckpointThreadData {
  readonly file: string;
  readonly intervalMs: number;
}

/** What the thread reports after a checkpoint: `restarted` answers a 'restart'. */
export interface CheckpointReport {
  readonly log?: number;
  readonly checkpointed?: number;
  readonly restarted?: boolean;
  readonly error?: string;
}

const { file, intervalMs } = workerData as CheckpointThreadData;
const db = new Database(file, { timeout: 5000 });
db.pragma('synchronous = NORMAL');

function checkpoint(restart = false): void {
  const post = (report: CheckpointReport): void => parentPort!.postMessage(restart ? { ...report, restarted: true } : report);
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (result && (result.log > 0 || restart)) post({ log: result.log, checkpointed: result.checkpointed });
  } catch (error) {
    // SQLITE_BUSY and the like: the next turn tries again; anything lasting shows as a growing WAL.
    post({ error: (error as Error).message });
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort!.on('message', (message: 'stop' | 'restart') => {
  if (message === 'restart') return checkpoint(true);
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort!.close();
});
