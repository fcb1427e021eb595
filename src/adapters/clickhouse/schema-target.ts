/**
 * The migration runner's view of ClickHouse. No transactions: the runner records progress after every
 * statement, and every migration statement is written to be safe to run twice (IF NOT EXISTS).
 *
 * The lock is a lease in a table, since ClickHouse has no locks: a runner inserts a claim row (its own
 * token, server time now, expiry now + lock_lease), reads back every live claim, and holds the lock when
 * its claim is the earliest (acquired_at, then token). Losers withdraw their claim and try again later.
 * A holder renews its expiry on a heartbeat; a killed holder's claim simply expires, or, when the holder was a
 * process of this host that is gone (a gateway killed and restarted), is withdrawn at once by the next runner.
 * The race window: a claim with an earlier timestamp whose INSERT was still in flight when the other
 * runner read back would be invisible to it, and both would think they won. It is closed by reading back
 * twice: after the first win the runner waits SETTLE_MS (far longer than a one-row insert takes) and
 * reads again; only a claim still earliest then holds. Two claims inserted at the same microsecond are
 * ordered by token, which both sides see identically.
 * On a cluster the tables are Replicated (engine_prefix) and created ON CLUSTER; reads then ask for
 * sequential consistency so a claim acknowledged on one replica is seen from any.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { LedgerEntry, SchemaTarget } from '../contract.js';
import { isDeadLocalOwner } from '../../util/local-process.js';
import { packageFile } from '../../util/package-file.js';
import type { ClickHouseConfig } from './config.js';

const SETTLE_MS = 500;
const POLL_MS = 500;

export class ClickHouseSchemaTarget implements SchemaTarget {
  readonly dialect = 'clickhouse';
  readonly description: string;
  readonly settings: Readonly<Record<string, string>>;
  private readonly client: ClickHouseClient;
  private readonly db: string;
  private token: string | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ClickHouseConfig,
    backend: string,
  ) {
    const url = new URL(config.url);
    this.description = `backend ${backend} (clickhouse ${url.host}, database ${config.database})`;
    this.db = quote(config.database);
    this.settings = {
      database: this.db,
      on_cluster: config.cluster ? `ON CLUSTER ${quote(config.cluster)}` : '',
      engine_prefix: config.replicated ? 'Replicated' : '',
      ttl: config.ttl > 0 ? interval(config.ttl) : '',
    };
    this.client = createClient({
      url: config.url,
      username: config.username,
      password: config.password,
      request_timeout: config.request_timeout * 1000,
      clickhouse_settings: {
        // Synchronous inserts: a claim or ledger row must be visible once the INSERT returns.
        async_insert: 0,
        // Long DDL (a big ALTER) keeps the connection alive through proxies that cut idle ones.
        send_progress_in_http_headers: 1,
        http_headers_progress_interval_ms: '10000',
        ...(config.cluster ? { select_sequential_consistency: '1', insert_quorum: 'auto' } : {}),
      },
    });
  }

  private async rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  private async command(query: string, params: Record<string, unknown> = {}): Promise<void> {
    await this.client.command({ query, query_params: params });
  }

  async probe(): Promise<Readonly<Record<string, string>>> {
    const [row] = await this.rows<{ v: string }>('SELECT version() AS v');
    return { clickhouse: row!.v };
  }

  async lock(owner: string, waitMs: number, onWait?: (holder: string) => void): Promise<void> {
    await this.prepareLedger(); // the lock table lives beside the ledger; both are IF NOT EXISTS
    const deadline = Date.now() + waitMs;
    let told = false;
    for (;;) {
      const token = randomUUID();
      await this.command(
        `INSERT INTO ${this.db}.manifold_schema_lock SELECT {token:String}, {owner:String}, now64(6), now64(6) + toIntervalSecond({lease:UInt32}), now64(6)`,
        { token, owner, lease: this.config.lock_lease },
      );
      let holder = await this.earliestClaim();
      if (holder?.token === token) {
        await sleep(SETTLE_MS);
        holder = await this.earliestClaim();
      }
      if (holder?.token === token) {
        this.token = token;
        this.heartbeat = setInterval(() => void this.renew(), (this.config.lock_lease * 1000) / 3);
        this.heartbeat.unref();
        return;
      }
      await this.release(token);
      if (holder && isDeadLocalOwner(holder.owner)) {
        // A gateway of this host killed mid-migration: its claim would block every restart for a whole lease.
        await this.release(holder.token);
        continue;
      }
      const who = holder ? `${holder.owner} (lease until ${holder.expires_at} UTC)` : 'another runner';
      if (Date.now() >= deadline)
        throw new Error(`${this.description}: the migration lock is still held by ${who} after ${Math.round(waitMs / 1000)}s of waiting`);
      if (!told) onWait?.(who);
      told = true;
      await sleep(POLL_MS);
    }
  }

  private async earliestClaim(): Promise<{ token: string; owner: string; expires_at: string } | undefined> {
    const [row] = await this.rows<{ token: string; owner: string; until: string }>(
      `SELECT token, owner, toString(expires_at) AS until FROM ${this.db}.manifold_schema_lock FINAL
        WHERE expires_at > now64(6) ORDER BY acquired_at, token LIMIT 1`,
    );
    return row && { token: row.token, owner: row.owner, expires_at: row.until };
  }

  /** Extends the lease, keeping acquired_at (the claim's place in line). */
  private async renew(): Promise<void> {
    if (!this.token) return;
    await this.command(
      `INSERT INTO ${this.db}.manifold_schema_lock SELECT token, owner, acquired_at, now64(6) + toIntervalSecond({lease:UInt32}), now64(6)
         FROM ${this.db}.manifold_schema_lock FINAL WHERE token = {token:String}`,
      { token: this.token, lease: this.config.lock_lease },
    ).catch(() => undefined); // a missed heartbeat is retried at the next tick; the lease is 3 ticks long
  }

  private async release(token: string): Promise<void> {
    await this.command(
      `INSERT INTO ${this.db}.manifold_schema_lock SELECT token, owner, acquired_at, now64(6) - toIntervalSecond(1), now64(6)
         FROM ${this.db}.manifold_schema_lock FINAL WHERE token = {token:String}`,
      { token },
    );
  }

  async unlock(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const token = this.token;
    this.token = undefined;
    if (token) await this.release(token);
  }

  async prepareLedger(): Promise<void> {
    const text = readFileSync(packageFile('sql/clickhouse/schema_migrations.sql'), 'utf8')
      .replaceAll('{{database}}', this.settings.database!)
      .replaceAll('{{on_cluster}}', this.settings.on_cluster!)
      .replaceAll('{{engine_prefix}}', this.settings.engine_prefix!);
    // Three statements, none with a `;` inside: ClickHouse takes one statement per request.
    for (const statement of text
      .replace(/--[^\n]*/g, '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      await this.command(statement);
  }

  async readLedger(): Promise<LedgerEntry[]> {
    const [exists] = await this.rows<{ n: number }>('SELECT count() AS n FROM system.tables WHERE database = {db:String} AND name = {table:String}', {
      db: this.config.database,
      table: 'manifold_schema_migrations',
    });
    if (Number(exists!.n) === 0) return [];
    const rows = await this.rows<{
      version: number;
      name: string;
      checksum: string;
      status: LedgerEntry['status'];
      applied_at: string;
      duration_ms: string;
      applied_by: string;
      statements_done: number;
      reason: string;
    }>(
      `SELECT version, name, checksum, status, toUnixTimestamp64Milli(applied_at) AS applied_at, duration_ms, applied_by, statements_done, reason
         FROM ${this.db}.manifold_schema_migrations FINAL WHERE removed = 0 ORDER BY version`,
    );
    return rows.map((r) => ({
      version: Number(r.version),
      name: r.name,
      checksum: r.checksum,
      status: r.status,
      appliedAt: new Date(Number(r.applied_at)),
      durationMs: Number(r.duration_ms),
      appliedBy: r.applied_by,
      statementsDone: Number(r.statements_done),
      reason: r.reason,
    }));
  }

  async record(e: LedgerEntry): Promise<void> {
    await this.writeLedger(e, 0);
  }

  async remove(version: number): Promise<void> {
    await this.writeLedger(
      { version, name: '', checksum: '', status: 'applied', appliedAt: new Date(), durationMs: 0, appliedBy: '', statementsDone: 0, reason: '' },
      1,
    );
  }

  /** updated_at is the server's now64(6), so the latest row wins even across runners on different machines. */
  private async writeLedger(e: LedgerEntry, removed: 0 | 1): Promise<void> {
    await this.command(
      `INSERT INTO ${this.db}.manifold_schema_migrations
         SELECT {version:UInt32}, {name:String}, {checksum:String}, {status:String}, fromUnixTimestamp64Milli({applied_at:Int64}),
                {duration_ms:UInt64}, {applied_by:String}, {statements_done:UInt32}, {reason:String}, {removed:UInt8}, now64(6)`,
      {
        version: e.version,
        name: e.name,
        checksum: e.checksum,
        status: e.status,
        applied_at: e.appliedAt.getTime(),
        duration_ms: Math.round(e.durationMs),
        applied_by: e.appliedBy,
        statements_done: e.statementsDone,
        reason: e.reason,
        removed,
      },
    );
  }

  async exec(statement: string): Promise<void> {
    await this.command(statement);
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.client.close();
  }
}

function quote(identifier: string): string {
  return `\`${identifier.replace(/`/g, '``')}\``;
}

/** Seconds as the largest whole ClickHouse interval function, as the Collector exporter writes its TTL. */
function interval(seconds: number): string {
  if (seconds % 86_400 === 0) return `toIntervalDay(${seconds / 86_400})`;
  if (seconds % 3_600 === 0) return `toIntervalHour(${seconds / 3_600})`;
  if (seconds % 60 === 0) return `toIntervalMinute(${seconds / 60})`;
  return `toIntervalSecond(${seconds})`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
