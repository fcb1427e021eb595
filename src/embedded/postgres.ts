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
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from 'pino';

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

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? EMBEDDED_POSTGRES_DEFAULT_PORT;
  const logger = options.logger;
  mkdirSync(options.dataDir, { recursive: true });

  const started = Date.now();
  const db = await PGlite.create({ dataDir: options.dataDir });
  const server = new PGLiteSocketServer({ db, host, port, maxConnections: options.maxConnections ?? 32 });
  server.addEventListener('error', (event) => logger.warn({ err: (event as CustomEvent).detail }, 'embedded postgres: connection error'));
  try {
    await server.start();
  } catch (error) {
    await db.close().catch(() => undefined);
    throw new Error(`embedded postgres: cannot listen on ${host}:${port}: ${(error as Error).message}`, { cause: error });
  }
  // getServerConn() holds the real port when 0 asked the OS for a free one (tests do that).
  const boundPort = Number(server.getServerConn().split(':').pop());
  const url = `postgresql://postgres@${host.includes(':') ? `[${host}]` : host}:${boundPort}/postgres`;
  logger.info({ url, dataDir: options.dataDir, ms: Date.now() - started }, 'embedded postgres: listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    // stop() hangs up every client; each hang-up queues a ROLLBACK if its client was mid-transaction.
    await server.stop();
    // Let those detaches run against the still-open database (they must not find it closed).
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (db.isInTransaction()) await db.exec('ROLLBACK');
    // close() shuts the backend down (checkpoint) and flushes the data folder.
    await db.close();
    logger.info({ dataDir: options.dataDir }, 'embedded postgres: closed');
  };
  return { url, close: () => (closing ??= close()) };
}
