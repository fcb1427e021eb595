/**
 * The embedded PostgreSQL's own process (forked by postgres-process.ts): PGlite and its socket server on an internal
 * loopback port that only the gateway's front (postgres.ts) connects to. A process, not a worker thread: PGlite
 * executes SQL synchronously in WASM, so it must be off the gateway's main thread, and a stopped thread left ~130 MB
 * in glibc's malloc arenas where an exited process gives everything back (bench/RESULTS.md, "Idle memory").
 *
 * Messages to the parent (over the IPC channel): `listening` with the internal port, `failed`, `connection-error`;
 * from the parent: `close`. A parent that goes away (kill -9) closes the channel: the child then closes the
 * database and exits, so no orphan keeps the data folder open.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireProcessLock, ProcessLockedError, type ProcessLock } from '../util/process-lock.js';
import { EMBEDDED_POSTGRES_CONF } from './postgres-conf.js';

export interface ChildInput {
  readonly dataDir: string;
  readonly maxConnections: number;
}
export type ChildMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'connection-error'; readonly message: string };

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
const post = (message: ChildMessage): void => void process.send?.(message);

// The gateway holds the data folder's lock for its whole life; this one is held only while PGlite has the folder
// open, so a child orphaned by a killed gateway and still closing keeps a restarted gateway's child waiting.
const serverLock = await lockWaiting(`${input.dataDir}.server`, 15_000);
let db: PGlite;
let server: PGLiteSocketServer;
try {
  db = await PGlite.create({ dataDir: input.dataDir, postgresqlconf: EMBEDDED_POSTGRES_CONF });
  server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: input.maxConnections });
  server.addEventListener('error', (event) =>
    post({ type: 'connection-error', message: String((event as CustomEvent).detail?.message ?? (event as CustomEvent).detail) }),
  );
  await server.start();
} catch (error) {
  serverLock.release();
  post({ type: 'failed', message: (error as Error).message });
  process.disconnect?.();
  process.exit(1);
}

let closing: Promise<void> | undefined;
const close = (): Promise<void> =>
  (closing ??= (async () => {
    // stop() hangs up every client; each hang-up queues a ROLLBACK if its client was mid-transaction.
    await server.stop();
    // Let those detaches run against the still-open database (they must not find it closed).
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (db.isInTransaction()) await db.exec('ROLLBACK');
    // close() shuts the backend down (checkpoint) and flushes the data folder.
    await db.close();
    serverLock.release();
    process.exit(0);
  })());
process.on('message', (message: { type?: string }) => {
  if (message.type === 'close') void close();
});
process.on('disconnect', () => void close());
post({ type: 'listening', port: Number(server.getServerConn().split(':').pop()) });

async function lockWaiting(path: string, ms: number): Promise<ProcessLock> {
  for (const end = Date.now() + ms; ; await sleep(100)) {
    try {
      return acquireProcessLock(path, 'the embedded PostgreSQL data folder (its server process)');
    } catch (error) {
      if (!(error instanceof ProcessLockedError) || Date.now() > end) {
        post({ type: 'failed', message: (error as Error).message });
        process.exit(1);
      }
    }
  }
}
