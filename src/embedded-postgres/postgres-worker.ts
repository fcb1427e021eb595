/**
 * Runs inside a worker thread: PGlite executes SQL synchronously in WASM, so on the main thread every
 * statement would stall the gateway's receivers and its other backends (measured: ~0.5 s per 2,000-row
 * insert under load). Here it stalls only this thread; the socket server listens from here too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { EMBEDDED_POSTGRES_CONF } from './postgres-conf.js';

export interface WorkerInput {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly maxConnections: number;
}
export type WorkerMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'closed' }
  | { readonly type: 'connection-error'; readonly message: string };

const input = workerData as WorkerInput;
const post = (message: WorkerMessage): void => parentPort?.postMessage(message);

const db = await PGlite.create({ dataDir: input.dataDir, postgresqlconf: EMBEDDED_POSTGRES_CONF });
await serve();

async function serve(): Promise<void> {
  const server = new PGLiteSocketServer({ db, host: input.host, port: input.port, maxConnections: input.maxConnections });
  server.addEventListener('error', (event) =>
    post({ type: 'connection-error', message: String((event as CustomEvent).detail?.message ?? (event as CustomEvent).detail) }),
  );
  try {
    await server.start();
    post({ type: 'listening', port: Number(server.getServerConn().split(':').pop()) });
  } catch (error) {
    await db.close().catch(() => undefined);
    post({ type: 'failed', message: (error as Error).message });
  }

  parentPort?.on('message', async (message: { type: string }) => {
    if (message.type !== 'close') return;
    // stop() hangs up every client; each hang-up queues a ROLLBACK if its client was mid-transaction.
    await server.stop();
    // Let those detaches run against the still-open database (they must not find it closed).
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (db.isInTransaction()) await db.exec('ROLLBACK');
    // close() shuts the backend down (checkpoint) and flushes the data folder.
    await db.close();
    post({ type: 'closed' });
    parentPort?.close();
  });
}
