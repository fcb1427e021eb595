/**
 * The series layout's I/O half: sends what series-encode.ts made, in one transaction per batch.
 *   copy:   COPY … FROM STDIN into a temporary staging table per target table (created once per connection,
 *           emptied at every commit), then one INSERT … SELECT … ON CONFLICT DO NOTHING from it;
 *   unnest: INSERT … SELECT … FROM unnest($1::t[], …) ON CONFLICT DO NOTHING, in chunks (the PGlite stores
 *           do not serve COPY FROM STDIN over their socket).
 * Either way the unique keys make a retried batch store once. Partitions the rows need (plain PostgreSQL) are
 * made before the transaction; ids of new series etc. are remembered only after the commit.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Partitions } from './partitions.js';
import { quoteIdent } from './schema.js';
import type { BulkMode, EncodedSeriesBatch } from './series-encode.js';
import { POINT_TABLES, TRACE_SPANS, type SeriesColumn, type SeriesTable } from './series-tables.js';

/** Tables whose rows are the batch's items (points, spans); the others hold what they refer to or carry. */
const ITEM_TABLES = new Set<SeriesTable>([...POINT_TABLES, TRACE_SPANS]);

export interface SendOptions {
  readonly schema: string;
  readonly mode: BulkMode;
  /** Milliseconds; 0 for none. */
  readonly statementTimeout: number;
  /** Set when the tables are partitioned by the gateway. */
  readonly partitions?: Partitions;
}

interface Statements {
  readonly stage: string;
  readonly createStage: string;
  readonly copy: string;
  readonly insertFromStage: string;
  readonly insertUnnest: string;
}

const statements = new Map<string, Statements>();

function statementsFor(schema: string, table: SeriesTable): Statements {
  const key = `${schema}\u0000${table.table}`;
  let s = statements.get(key);
  if (!s) {
    const names = table.columns.map((c) => c.name).join(', ');
    const exprs = table.columns.map(valueExpression).join(', ');
    const target = `${quoteIdent(schema)}.${quoteIdent(table.table)}`;
    const stage = `manifold_stage_${table.table}`;
    s = {
      stage,
      createStage: `CREATE TEMPORARY TABLE IF NOT EXISTS ${stage} (${table.columns.map((c) => `${c.name} ${c.wire}`).join(', ')}) ON COMMIT DELETE ROWS`,
      copy: `COPY pg_temp.${stage} (${names}) FROM STDIN`,
      insertFromStage: `INSERT INTO ${target} (${names}) SELECT ${exprs} FROM pg_temp.${stage} ON CONFLICT DO NOTHING`,
      insertUnnest: `INSERT INTO ${target} (${names}) SELECT ${exprs} FROM unnest(${table.columns.map((c, i) => `$${i + 1}::${c.wire}[]`).join(', ')}) AS u(${names}) ON CONFLICT DO NOTHING`,
    };
    statements.set(key, s);
  }
  return s;
}

function valueExpression(column: SeriesColumn): string {
  return column.sql ? column.sql.replace(/\bv\b/g, column.name) : column.name;
}

/** Connections (pg clients live as long as their connection) that already have the staging tables. */
const staged = new WeakMap<pg.ClientBase, Set<string>>();

/** Sends one encoded batch; returns the point and span rows inserted (fewer than sent: the rest were stored before). */
export async function sendSeriesBatch(client: pg.ClientBase, encoded: EncodedSeriesBatch, options: SendOptions): Promise<number> {
  if (encoded.tables.length === 0) return 0;
  if (options.partitions) {
    for (const t of encoded.tables) if (t.partitions.size > 0) await options.partitions.ensure(client, t.table, t.partitions);
  }
  if (options.mode === 'copy') await ensureStages(client, options.schema, encoded);

  let inserted = 0;
  await client.query('BEGIN');
  try {
    if (options.statementTimeout > 0) await client.query(`SET LOCAL statement_timeout = ${options.statementTimeout}`);
    for (const t of encoded.tables) {
      const s = statementsFor(options.schema, t.table);
      let count = 0;
      if (options.mode === 'copy') {
        await pipeline(Readable.from([t.copy as Buffer]), client.query(copyFrom(s.copy)));
        count = (await client.query(s.insertFromStage)).rowCount ?? 0;
      } else {
        for (const chunk of t.chunks as string[][]) count += (await client.query(s.insertUnnest, chunk)).rowCount ?? 0;
      }
      if (ITEM_TABLES.has(t.table)) inserted += count;
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  for (const [known, id] of encoded.newIds) known.add(id);
  return inserted;
}

async function ensureStages(client: pg.ClientBase, schema: string, encoded: EncodedSeriesBatch): Promise<void> {
  let done = staged.get(client);
  if (!done) staged.set(client, (done = new Set()));
  for (const t of encoded.tables) {
    if (done.has(t.table.table)) continue;
    await client.query(statementsFor(schema, t.table).createStage);
    done.add(t.table.table);
  }
}
