/**
 * Bulk insert of many rows in one statement:
 *   INSERT … SELECT … FROM unnest($1::t[], $2::t[], …) JOIN unnest(context arrays) … ON CONFLICT DO NOTHING
 * One array parameter per column, so the statement text and parameter count do not grow with the rows
 * (measured here: the fastest way in after COPY, and unlike COPY it takes ON CONFLICT).
 *
 * Columns that repeat for every point under one resource/scope/descriptor (resource attributes, metric
 * name, unit, …) are sent once per distinct "context" and joined back by index, so a 300-byte resource
 * is parsed as jsonb once per chunk, not once per row.
 */
import type pg from 'pg';
import { storableText } from './storable.js';

export interface Column<R> {
  readonly name: string;
  /** The element type of the array parameter; `text` plus `cast` for values that are arrays themselves. */
  readonly type: string;
  readonly cast?: string;
  /** null/undefined become SQL NULL. Strings for bigints, numbers for floats, booleans. */
  readonly value: (row: R) => string | number | boolean | null | undefined;
}

export interface TableSpec<R> {
  readonly table: string;
  /** Values that differ per row. */
  readonly rowColumns: readonly Column<R>[];
  /** Values that only depend on the row's context; taken from the first row of each context. */
  readonly contextColumns: readonly Column<R>[];
  /** The shared objects that make up a row's context (compared by identity). */
  readonly contextOf: (row: R) => readonly object[];
  /** Target columns computed in SQL from the row columns, e.g. time from time_unix_nano. */
  readonly computed: readonly (readonly [name: string, sql: string])[];
}

export interface PreparedInsert {
  readonly text: string;
  readonly values: (rows: readonly unknown[]) => string[];
}

/** timestamptz from a bigint of nanoseconds (exact to the microsecond, which is all timestamptz holds). */
export function nsToTimestamptz(expr: string): string {
  return `(timestamptz 'epoch' + (${expr} / 1000) * interval '1 microsecond')`;
}

export function prepareInsert<R>(spec: TableSpec<R>, qualifiedTable: string): PreparedInsert {
  const rowCols = spec.rowColumns;
  const ctxCols = spec.contextColumns;
  let n = 1;
  const rowArrays = [`$${n++}::int[]`, ...rowCols.map((c) => `$${n++}::${c.type}[]`)];
  const ctxArrays = ctxCols.map((c) => `$${n++}::${c.type}[]`);
  const select = (alias: string, c: Column<R>): string => (c.cast ? `${alias}.${c.name}::${c.cast}` : `${alias}.${c.name}`);
  const text =
    `INSERT INTO ${qualifiedTable} (${[...rowCols, ...ctxCols]
      .map((c) => c.name)
      .concat(spec.computed.map(([name]) => name))
      .join(', ')})\n` +
    `SELECT ${[...rowCols.map((c) => select('u', c)), ...ctxCols.map((c) => select('c', c)), ...spec.computed.map(([, sql]) => sql)].join(', ')}\n` +
    `FROM unnest(${rowArrays.join(', ')}) AS u(ctx, ${rowCols.map((c) => c.name).join(', ')})\n` +
    `JOIN unnest(${ctxArrays.join(', ')}) WITH ORDINALITY AS c(${ctxCols.map((c) => c.name).join(', ')}, ord) ON c.ord = u.ctx\n` +
    `ON CONFLICT DO NOTHING`;

  const values = (rows: readonly unknown[]): string[] => {
    const typed = rows as readonly R[];
    const contexts = new ContextIndex();
    const ctxIndex: number[] = [];
    const ctxRows: R[] = [];
    for (const row of typed) {
      const { index, isNew } = contexts.indexOf(spec.contextOf(row));
      if (isNew) ctxRows.push(row);
      ctxIndex.push(index);
    }
    return [`{${ctxIndex.join(',')}}`, ...arrayLiterals(typed, rowCols), ...arrayLiterals(ctxRows, ctxCols)];
  };
  return { text, values };
}

/** Runs the insert for `rows` in chunks on one client (inside the caller's transaction). Returns rows inserted. */
export async function insertChunks(client: pg.ClientBase, insert: PreparedInsert, rows: readonly unknown[], chunkRows: number): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rows.length; i += chunkRows) {
    const result = await client.query(insert.text, insert.values(rows.slice(i, i + chunkRows)));
    inserted += result.rowCount ?? 0;
  }
  return inserted;
}

/** 1-based positions of distinct contexts (tuples of shared objects), as PostgreSQL's ORDINALITY counts. */
class ContextIndex {
  private readonly root = new Map<object, unknown>();
  private next = 1;

  indexOf(objects: readonly object[]): { index: number; isNew: boolean } {
    let map = this.root;
    for (let i = 0; i < objects.length - 1; i++) {
      const key = objects[i] as object;
      let inner = map.get(key) as Map<object, unknown> | undefined;
      if (!inner) map.set(key, (inner = new Map()));
      map = inner;
    }
    const last = objects[objects.length - 1] as object;
    const found = map.get(last) as number | undefined;
    if (found !== undefined) return { index: found, isNew: false };
    map.set(last, this.next);
    return { index: this.next++, isNew: true };
  }
}

/**
 * One PostgreSQL array literal per column; every string quoted (and escaped where needed), so any text
 * and JSON is safe. Row by row, so value functions of one row run back to back (series.ts memoizes the
 * last point), and parts are joined once (much faster than growing strings with +=).
 */
function arrayLiterals<R>(rows: readonly R[], columns: readonly Column<R>[]): string[] {
  const parts = columns.map(() => new Array<string>(rows.length));
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as R;
    for (let c = 0; c < columns.length; c++) {
      const v = (columns[c] as Column<R>).value(row);
      let text: string;
      if (v === null || v === undefined) text = 'NULL';
      else if (typeof v === 'string') {
        const storable = storableText(v);
        text = `"${NEEDS_ESCAPE.test(storable) ? storable.replace(ESCAPE, '\\$&') : storable}"`;
      } else text = String(v); // numbers (NaN and ±Infinity print as PostgreSQL reads them) and booleans
      (parts[c] as string[])[i] = text;
    }
  }
  return parts.map((p) => `{${p.join(',')}}`);
}

const NEEDS_ESCAPE = /[\\"]/;
const ESCAPE = /[\\"]/g;
