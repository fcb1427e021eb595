/** The PostgreSQL adapter: one transaction per batch, bulk unnest inserts, ON CONFLICT DO NOTHING. */
import pg from 'pg';
import { wholeBatch, type Adapter, type AdapterContext, type BatchPart, type WriteBatch, type WriteResult } from '../contract.js';
import type { Signal } from '../../model/index.js';
import { type PreparedInsert, type TableSpec, insertChunks, prepareInsert } from './bulk.js';
import type { PostgresConfig } from './config.js';
import { classifyError, isMissingPartition } from './errors.js';
import { quoteIdent } from './schema.js';
import { exponentialHistogramTable, histogramTable, numberTable, splitMetrics, summaryTable } from './write-metrics.js';
import { LogsTable } from './logs-table.js';
import { logTable } from './write-logs.js';
import { spanTable } from './write-spans.js';
import { takeReplacedCount } from './storable.js';
import { SeriesWriter } from './series-writer.js';

/**
 * Rows per INSERT. Big enough that per-statement overhead vanishes, small enough that one statement's
 * parameters stay a few MB, and that the embedded PGlite (which runs on this process's event loop)
 * pauses the loop for tens of milliseconds, not seconds.
 */
const CHUNK_ROWS = 2_000;

/** Slack over statement_timeout before the client itself gives up on a silent server. */
const CLIENT_TIMEOUT_SLACK_MS = 5_000;

/** A batch's rows, whole: one transaction writes them all. */
interface DecodedBatch extends BatchPart {
  readonly id: string;
  readonly attempt: number;
}

export class PostgresAdapter implements Adapter<DecodedBatch> {
  readonly signals: ReadonlySet<Signal>;
  private readonly pool: pg.Pool;
  private readonly inserts = new Map<TableSpec<never>, PreparedInsert>();
  /** Set for `layout: series`. */
  private readonly series: SeriesWriter | undefined;
  /** Set when this backend takes logs: otel_logs' partitions and retention. */
  private readonly logs: LogsTable | undefined;
  private maintenanceTimer: NodeJS.Timeout | undefined;
  /** Log records were sent since the last maintenance (otel_logs' alone needs none otherwise). */
  private logsSinceMaintenance = false;

  constructor(
    private readonly config: PostgresConfig,
    private readonly context: AdapterContext,
  ) {
    this.signals = new Set(config.signals);
    this.pool = new pg.Pool({
      connectionString: config.url,
      max: config.pool_size,
      connectionTimeoutMillis: config.connect_timeout,
      // Client-side backstop for a server that stops answering; statement_timeout itself is set per
      // transaction (SET LOCAL), never per session: on the embedded store all connections share one session.
      query_timeout: config.statement_timeout > 0 ? config.statement_timeout + CLIENT_TIMEOUT_SLACK_MS : undefined,
      idleTimeoutMillis: 10_000,
      application_name: `manifold:${context.name}`,
    });
    // An idle client whose server went away emits here; without a listener that would crash the process.
    this.pool.on('error', (error) => this.context.logger.warn({ err: error }, 'postgres: idle connection failed'));
    for (const spec of [numberTable, histogramTable, exponentialHistogramTable, summaryTable, spanTable, logTable] as TableSpec<never>[]) {
      this.inserts.set(spec, prepareInsert(spec, `${quoteIdent(config.schema)}.${quoteIdent(spec.table)}`));
    }
    this.series = config.layout === 'series' ? new SeriesWriter(config, context.logger) : undefined;
    this.logs = this.signals.has('logs') ? new LogsTable(config, context.logger) : undefined;
  }

  /**
   * Reaches the server. The schema was prepared before by the engine, through schemaTarget on a connection of
   * its own (src/migrate/start.ts), so the write pool never holds the migration lock.
   */
  async start(): Promise<void> {
    await this.health();
    const { series, logs } = this;
    if (!series && !logs) return;
    await this.withClient('start', async (client) => {
      if (series) await series.start(client);
      if (logs) await logs.start(client);
    });
    await this.maintain();
    const every = this.config.maintenance_interval;
    if (every > 0 && !this.maintenanceTimer) {
      this.maintenanceTimer = setInterval(() => {
        // With only otel_logs to look after, an idle gateway does not connect: an idle embedded store stays stopped
        // (embedded_store.idle_stop_after). Partitions for new records are made as they come (LogsTable.prepare), and
        // nothing grows while nothing is written; the next write's maintenance catches up on retention.
        if (!this.series && !this.logsSinceMaintenance) return;
        this.logsSinceMaintenance = false;
        this.maintain().catch((error: unknown) => this.context.logger.warn({ err: error }, 'postgres: maintenance failed (retried next interval)'));
      }, every);
      this.maintenanceTimer.unref();
    }
  }

  /**
   * What the server does not do itself: for layout series partitions ahead, retention and rollup refresh; for
   * otel_logs partitions ahead and retention. Also run every maintenance_interval.
   */
  async maintain(now = Date.now()): Promise<void> {
    const { series, logs } = this;
    if (!series && !logs) return;
    await this.withClient('maintenance', async (client) => {
      if (series) await series.maintain(client, now);
      if (logs) await logs.maintain(client, now);
    });
  }

