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
import { createServer, connect, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { acquireProcessLock } from '../util/process-lock.js';
import { PostgresProcess, type ServerProcessStatus } from './postgres-process.js';

export const EMBEDDED_POSTGRES_DEFAULT_PORT = 5439;
/** embedded_store.idle_stop_after's default. */
export const EMBEDDED_POSTGRES_IDLE_STOP_MS = 30_000;

export interface EmbeddedPostgresOptions {
  /** The PGlite data folder; created if missing, reused (with its data) if present. */
  readonly dataDir: string;
  readonly host?: string;
  /** 0 picks a free port (see `url`). */
  readonly port?: number;
  readonly logger: Logger;
  /** Client connections served at once (the gateway's pool plus people's psql/Grafana sessions). */
  readonly maxConnections?: number;
  /** The server process stops after this long without a client connection (0: never); the next connection starts it. */
  readonly idleStopMs?: number;
}

export interface EmbeddedPostgres {
  /** postgresql://postgres@host:port/postgres (no password: it listens on loopback only by default). */
  readonly url: string;
  /** Whether the server process runs now, how often it was started, how often it died on its own. */
  status(): ServerProcessStatus;
  /** Stops serving, rolls back a transaction a client left open, and shuts PGlite down cleanly. */
  close(): Promise<void>;
}

/**
 * PGlite and its socket server run in a process of their own (postgres-child.ts); this process owns the public
 * port and pipes each connection to it, so the port answers while that process is stopped for idleness: a new
 * connection starts it again (~1-2 s) and waits meanwhile. Idle, the gateway then holds none of PGlite's memory.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger;
  const idleStopMs = options.idleStopMs ?? EMBEDDED_POSTGRES_IDLE_STOP_MS;
  mkdirSync(options.dataDir, { recursive: true });
  // PGlite has no lock of its own: two processes on one data folder would corrupt it.
  const lock = acquireProcessLock(options.dataDir, 'the embedded PostgreSQL data folder');
  const started = Date.now();
  const server = new PostgresProcess({ dataDir: options.dataDir, maxConnections: options.maxConnections ?? 32 }, logger);
  const clients = new Set<Socket>();
  let idleTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const scheduleIdleStop = (): void => {
    clearTimeout(idleTimer);
    if (idleStopMs <= 0 || closed) return;
    idleTimer = setTimeout(() => {
      if (clients.size > 0 || closed) return;
      logger.info({ idleMs: idleStopMs }, 'embedded postgres: no client connection, stopping the server process until the next one');
      void server.stop();
    }, idleStopMs);
    idleTimer.unref();
  };
  const front = createServer({ pauseOnConnect: true }, (client) => {
    clients.add(client);
    clearTimeout(idleTimer);
    client.setNoDelay(true);
    // A client that hangs up or resets is ordinary; its close below cleans up.
    client.on('error', (error) => logger.debug({ err: error }, 'embedded postgres: client connection error'));
    client.once('close', () => {
      clients.delete(client);
      if (clients.size === 0) scheduleIdleStop();
    });
    server.port().then(
      (port) => pipeTo(client, port),
      (error: unknown) => {
        if (!closed) logger.error({ err: error }, 'embedded postgres: cannot start the server process; connection closed');
        client.destroy();
      },
    );
  });

  const port = options.port ?? EMBEDDED_POSTGRES_DEFAULT_PORT;
  try {
    await listen(front, host, port).catch((error: Error) => {
      throw new Error(`embedded postgres: cannot listen on ${host}:${port}: ${error.message}`);
    });
    if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await initializeDataDir(options.dataDir);
    // Started now, so a data folder PGlite cannot open fails the gateway's start, not its first write.
    await server.port();
    scheduleIdleStop();
  } catch (error) {
    closed = true;
    await server.close();
    front.close();
    lock.release();
    throw error;
  }

  const address = front.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `postgresql://postgres@${host.includes(':') ? `[${host}]` : host}:${bound}/postgres`;
  logger.info({ url, dataDir: options.dataDir, ms: Date.now() - started, idleStopMs }, 'embedded postgres: listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    closed = true;
    clearTimeout(idleTimer);
    const frontClosed = new Promise<void>((resolve) => front.close(() => resolve()));
    // The server process hangs up its connections (rolling back an open transaction), closes PGlite, and exits.
    await server.close();
    for (const client of clients) client.destroy();
    await frontClosed;
    lock.release();
    logger.info({ dataDir: options.dataDir }, 'embedded postgres: closed');
  };
  return { url, status: () => server.status(), close: () => (closing ??= close()) };
}

/** Bytes both ways between a client and the server process; either side closing closes the other. */
function pipeTo(client: Socket, port: number): void {
  if (client.destroyed) return;
  const upstream = connect({ host: '127.0.0.1', port, noDelay: true });
  upstream.on('error', () => client.destroy());
  upstream.once('close', () => client.destroy());
  client.once('close', () => upstream.destroy());
  client.pipe(upstream);
  upstream.pipe(client);
  client.resume();
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A new data folder is created (initdb, then a first start) by a child process that exits before the server
 * process starts. PGlite runs initdb as a second WASM instance; in the serving worker its memory and the bootstrap's
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
