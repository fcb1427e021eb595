/**
 * The migration runner's view of PostgreSQL / TimescaleDB: one dedicated connection (not the write pool),
 * because the advisory lock belongs to a session and the PGlite TimescaleDB build serves one connection
 * at a time. DDL is transactional here, so a migration and its ledger row commit together.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import pg from 'pg';
import type { LedgerEntry, SchemaTarget } from '../contract.js';
import type { PostgresConfig } from './config.js';
import { packageFile, quoteIdent } from './schema.js';

/** First half of the advisory lock key: "MFMG". The second half is per schema, so two schemas in one database migrate independently. */
const LOCK_CLASS = 0x4d464d47;
const LOCK_POLL_MS = 500;

export class PostgresSchemaTarget implements SchemaTarget {
  readonly dialect = 'postgres';
  readonly description: string;
  readonly settings: Readonly<Record<string, string>>;
  private client: pg.Client | undefined;
  private readonly lockKey: number;
  private readonly table: string;

  constructor(
    private readonly config: PostgresConfig,
    backend: string,
  ) {
    const url = new URL(config.url);
    this.description = `backend ${backend} (postgres ${url.hostname}:${url.port || 5432}${url.pathname}, schema ${config.schema})`;
    this.lockKey = createHash('sha256').update(config.schema).digest().readUInt32BE(0) & 0x7fffffff;
    this.table = `${quoteIdent(config.schema)}.manifold_schema_migrations`;
    const ts = config.timescaledb;
    this.settings = {
      schema: quoteIdent(config.schema),
      chunk_interval: sqlInterval(ts.chunk_interval),
      compress_after: sqlInterval(ts.compress_after),
      retention: ts.retention > 0 ? sqlInterval(ts.retention) : '',
    };
  }

  private async db(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = new pg.Client({
      connectionString: this.config.url,
      connectionTimeoutMillis: this.config.connect_timeout,
      // Shown to a second runner that waits for our lock (application_name is cut at 63 bytes).
      application_name: `manifold-migrate ${hostname()} pid ${process.pid}`.slice(0, 63),
    });
    client.on('error', () => undefined); // a dropped connection surfaces on the next query instead
    await client.connect();
    this.client = client;
    return client;
  }

  private async query<R extends pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    return (await (await this.db()).query<R>(text, params)).rows;
  }

  async probe(): Promise<Readonly<Record<string, string>>> {
    const [row] = await this.query<{ version: string; timescaledb: string | null; license: string | null }>(
      `SELECT current_setting('server_version') AS version,
              (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS timescaledb,
              current_setting('timescaledb.license', true) AS license`,
    );
    const features: Record<string, string> = { postgres: row!.version.split(' ')[0]! };
    // Installed in this database, not merely available: CREATE EXTENSION needs rights the runner should not assume.
    if (row!.timescaledb) {
      features.timescaledb = row!.timescaledb;
      if (row!.license) features['timescaledb-license'] = row!.license;
    }
    // Not probed but chosen: which table layout the config asks for (the series migrations require layout=series),
    // and how rollups are kept, which migrations pick with `requires rollups=…` (requires has no "not").
    features.layout = this.config.layout;
    features.rollups = features['timescaledb-license'] === 'timescale' ? 'continuous' : 'materialized';
    return features;
  }

  /** A session-level advisory lock: it spans the per-migration transactions, and the server drops it when a dead runner's connection goes. */
  async lock(_owner: string, waitMs: number, onWait?: (holder: string) => void): Promise<void> {
    const deadline = Date.now() + waitMs;
    let told = false;
    for (;;) {
      const [row] = await this.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, this.lockKey]);
      if (row!.ok) return;
      const holder = await this.holder();
      if (Date.now() >= deadline)
        throw new Error(`${this.description}: the migration lock is still held by ${holder} after ${Math.round(waitMs / 1000)}s of waiting`);
      if (!told) onWait?.(holder);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }

  private async holder(): Promise<string> {
    const rows = await this.query<{ application_name: string; pid: number; since: Date }>(
      `SELECT a.application_name, a.pid, a.backend_start AS since FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2`,
      [LOCK_CLASS, this.lockKey],
    ).catch(() => []);
    const h = rows[0];
    return h ? `"${h.application_name || 'unnamed client'}" (server pid ${h.pid}, connected since ${h.since.toISOString()})` : 'another session';
  }

  async unlock(): Promise<void> {
    await this.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, this.lockKey]);
  }

  async prepareLedger(): Promise<void> {
    await this.query(
      readFileSync(packageFile('sql/postgres/schema_migrations.sql'), 'utf8').replaceAll('{{schema}}', quoteIdent(this.config.schema)),
    );
  }

  async readLedger(): Promise<LedgerEntry[]> {
    const [exists] = await this.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [this.table]);
    if (!exists!.t) return [];
    const rows = await this.query<{
      version: number;
      name: string;
      checksum: string;
      status: LedgerEntry['status'];
      applied_at: Date;
      duration_ms: string;
      applied_by: string;
      statements_done: number;
      reason: string;
    }>(`SELECT * FROM ${this.table} ORDER BY version`);
    return rows.map((r) => ({
      version: r.version,
      name: r.name,
      checksum: r.checksum,
      status: r.status,
      appliedAt: r.applied_at,
      durationMs: Number(r.duration_ms),
      appliedBy: r.applied_by,
      statementsDone: r.statements_done,
      reason: r.reason,
    }));
  }

  async record(e: LedgerEntry): Promise<void> {
    await this.query(
      `INSERT INTO ${this.table} (version, name, checksum, status, applied_at, duration_ms, applied_by, statements_done, reason)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, status = EXCLUDED.status, applied_at = EXCLUDED.applied_at,
         duration_ms = EXCLUDED.duration_ms, applied_by = EXCLUDED.applied_by, statements_done = EXCLUDED.statements_done, reason = EXCLUDED.reason`,
      [e.version, e.name, e.checksum, e.status, e.appliedAt, e.durationMs, e.appliedBy, e.statementsDone, e.reason],
    );
  }

  async remove(version: number): Promise<void> {
    await this.query(`DELETE FROM ${this.table} WHERE version = $1`, [version]);
  }

  async exec(statement: string): Promise<void> {
    await this.query(statement);
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.query('BEGIN');
    try {
      const result = await fn();
      await this.query('COMMIT');
      return result;
    } catch (error) {
      await this.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/** Milliseconds as a PostgreSQL interval literal in the largest whole unit, e.g. INTERVAL '7 days'. */
export function sqlInterval(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'days'],
    [3_600_000, 'hours'],
    [60_000, 'minutes'],
    [1_000, 'seconds'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `INTERVAL '${ms / size} ${unit}'`;
  return `INTERVAL '${ms} milliseconds'`;
}
