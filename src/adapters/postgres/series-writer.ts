/**
 * The series layout (config `layout: series`) behind the adapter: finds out at start what the server is (COPY or
 * not, partitioned by the gateway or by TimescaleDB, which license), then turns batches into rows (encode) and
 * sends them (send), and does on a timer what the server does not do itself: partitions ahead and retention on
 * plain PostgreSQL, chunk retention and rollup refreshes on TimescaleDB's Apache build and plain PostgreSQL.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { MetricPoint, Span } from '../../model/index.js';
import type { PostgresConfig } from './config.js';
import { KnownRows } from './known-rows.js';
import { Partitions } from './partitions.js';
import { quoteIdent } from './schema.js';
import { type BulkMode, type EncodedSeriesBatch, type KnownSets, encodeSeriesBatch } from './series-encode.js';
import { sendSeriesBatch } from './series-send.js';
import { SERIES_TABLES } from './series-tables.js';

export const ROLLUP_VIEWS = ['number_points_1m', 'number_points_1h', 'span_red_1m'] as const;

/** What start() found out about the server. */
export interface SeriesServer {
  readonly mode: BulkMode;
  /** Tables partitioned by the gateway (plain PostgreSQL, PGlite). */
  readonly partitioned: boolean;
  /** Hypertables (TimescaleDB, any license). */
  readonly hypertables: boolean;
  /** Continuous aggregates and policies (community-licensed TimescaleDB): nothing for the gateway to do. */
  readonly policies: boolean;
  /** Rollups that are plain materialized views, refreshed by the gateway. */
  readonly materializedRollups: readonly string[];
}

export class SeriesWriter {
  private readonly known: KnownSets;
  private readonly partitions: Partitions;
  private server: SeriesServer | undefined;

  constructor(
    private readonly config: PostgresConfig,
    private readonly logger: Logger,
  ) {
    const size = config.series_cache_size;
    this.known = { series: new KnownRows(size), resources: new KnownRows(size), scopes: new KnownRows(size), bounds: new KnownRows(size) };
    this.partitions = new Partitions(config.schema, config.timescaledb.chunk_interval);
  }

  async start(client: pg.ClientBase): Promise<SeriesServer> {
    const schema = quoteIdent(this.config.schema);
    const {
      rows: [row],
    } = await client.query<{ version: string; relkind: string | null; license: string | null; hypertable: boolean }>(
      `SELECT version() AS version,
              (SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)) AS relkind,
              current_setting('timescaledb.license', true) AS license,
              EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS hypertable`,
      [`${schema}.number_points`],
    );
    if (!row!.relkind) {
      throw new Error(
        `postgres: ${schema}.number_points does not exist: layout series needs migrations 0005 on (manifold migrate up, or migrate: auto)`,
      );
    }
    // PGlite's socket servers lose the protocol on COPY FROM STDIN; they report an emscripten build.
    const pglite = /emscripten|PGlite/i.test(row!.version);
    const mode: BulkMode = this.config.bulk === 'auto' ? (pglite ? 'unnest' : 'copy') : this.config.bulk;
    const policies = row!.hypertable && row!.license === 'timescale';
    const { rows: views } = await client.query<{ name: string }>(
      `SELECT matviewname AS name FROM pg_matviews WHERE schemaname = $1 AND matviewname = ANY($2)`,
      [this.config.schema, ROLLUP_VIEWS],
    );
    this.server = {
      mode,
      partitioned: row!.relkind === 'p',
      hypertables: row!.hypertable && row!.relkind !== 'p',
      policies,
      materializedRollups: policies ? [] : views.map((v) => v.name),
    };
    const s = this.server;
    if (!policies) {
      const why = s.hypertables
        ? `TimescaleDB here is the ${row!.license ?? 'unknown'}-licensed build: no continuous aggregates, compression or policies`
        : 'no TimescaleDB here: tables are partitioned by time by the gateway, no compression';
      this.logger.info(
        {
          schema: this.config.schema,
          bulk: mode,
          rollups: s.materializedRollups,
          retention: this.config.timescaledb.retention,
          every: this.config.maintenance_interval,
        },
        `postgres: ${why}; the gateway refreshes the rollups (materialized views)${this.config.timescaledb.retention > 0 ? (s.hypertables ? ', drops old chunks' : ', drops old partitions') : ''}${s.partitioned ? ' and creates partitions ahead' : ''} every maintenance_interval`,
      );
    } else
      this.logger.info(
        { schema: this.config.schema, bulk: mode },
        'postgres: community-licensed TimescaleDB: compression, retention and rollups run as policies on the server',
      );
    return s;
  }

  /** CPU only: the batch as rows in the form they travel in. */
  encode(batch: { readonly metrics: readonly MetricPoint[]; readonly spans: readonly Span[] }, signals: ReadonlySet<string>): EncodedSeriesBatch {
    const s = this.ready();
    return encodeSeriesBatch(batch, {
      mode: s.mode,
      known: this.known,
      metrics: signals.has('metrics'),
      traces: signals.has('traces'),
      partitionUs: s.partitioned ? this.partitions.intervalUs : 0,
    });
  }

  /** I/O only: one transaction. `attempt`: the batch's, from 1 (a retry may find its rows stored). */
  send(client: pg.ClientBase, encoded: EncodedSeriesBatch, attempt = 1): Promise<number> {
    const s = this.ready();
    return sendSeriesBatch(client, encoded, {
      schema: this.config.schema,
      mode: s.mode,
      statementTimeout: this.config.statement_timeout,
      retry: attempt > 1,
      ...(s.partitioned ? { partitions: this.partitions } : {}),
    });
  }

  forgetPartitions(): void {
    this.partitions.forget();
  }

  /** What the server does not do by itself; safe to run at any time and from several gateways. */
  async maintain(client: pg.ClientBase, now = Date.now()): Promise<void> {
    const s = this.ready();
    const schema = quoteIdent(this.config.schema);
    const retention = this.config.timescaledb.retention;
    const timed = SERIES_TABLES.filter((t) => t.timePartitioned);
    if (s.partitioned) {
      const numbers = this.partitions.range(now - this.config.timescaledb.chunk_interval, now + this.config.timescaledb.partitions_ahead);
      for (const t of timed) await this.partitions.ensure(client, t, numbers);
      if (retention > 0) {
        for (const t of timed) {
          const dropped = await this.partitions.dropEndingBefore(client, t, now - retention);
          if (dropped.length > 0) this.logger.info({ table: t.table, dropped }, 'postgres: partitions past retention dropped');
        }
      }
    } else if (s.hypertables && !s.policies && retention > 0) {
      for (const t of timed) {
        await client.query(`SELECT drop_chunks($1::regclass, older_than => now() - $2::bigint * interval '1 millisecond')`, [
          `${schema}.${quoteIdent(t.table)}`,
          retention,
        ]);
      }
    }
    for (const view of s.materializedRollups) await client.query(`REFRESH MATERIALIZED VIEW ${schema}.${quoteIdent(view)}`);
  }

  private ready(): SeriesServer {
    if (!this.server) throw new Error('postgres: series layout used before start()');
    return this.server;
  }
}
