/**
 * The series layout's I/O half: sends what series-encode.ts made, in one transaction per batch.
 *   copy:   binary COPY (series-binary.ts). Points, spans, events, links and exemplars: COPY … FROM STDIN
 *           straight into the table. A row
 *           already there (a retried batch, a point sent twice) fails that COPY with a unique violation: the
 *           transaction is rolled back and the batch sent again with every table staged. Series, resources,
 *           scopes and bounds are always staged, since rows already stored are common there (another gateway, a
 *           cache that forgot). Staged: COPY into a temporary table of the same column types (created once per
 *           connection, emptied at every commit), then one INSERT … SELECT … ON CONFLICT DO NOTHING from it.
 *   unnest: INSERT … SELECT … FROM unnest($1::t[], …) ON CONFLICT DO NOTHING, in chunks (the PGlite stores
 *           do not serve COPY FROM STDIN over their socket).
 * Either way the unique keys make a retried batch store once. Partitions the rows need (plain PostgreSQL) are
 * made before the transaction; ids of new series etc. are remembered only after the commit.
 *
 * Why straight COPY first: the staged INSERT … SELECT … ON CONFLICT costs about as much again as the COPY
 * before it (bench/RESULTS.md, "series layout write speed"), and fresh rows are the common case; a retried batch
 * pays its failed COPY and the staged way (an engine retry, attempt 2 on, is staged from the start). No savepoint per table: a round trip per table on every batch, for
 * the rare batch with rows stored before.
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
  /** A retry (attempt 2 on): its rows may be stored already, so every table is staged from the start. */
  readonly retry?: boolean;
}

interface Statements {
  readonly createStage: string;
  readonly copyToStage: string;
  readonly copyToTable: string;
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
      createStage: `CREATE TEMPORARY TABLE IF NOT EXISTS ${stage} (${table.columns.map((c) => `${c.name} ${c.stored}`).join(', ')}) ON COMMIT DELETE ROWS`,
      copyToStage: `COPY pg_temp.${stage} (${names}) FROM STDIN (FORMAT binary)`,
      copyToTable: `COPY ${target} (${names}) FROM STDIN (FORMAT binary)`,
      insertFromStage: `INSERT INTO ${target} (${names}) SELECT ${names} FROM pg_temp.${stage} ON CONFLICT DO NOTHING`,
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

  const begin = options.statementTimeout > 0 ? `BEGIN; SET LOCAL statement_timeout = ${options.statementTimeout}` : 'BEGIN';
  let inserted: number;
  try {
    inserted = await inTransaction(client, begin, () => writeTables(client, encoded, options, options.mode === 'copy' && !options.retry));
  } catch (error) {
    if (!(error instanceof RowsStoredBefore)) throw error;
    inserted = await inTransaction(client, begin, () => writeTables(client, encoded, options, false));
  }
  for (const [known, id] of encoded.newIds) known.add(id);
  return inserted;
}

/** A COPY straight into a table met a row stored before. */
class RowsStoredBefore extends Error {}

async function inTransaction(client: pg.ClientBase, begin: string, fn: () => Promise<number>): Promise<number> {
  await client.query(begin);
  try {
    const result = await fn();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Every table's rows; `straight`: point and span rows COPY'd straight into their tables. */
async function writeTables(client: pg.ClientBase, encoded: EncodedSeriesBatch, options: SendOptions, straight: boolean): Promise<number> {
  let inserted = 0;
  for (const t of encoded.tables) {
    const s = statementsFor(options.schema, t.table);
    let count = 0;
    if (options.mode === 'copy') {
      if (straight && t.table.timePartitioned) count = await copyStraight(client, s.copyToTable, t.copy as Buffer);
      else {
        await copy(client, s.copyToStage, t.copy as Buffer);
        count = (await client.query(s.insertFromStage)).rowCount ?? 0;
      }
    } else {
      for (const chunk of t.chunks as string[][]) count += (await client.query(s.insertUnnest, chunk)).rowCount ?? 0;
    }
    if (ITEM_TABLES.has(t.table)) inserted += count;
  }
  return inserted;
}

async function copyStraight(client: pg.ClientBase, statement: string, rows: Buffer): Promise<number> {
  try {
    return await copy(client, statement, rows);
  } catch (error) {
    if ((error as { code?: unknown }).code === UNIQUE_VIOLATION) throw new RowsStoredBefore('rows stored before', { cause: error });
    throw error;
  }
}

const UNIQUE_VIOLATION = '23505';

async function copy(client: pg.ClientBase, statement: string, rows: Buffer): Promise<number> {
  const stream = client.query(copyFrom(statement));
  await pipeline(Readable.from([rows]), stream);
  return stream.rowCount;
}

/**
 * The staging tables, the first time this connection sees their tables (temporary tables live as long as the
 * connection; made outside the batch's transaction, so a rolled back batch does not take them along).
 */
async function ensureStages(client: pg.ClientBase, schema: string, encoded: EncodedSeriesBatch): Promise<void> {
  let done = staged.get(client);
  if (!done) staged.set(client, (done = new Set()));
  for (const t of encoded.tables) {
    if (done.has(t.table.table)) continue;
    await client.query(statementsFor(schema, t.table).createStage);
    done.add(t.table.table);
  }
}
