/**
 * The rows of one series-layout table in the form they travel in, one value per column as the encoder
 * (series-encode.ts) has it: binary COPY (series-binary.ts) or unnest array literals.
 */
import { BinaryRows, int64Halves } from './series-binary.js';
import type { SeriesTable } from './series-tables.js';

export type BulkMode = 'copy' | 'unnest';

/**
 * Rows per unnest statement: the parameters stay a few MB, and the PGlite stores (which run on an event loop, the
 * embedded one on this process's) pause briefly; 2,000-row statements crashed the WASM of the
 * TimescaleDB build of PGlite.
 */
export const UNNEST_CHUNK_ROWS = 500;
/** One column's value as the encoder has it (see the table's column types in series-tables.ts). */
type Value = string | number | bigint | boolean | readonly number[] | null;

export interface EncodedTable {
  readonly table: SeriesTable;
  readonly rows: number;
  /** COPY … FROM STDIN (FORMAT binary) data, for mode copy. */
  readonly copy?: Buffer;
  /** For mode unnest: chunks of at most UNNEST_CHUNK_ROWS rows, one array literal per column each. */
  readonly chunks?: string[][];
  /** Partition numbers (time / partitionUs) the rows fall in. */
  readonly partitions: ReadonlySet<number>;
}

/** How a column's value is written, from the column's stored type. */
const TIME = 0;
const BIGINT = 1;
const INT = 2;
const FLOAT = 3;
const BOOL = 4;
const TEXT = 5;
const JSONB = 6;
const BYTEA = 7;
const INT8_ARRAY = 8;
const FLOAT8_ARRAY = 9;

const KINDS: Record<string, number> = {
  timestamptz: TIME,
  bigint: BIGINT,
  integer: INT,
  'double precision': FLOAT,
  boolean: BOOL,
  text: TEXT,
  jsonb: JSONB,
  bytea: BYTEA,
  'bigint[]': INT8_ARRAY,
  'double precision[]': FLOAT8_ARRAY,
};

function kindOf(stored: string): number {
  const kind = KINDS[stored];
  if (kind === undefined) throw new Error(`postgres: no encoding for column type ${stored}`);
  return kind;
}

/**
 * Rows of one table in the form they travel in: binary COPY (copy), or one array literal per column (unnest:
 * text-like elements quoted with \ and " escaped; times as bigint microseconds, arrays as their literal text).
 */
export class RowSink {
  rows = 0;
  private readonly kinds: number[];
  private readonly names: string[];
  private readonly binary: BinaryRows | undefined;
  private readonly columns: string[][];
  /** Each column's last time and its conversion (times repeat point after point): text (unnest), µs (binary). */
  private readonly lastNs: unknown[];
  private readonly lastText: string[];
  private readonly lastUs: number[];
  private readonly partitions = new Set<number>();

  constructor(
    private readonly table: SeriesTable,
    mode: BulkMode,
    private readonly partitionUs: number,
  ) {
    this.kinds = table.columns.map((c) => kindOf(c.stored));
    this.names = table.columns.map((c) => `${table.table}.${c.name}`);
    this.binary = mode === 'copy' ? new BinaryRows() : undefined;
    this.columns = mode === 'unnest' ? table.columns.map(() => []) : [];
    this.lastNs = table.columns.map(() => undefined);
    this.lastText = table.columns.map(() => '');
    this.lastUs = table.columns.map(() => Number.NaN);
  }

  /** `timeUs`: the row's partitioning time (µs), for partitioned tables. */
  add(values: Value[], timeUs: number): void {
    this.rows++;
    if (this.partitionUs > 0 && this.table.timePartitioned) this.partitions.add(Math.floor(timeUs / this.partitionUs));
    if (this.binary) this.addBinary(this.binary, values);
    else for (let i = 0; i < values.length; i++) (this.columns[i] as string[]).push(this.unnestText(i, values[i] ?? null));
  }

  private addBinary(w: BinaryRows, values: Value[]): void {
    w.row(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) {
        w.null();
        continue;
      }
      switch (this.kinds[i]) {
        case TIME:
          if (v === this.lastNs[i]) w.timestamptzUs(this.lastUs[i] as number);
          else this.binaryTime(w, i, v as bigint);
          break;
        case BIGINT:
          if (typeof v === 'bigint') w.int64(v, this.names[i] as string);
          else if (typeof v === 'number') w.int64Number(v, this.names[i] as string);
          else {
            const [high, low] = idHalves(v as string);
            w.int64Halves(high, low);
          }
          break;
        case INT:
          w.int32(v as number, this.names[i] as string);
          break;
        case FLOAT:
          w.float8(v as number);
          break;
        case BOOL:
          w.bool(v as boolean);
          break;
        case TEXT:
          w.text(v as string);
          break;
        case JSONB:
          w.jsonb(v as string);
          break;
        case BYTEA:
          w.bytea(v as string, this.names[i] as string);
          break;
        case INT8_ARRAY:
          w.int64Array(v as readonly number[], this.names[i] as string);
          break;
        default:
          w.float8Array(v as readonly number[]);
      }
    }
  }

  /** A time not the same as the column's last: remembered when its microseconds are an exact number. */
  private binaryTime(w: BinaryRows, i: number, ns: bigint): void {
    const us = ns / 1000n;
    if (us <= MAX_SAFE && us >= -MAX_SAFE) {
      this.lastNs[i] = ns;
      this.lastUs[i] = Number(us);
      w.timestamptzUs(this.lastUs[i] as number);
    } else w.timestamptzNs(ns);
  }

  private unnestText(i: number, v: Value): string {
    if (v === null) return 'NULL';
    switch (this.kinds[i]) {
      case TIME: {
        if (v === this.lastNs[i]) return this.lastText[i] as string;
        const us = ((v as bigint) / 1000n).toString();
        this.lastNs[i] = v;
        this.lastText[i] = us;
        return us;
      }
      case BOOL:
        return v ? 't' : 'f';
      case TEXT:
      case JSONB:
        return quoted(v as string);
      case BYTEA:
        return quoted(`\\x${v as string}`);
      case INT8_ARRAY:
      case FLOAT8_ARRAY:
        return quoted(`{${(v as readonly number[]).join(',')}}`);
      default:
        return String(v); // numbers (NaN and ±Infinity print as PostgreSQL reads them) and bigints
    }
  }

  finish(): EncodedTable {
    const base = { table: this.table, rows: this.rows, partitions: this.partitions };
    if (this.binary) return { ...base, copy: this.binary.finish() };
    const chunks: string[][] = [];
    for (let i = 0; i < this.rows; i += UNNEST_CHUNK_ROWS) chunks.push(this.columns.map((c) => `{${c.slice(i, i + UNNEST_CHUNK_ROWS).join(',')}}`));
    return { ...base, chunks };
  }
}

const ARRAY_SPECIAL = /[\\"]/;
const ARRAY_SPECIAL_G = /[\\"]/g;
const quoted = (text: string): string => `"${ARRAY_SPECIAL.test(text) ? text.replace(ARRAY_SPECIAL_G, '\\$&') : text}"`;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Ids travel as decimal text (series-id.ts); binary COPY wants them as int64: parsed once each, kept (bounded). */
const idValues = new Map<string, readonly [number, number]>();
const MAX_ID_VALUES = 100_000;

function idHalves(id: string): readonly [number, number] {
  let halves = idValues.get(id);
  if (halves === undefined) {
    if (idValues.size >= MAX_ID_VALUES) idValues.clear();
    idValues.set(id, (halves = int64Halves(BigInt(id))));
  }
  return halves;
}
