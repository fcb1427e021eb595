/**
 * The embedded store: PostgreSQL 18 compiled to WASM (PGlite) with its data folder on disk, served over
 * the PostgreSQL wire protocol on a loopback port, so the gateway's postgres adapter writes to it with
 * `pg` exactly as to a real server, and people read it with psql or Grafana.
 *
 * How pglite-socket 0.2.17 serves several clients (read from its source): PGlite is ONE single-user
 * backend. The server accepts up to `maxConnections` sockets (its default is 1: a second client gets the
 * raw text "Too many connections" and is hung up on, so psql would lock the gateway out, or the other way
 * round). With more allowed, every socket's protocol messages go through one FIFO queue into that single
 * session, and while the session is inside a transaction only messages of the socket that opened it run;
 * the others wait their turn. Consequences, which the adapter respects:
 *  - everything a client does outside a transaction is message-by-message interleaved with other clients,
 *    and session state (SET, the unnamed prepared statement, search_path) is shared by all of them; so the
 *    adapter sends every parameterized statement inside BEGIN … COMMIT, sets only SET LOCAL, and qualifies
 *    table names with their schema;
 *  - an open transaction in a psql session holds up the gateway's writes until it ends (the adapter's
 *    statement timeout turns that into a retryable error); plain psql queries (autocommit) just queue.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startSiblingWorker } from '../util/sibling-worker.js';
import type { Logger } from 'pino';
import type { WorkerInput, WorkerMessage } from './postgres-worker.js';
import { acquireProcessLock } from '../util/process-lock.js';

export const EMBEDDED_POSTGRES_DEFAULT_PORT = 5439;

export interface EmbeddedPostgresOptions {
  /** The PGlite data folder; created if missing, reused (with its data) if present. */
  readonly dataDir: string;
  readonly host?: string;
  /** 0 picks a free port (see `url`). */
  readonly port?: number;
  readonly logger: Logger;
  /** Client connections served at once (the gateway's pool plus people's psql/Grafana sessions). */
  readonly maxConnections?: number;
}

export interface EmbeddedPostgres {
  /** postgresql://postgres@host:port/postgres (no password: it listens on loopback only by default). */
  readonly url: string;
  /** Stops serving, rolls back a transaction a client left open, and shuts PGlite down cleanly. */
  close(): Promise<void>;
}

/** PGlite and its socket server run in a worker thread (see postgres-worker.ts for why). */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger;
  mkdirSync(options.dataDir, { recursive: true });
  // PGlite has no lock of its own: two processes on one data folder would corrupt it.
  const lock = acquireProcessLock(options.dataDir, 'the embedded PostgreSQL data folder');
  const started = Date.now();

  const input: WorkerInput = {
    dataDir: options.dataDir,
    host,
    port: options.port ?? EMBEDDED_POSTGRES_DEFAULT_PORT,
    maxConnections: options.maxConnections ?? 32,
  };
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    try {
      await initializeDataDir(options.dataDir);
    } catch (error) {
      lock.release();
      throw error;
    }
  }
  const worker = startSiblingWorker(import.meta.url, 'postgres-worker', { workerData: input });

  let onClosed: (() => void) | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'listening') resolve(message.port);
      else if (message.type === 'failed') reject(new Error(`embedded postgres: cannot listen on ${host}:${input.port}: ${message.message}`));
      else if (message.type === 'closed') onClosed?.();
      else if (message.type === 'connection-error') logger.warn({ err: message.message }, 'embedded postgres: connection error');
    });
    worker.on('error', (error) => {
      logger.error({ err: error }, 'embedded postgres: worker failed');
      reject(error);
    });
    worker.on('exit', (code) => reject(new Error(`embedded postgres: worker exited with code ${code} before listening`)));
  }).catch(async (error: unknown) => {
    await worker.terminate();
    lock.release();
    throw error;
  });

  const url = `postgresql://postgres@${host.includes(':') ? `[${host}]` : host}:${port}/postgres`;
  logger.info({ url, dataDir: options.dataDir, ms: Date.now() - started }, 'embedded postgres: listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    await new Promise<void>((resolve) => {
      onClosed = resolve;
      worker.once('exit', () => resolve());
      worker.postMessage({ type: 'close' });
    });
    await worker.terminate();
    lock.release();
    logger.info({ dataDir: options.dataDir }, 'embedded postgres: closed');
  };
  return { url, close: () => (closing ??= close()) };
}

/**
 * A new data folder is created (initdb, then a first start) by a child process that exits before the serving
 * worker starts. PGlite runs initdb as a second WASM instance; in the serving worker its memory and the bootstrap's
 * stayed resident (the worker's small JS heap never collected them): 875 MB RSS on a first start in an empty folder
 * against 357 MB restarted. A throwaway worker thread freed the WASM memories but left ~130 MB in the allocator's
 * arenas (341 MB against 211 MB restarted); a process gives everything back.
 */
async function initializeDataDir(dataDir: string): Promise<void> {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const child = fork(fileURLToPath(new URL(`./postgres-init${ext}`, import.meta.url)), [dataDir], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`embedded postgres: creating ${dataDir} failed (exit ${code ?? signal}): ${stderr.trim()}`)),
    );
  });
}
