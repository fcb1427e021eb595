/**
 * Time partitions of the series layout's tables and of otel_logs on plain PostgreSQL (and PGlite), where no TimescaleDB makes chunks: one
 * partition per `interval` (timescaledb.chunk_interval, a day by default), named <table>_p<YYYYMMDD> (or
 * <table>_p<YYYYMMDDHHMM> for intervals that are not whole days), created ahead of time and on demand by the
 * gateway, and dropped by it once wholly older than the retention.
 */
import type pg from 'pg';
import { quoteIdent } from './schema.js';

const DAY_MS = 86_400_000;

/** A table partitioned by range of `time`: the series layout's timed tables, and otel_logs (0012). */
export interface TimePartitionedTable {
  readonly table: string;
}

export class Partitions {
  private readonly known = new Set<string>();
  readonly intervalUs: number;

  constructor(
    private readonly schema: string,
    private readonly intervalMs: number,
  ) {
    this.intervalUs = intervalMs * 1000;
  }

  name(table: TimePartitionedTable, n: number): string {
    const iso = new Date(n * this.intervalMs).toISOString();
    const stamp =
      iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10) + (this.intervalMs % DAY_MS === 0 ? '' : iso.slice(11, 13) + iso.slice(14, 16));
    return `${table.table}_p${stamp}`;
  }

  /** Makes the partitions numbered `numbers` (time / interval) of `table` exist. Outside any transaction: DDL takes a strong lock, briefly. */
  async ensure(client: pg.ClientBase, table: TimePartitionedTable, numbers: Iterable<number>): Promise<void> {
    for (const n of numbers) {
      const name = this.name(table, n);
      if (this.known.has(name)) continue;
      const from = new Date(n * this.intervalMs).toISOString();
      const to = new Date((n + 1) * this.intervalMs).toISOString();
      try {
        await client.query(
          `CREATE TABLE IF NOT EXISTS ${quoteIdent(this.schema)}.${quoteIdent(name)} PARTITION OF ${quoteIdent(this.schema)}.${quoteIdent(table.table)} FOR VALUES FROM ('${from}') TO ('${to}')`,
        );
      } catch (error) {
        // Another gateway made it between IF NOT EXISTS and the create: that is what we wanted.
        const code = (error as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw error;
      }
      this.known.add(name);
    }
  }

  /** After a row found its partition gone: every partition is checked (CREATE … IF NOT EXISTS) again when next needed. */
  forget(): void {
    this.known.clear();
  }

  /** The numbers of partitions covering [fromMs, toMs]. */
  range(fromMs: number, toMs: number): number[] {
    const out: number[] = [];
    for (let n = Math.floor(fromMs / this.intervalMs); n <= Math.floor(toMs / this.intervalMs); n++) out.push(n);
    return out;
  }

  /** Drops the partitions of `table` that end at or before `cutoffMs`; returns their names. */
  async dropEndingBefore(client: pg.ClientBase, table: TimePartitionedTable, cutoffMs: number): Promise<string[]> {
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)`,
      [`${quoteIdent(this.schema)}.${quoteIdent(table.table)}`],
    );
    const dropped: string[] = [];
    const pattern = new RegExp(`^${table.table}_p(\\d{4})(\\d{2})(\\d{2})(\\d{2})?(\\d{2})?$`);
    for (const { name } of rows) {
      const m = pattern.exec(name);
      if (!m) continue; // not one of ours
      const start = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0));
      if (start + this.intervalMs > cutoffMs) continue;
      await client.query(`DROP TABLE IF EXISTS ${quoteIdent(this.schema)}.${quoteIdent(name)}`);
      this.known.delete(name);
      dropped.push(name);
    }
    return dropped;
  }
}
