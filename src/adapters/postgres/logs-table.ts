/**
 * What otel_logs needs from the gateway beyond its rows, in either layout. start() finds out what the table is
 * (0010, 0011, 0012): a hypertable on TimescaleDB, where the community build's policy does retention and the Apache
 * build leaves it to us (drop_chunks); or a table partitioned by time on plain PostgreSQL and PGlite, whose
 * partitions the gateway creates (ahead, and for each batch's times before it is written) and drops past the
 * retention.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { type LogRecord, logTime } from '../../model/index.js';
import type { PostgresConfig } from './config.js';
import { Partitions, type TimePartitionedTable } from './partitions.js';
import { quoteIdent } from './schema.js';

const LOGS: TimePartitionedTable = { table: 'otel_logs' };

type LogsTableKind = 'partitioned' | 'hypertable with a retention policy' | 'hypertable' | 'plain' | 'missing';

export class LogsTable {
  private readonly partitions: Partitions;
  private kind: LogsTableKind | undefined;

  constructor(
    private readonly config: PostgresConfig,
    private readonly logger: Logger,
  ) {
    this.partitions = new Partitions(config.schema, config.timescaledb.chunk_interval);
  }

  async start(client: pg.ClientBase): Promise<void> {
    const {
      rows: [row],
    } = await client.query<{ relkind: string | null; hypertable: boolean; license: string | null }>(
      `SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)) AS relkind,
              EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS hypertable,
              current_setting('timescaledb.license', true) AS license`,
      [`${quoteIdent(this.config.schema)}.otel_logs`],
    );
    this.kind = !row!.relkind
      ? 'missing'
      : row!.relkind === 'p'
        ? 'partitioned'
        : row!.hypertable
          ? row!.license === 'timescale'
            ? 'hypertable with a retention policy'
            : 'hypertable'
          : 'plain';
    // Not fatal: metrics and traces still go in; a batch with log records fails (and is retried) until it exists.
    if (this.kind === 'missing')
      this.logger.warn(
        { schema: this.config.schema },
        'postgres: otel_logs does not exist: log records need migration 0010 (manifold migrate up, or migrate: auto)',
      );
    else if (this.kind === 'plain')
      this.logger.warn(
        { schema: this.config.schema },
        'postgres: otel_logs is neither partitioned nor a hypertable (migration 0012 has not run): no retention for it',
      );
  }

  /** Makes the partitions the records fall in exist. Outside any transaction (partitions.ts). */
  async prepare(client: pg.ClientBase, records: readonly LogRecord[]): Promise<void> {
    if (this.kind !== 'partitioned' || records.length === 0) return;
    const intervalUs = BigInt(this.partitions.intervalUs);
    const numbers = new Set<number>();
    // The stored time is the nanoseconds divided by 1000, truncated (bulk.ts nsToTimestamptz): the same here.
    for (const record of records) numbers.add(Number(logTime(record) / 1000n / intervalUs));
    await this.partitions.ensure(client, LOGS, numbers);
  }

  forgetPartitions(): void {
    this.partitions.forget();
  }

  /** Partitions ahead and retention: safe to run at any time and from several gateways. */
  async maintain(client: pg.ClientBase, now = Date.now()): Promise<void> {
    const retention = this.config.timescaledb.retention;
    if (this.kind === 'partitioned') {
      const ts = this.config.timescaledb;
      await this.partitions.ensure(client, LOGS, this.partitions.range(now - ts.chunk_interval, now + ts.partitions_ahead));
      if (retention > 0) {
        const dropped = await this.partitions.dropEndingBefore(client, LOGS, now - retention);
        if (dropped.length > 0) this.logger.info({ table: LOGS.table, dropped }, 'postgres: partitions past retention dropped');
      }
    } else if (this.kind === 'hypertable' && retention > 0) {
      await client.query(`SELECT drop_chunks($1::regclass, older_than => $2::timestamptz)`, [
        `${quoteIdent(this.config.schema)}.otel_logs`,
        new Date(now - retention).toISOString(),
      ]);
    }
  }
}
