/**
 * The four kinds of PostgreSQL server the postgres adapter's tests run on: the embedded PGlite store (started per
 * file, in `dataDir`), PostgreSQL 15, TimescaleDB's Apache build and the community-licensed TimescaleDB in PGlite.
 */
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/embedded-postgres/postgres.js';
import { type BackendName, backendUrl } from './backends.js';

export interface PostgresTarget {
  readonly name: string;
  /** Who partitions by time: the gateway (plain PostgreSQL, PGlite), or TimescaleDB without or with policies. */
  readonly kind: 'partitioned' | 'apache' | 'community';
  url(): Promise<string>;
  stop(): Promise<void>;
}

export function postgresTargets(dataDir: string, logger: Logger): PostgresTarget[] {
  let embedded: EmbeddedPostgres | undefined;
  const remote = (name: string, backend: BackendName, kind: PostgresTarget['kind']): PostgresTarget => ({
    name,
    kind,
    url: async () => backendUrl(backend),
    stop: async () => undefined,
  });
  return [
    {
      name: 'embedded PGlite store',
      kind: 'partitioned',
      url: async () => (embedded = await startEmbeddedPostgres({ dataDir: join(dataDir, 'pglite'), port: 0, logger })).url,
      stop: async () => embedded?.close(),
    },
    remote('PostgreSQL 15', 'postgres', 'partitioned'),
    remote('TimescaleDB (Apache build)', 'timescale', 'apache'),
    remote('TimescaleDB community build (PGlite)', 'timescale-community', 'community'),
  ];
}

/**
 * A query on a connection of its own, closed after (the PGlite TimescaleDB build serves one connection at a time);
 * `{{s}}` in the text stands for the quoted schema.
 */
export function schemaQuery(url: () => string, schema: string) {
  return async (sql: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: url() });
    await c.connect();
    try {
      return (await c.query(sql.replaceAll('{{s}}', `"${schema}"`), params)).rows;
    } finally {
      await c.end();
    }
  };
}