  async encode(batch: WriteBatch): Promise<DecodedBatch> {
    return { id: batch.id, attempt: batch.attempt, ...(await wholeBatch(batch)) };
  }

  async send(batch: DecodedBatch): Promise<WriteResult> {
    if (batch.logs.length > 0) this.logsSinceMaintenance = true;
    // layout series: encoded at send time, since which series and resource rows go with the batch depends on
    // the cache as of the previous commit.
    if (this.series) {
      const written = await this.writeSeries(this.series, batch);
      // Log records do not depend on the layout: their own table, their own transaction after the series tables.
      const logs = this.signals.has('logs') ? batch.logs : [];
      if (logs.length > 0)
        await this.withClient(`write batch ${batch.id}`, async (client) => {
          await this.logs?.prepare(client, logs);
          return this.writeInTransaction(client, [[logTable as TableSpec<never>, logs]]);
        });
      return { ...written, written: written.written + logs.length };
    }
    const work: [TableSpec<never>, readonly unknown[]][] = [];
    let skipped = 0;
    if (this.signals.has('metrics')) {
      for (const [spec, rows] of splitMetrics(batch.metrics)) if (rows.length > 0) work.push([spec as TableSpec<never>, rows]);
    } else skipped += batch.metrics.length;
    if (this.signals.has('traces')) {
      if (batch.spans.length > 0) work.push([spanTable as TableSpec<never>, batch.spans]);
    } else skipped += batch.spans.length;
    if (this.signals.has('logs')) {
      if (batch.logs.length > 0) work.push([logTable as TableSpec<never>, batch.logs]);
    } else skipped += batch.logs.length;

    const items = batch.metrics.length + batch.spans.length + batch.logs.length - skipped;
    if (work.length > 0) {
      const inserted = await this.withClient(`write batch ${batch.id}`, async (client) => {
        await this.logs?.prepare(client, batch.logs); // set only when this backend takes logs
        return this.writeInTransaction(client, work);
      });
      // Fewer rows inserted than sent: the rest were already stored (a retry) or repeated a series+time.
      if (inserted < items) this.context.logger.debug({ batch: batch.id, attempt: batch.attempt, items, inserted }, 'postgres: rows already present');
      const replaced = takeReplacedCount();
      if (replaced > 0)
        this.context.logger.warn(
          { batch: batch.id, strings: replaced },
          'postgres: NUL characters or lone surrogates stored as U+FFFD (PostgreSQL text and jsonb cannot hold them)',
        );
    }
    const result: WriteResult = { written: items };
    return skipped > 0 ? { ...result, skipped: { count: skipped, reason: 'signal not enabled for this backend' } } : result;
  }

  /** layout series: encode (CPU) then send (I/O), the two halves of the coming encode/send contract. */
  private async writeSeries(series: SeriesWriter, batch: DecodedBatch): Promise<WriteResult> {
    const encoded = series.encode(batch, this.signals);
    const inserted = await this.withClient(`write batch ${batch.id}`, (client) => series.send(client, encoded, batch.attempt));
    if (inserted < encoded.items)
      this.context.logger.debug({ batch: batch.id, attempt: batch.attempt, items: encoded.items, inserted }, 'postgres: rows already present');
    const replaced = takeReplacedCount();
    if (replaced > 0)
      this.context.logger.warn(
        { batch: batch.id, strings: replaced },
        'postgres: NUL characters or lone surrogates stored as U+FFFD (PostgreSQL text and jsonb cannot hold them)',
      );
    const result: WriteResult = { written: encoded.items };
    return encoded.skipped > 0 ? { ...result, skipped: { count: encoded.skipped, reason: 'signal not enabled for this backend' } } : result;
  }

  /** The whole batch lands, or none of it: one transaction. */
  private async writeInTransaction(client: pg.PoolClient, work: [TableSpec<never>, readonly unknown[]][]): Promise<number> {
    await client.query('BEGIN');
    try {
      if (this.config.statement_timeout > 0) await client.query(`SET LOCAL statement_timeout = ${this.config.statement_timeout}`);
      let inserted = 0;
      for (const [spec, rows] of work) inserted += await insertChunks(client, this.inserts.get(spec) as PreparedInsert, rows, CHUNK_ROWS);
      await client.query('COMMIT');
      return inserted;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async health(): Promise<void> {
    await this.withClient('health', (client) => client.query('select 1'));
  }

  async close(): Promise<void> {
    if (this.maintenanceTimer) clearInterval(this.maintenanceTimer);
    this.maintenanceTimer = undefined;
    await this.pool.end();
  }

  /**
   * Runs `fn` on a pooled client and classifies failures. A client that failed is destroyed, not
   * returned to the pool: its connection state is unknown (e.g. a query timeout left a query running).
   */
  private async withClient<T>(what: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw classifyError(error, `postgres ${this.context.name}: ${what}: connect`);
    }
    try {
      const result = await fn(client);
      client.release();
      return result;
    } catch (error) {
      client.release(true);
      if (isMissingPartition(error)) {
        this.series?.forgetPartitions();
        this.logs?.forgetPartitions();
      }
      throw classifyError(error, `postgres ${this.context.name}: ${what}`);
    }
  }
}
