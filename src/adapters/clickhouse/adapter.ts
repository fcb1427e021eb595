/**
 * The ClickHouse adapter: one synchronous INSERT per table per batch, each with the dedup token
 * `<batch id>:<table>`, so a batch retried after a partial or unacknowledged write is stored once.
 */
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { wholeBatch, type Adapter, type AdapterContext, type WriteBatch, type WriteResult } from '../contract.js';
import type { Signal } from '../../model/index.js';
import type { ClickHouseConfig } from './config.js';
import { encodeBatch, TABLES, type TableInsert } from './encode.js';
import { LOGS_TABLE, logRow } from './encode-logs.js';
import { classifyError } from './errors.js';

/**
 * Pinned on every INSERT, whatever the server's or the user profile's defaults (chDB's differ from a
 * server's). Synchronous: an async insert acknowledged before its flush would let the queue drop a
 * batch the server could still lose, and the batch is already as large as the queue makes it.
 */
const INSERT_SETTINGS: ClickHouseSettings = {
  async_insert: 0,
  insert_deduplicate: 1,
  // A retried insert whose source block is a duplicate still reaches the views; each view's target drops its own copy.
  deduplicate_blocks_in_dependent_materialized_views: 1,
  // Timestamps go as "seconds.nanoseconds": parsed exactly in basic mode; best_effort would also take text we never send.
  date_time_input_format: 'basic',
  // A column we send that the table lacks is a schema problem to report, not data to drop silently.
  input_format_skip_unknown_fields: 0,
};

/** Tables the schema's materialized views write into: they deduplicate the blocks they get from a retry too. */
const VIEW_TARGETS = ['otel_traces_trace_id_ts', 'otel_traces_red_1m'];

/** A batch as its INSERTs, table by table. */
interface EncodedInserts {
  readonly batchId: string;
  readonly inserts: readonly TableInsert[];
  readonly result: WriteResult;
}

export class ClickHouseAdapter implements Adapter<EncodedInserts> {
  readonly signals: ReadonlySet<Signal>;
  private readonly client: ClickHouseClient;
  private readonly database: string;

  constructor(
    private readonly config: ClickHouseConfig,
    private readonly context: AdapterContext,
  ) {
    this.signals = new Set(config.signals);
    // createClient({ database }) is not relied on (the chDB test front ignores it): tables are named db.table.
    this.database = `\`${config.database}\``;
    this.client = createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      request_timeout: config.request_timeout * 1000,
      compression: { request: config.compression, response: false },
      application: `manifold:${context.name}`,
      // Failures are classified and logged once by the delivery engine, not by the client as well.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  /** A ping and the dedup check; the engine has prepared the schema before (schemaTarget, src/migrate/start.ts). */
  async start(): Promise<void> {
    await this.health();
    await this.checkDedupWindow();
  }

  /**
   * Retries are stored once only where the table keeps a dedup window. Migration 0004 sets it; a schema made
   * elsewhere (migrate: off, tables created by the Collector's exporter) may lack it: say so once, with the fix.
   */
  private async checkDedupWindow(): Promise<void> {
    const written = [...Object.values(TABLES).map((t) => t.table), ...VIEW_TARGETS];
    const result = await this.client
      .query({
        query: `SELECT name FROM system.tables WHERE database = {db:String} AND has({tables:Array(String)}, name)
                AND engine LIKE '%MergeTree' AND engine NOT LIKE 'Replicated%' AND NOT match(engine_full, 'non_replicated_deduplication_window = [1-9]')`,
        query_params: { db: this.config.database, tables: written },
        format: 'JSONEachRow',
      })
      .catch((error: unknown) => {
        throw classifyError(error, `clickhouse ${this.context.name}: reading system.tables`);
      });
    const missing = (await result.json<{ name: string }>()).map((r) => r.name);
    if (missing.length > 0) {
      this.context.logger.warn(
        { backend: this.context.name, tables: missing },
        `clickhouse: ${missing.join(', ')} keep no deduplication window, so a retried batch can be stored twice there: ` +
          `run \`manifold migrate up --backend ${this.context.name}\`, or ALTER TABLE … MODIFY SETTING non_replicated_deduplication_window = 10000 on each`,
      );
    }
  }

  async encode(batch: WriteBatch): Promise<EncodedInserts> {
    const whole = await wholeBatch(batch);
    const metrics = this.signals.has('metrics') ? whole.metrics : [];
    const spans = this.signals.has('traces') ? whole.spans : [];
    const logs = this.signals.has('logs') ? whole.logs : [];
    const skipped = whole.metrics.length - metrics.length + whole.spans.length - spans.length + whole.logs.length - logs.length;
    const written: WriteResult = { written: metrics.length + spans.length + logs.length };
    const result = skipped > 0 ? { ...written, skipped: { count: skipped, reason: 'signal not enabled for this backend' } } : written;
    const inserts = encodeBatch(metrics, spans);
    if (logs.length > 0) inserts.push({ ...LOGS_TABLE, rows: logs.map(logRow) });
    return { batchId: batch.id, inserts, result };
  }

  async send(encoded: EncodedInserts): Promise<WriteResult> {
    // Table by table, in a fixed order. A failure part-way leaves the earlier tables written; the retry
    // writes them again under the same tokens and ClickHouse drops them as duplicates.
    for (const insert of encoded.inserts) await this.insert(encoded.batchId, insert);
    return encoded.result;
  }

  private async insert(batchId: string, insert: TableInsert): Promise<void> {
    const what = `clickhouse ${this.context.name}: insert into ${insert.table} (batch ${batchId})`;
    try {
      await this.client.insert({
        table: `${this.database}.${insert.table}`,
        columns: insert.columns as [string, ...string[]],
        values: insert.rows,
        format: 'JSONCompactEachRow',
        clickhouse_settings: { ...INSERT_SETTINGS, insert_deduplication_token: `${batchId}:${insert.table}` },
      });
    } catch (error) {
      throw classifyError(error, what);
    }
  }

  /** The ping, then a query: /ping answers anyone, a query needs the user and password to be accepted. */
  async health(): Promise<void> {
    const result = await this.client.ping();
    if (!result.success) throw classifyError(result.error, `clickhouse ${this.context.name}: ping`);
    try {
      await this.client.command({ query: 'SELECT 1' });
    } catch (error) {
      throw classifyError(error, `clickhouse ${this.context.name}: a query as the configured user`);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
