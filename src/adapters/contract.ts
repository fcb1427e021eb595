/**
 * The one interface between the delivery engine and a backend adapter. An adapter folder imports only
 * this file and src/model (and the config vocabulary, src/util); the queue, retry, dead-letter, batching and
 * threading logic lives in the engine, once.
 */
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { LogRecord, MetricPoint, Signal, Span } from '../model/index.js';

/** One queued job's items, as decoded. */
export interface BatchPart {
  readonly metrics: readonly MetricPoint[];
  readonly spans: readonly Span[];
  readonly logs: readonly LogRecord[];
}

/**
 * A batch as the engine hands it to Adapter.encode(): same id and same content on every retry. Its parts (one per
 * queued job) are each decoded when the adapter reaches them, so an adapter that consumes parts one at a time
 * holds one part's objects, not the whole batch's; an adapter that needs them all at once takes wholeBatch().
 */
export interface WriteBatch {
  /** Stable across retries and restarts: adapters use it as their dedup token where the backend has one. */
  readonly id: string;
  /** 1 on the first try. */
  readonly attempt: number;
  /** Points, spans and log records over all parts (known without decoding). */
  readonly items: number;
  /** The parts in order; decoded afresh on each iteration. */
  parts(): Iterable<BatchPart>;
}

/**
 * Every part of a batch as one, for adapters that write a batch whole; yields to the event loop between parts, so
 * a write in flight meanwhile keeps sending.
 */
export async function wholeBatch(batch: WriteBatch): Promise<BatchPart> {
  const parts: BatchPart[] = [];
  for (const part of batch.parts()) {
    parts.push(part);
    // Before the next part is decoded.
    if (part.metrics.length + part.spans.length + part.logs.length > 0) await new Promise((resolve) => setImmediate(resolve));
  }
  if (parts.length === 1) return parts[0]!;
  const metrics: MetricPoint[] = [];
  const spans: Span[] = [];
  const logs: LogRecord[] = [];
  for (const part of parts) {
    for (const point of part.metrics) metrics.push(point);
    for (const span of part.spans) spans.push(span);
    for (const record of part.logs) logs.push(record);
  }
  return { metrics, spans, logs };
}

export interface WriteResult {
  /** Items (points, spans or log records) the backend now holds from this batch. */
  readonly written: number;
  /** Items the adapter deliberately did not send (e.g. a type the backend cannot store), with why. */
  readonly skipped?: { readonly count: number; readonly reason: string };
}

/**
 * A backend, as the delivery engine writes to it: one way, in two steps. encode() is the CPU half (translate and
 * encode the batch), send() the I/O half; the engine owns everything around them (leasing and batching, encoding
 * the next batch while one is in flight, parallel lanes, the delivery thread, retries and dead letters).
 * `Encoded` is the adapter's own: the engine only hands it back.
 */
export interface Adapter<Encoded = unknown> {
  /** The signals this adapter instance takes (its config may narrow them). */
  readonly signals: ReadonlySet<Signal>;
  /**
   * True when the backend refuses a series' samples older than the last it holds (Prometheus remote write): the
   * engine then writes one batch at a time, oldest first, and the adapter spreads a batch over
   * `context.concurrency` parallel requests split by series. Absent: batches may be written in parallel.
   */
  readonly ordered?: boolean;
  /** Connect and check or apply the schema, per the backend's config. */
  start(): Promise<void>;
  /**
   * Makes the batch ready to send, or throws a PermanentWriteError for a batch that cannot be encoded (what parts()
   * throws is thrown on as it is). For an ordered adapter, calls come one at a time in batch order, and a batch may
   * be encoded while the one before it is still being sent and build on it (e.g. running totals): the engine sends
   * encoded writes in the order encoded, each only after the one before succeeded; when one fails, every write
   * encoded after it is abandoned (and encoded again later). Unordered adapters get concurrent calls, one per lane.
   */
  encode(batch: WriteBatch): Promise<Encoded>;
  /**
   * Writes an encoded batch, whole, or throws a TransientWriteError / PermanentWriteError; anything else thrown
   * counts as transient. Called at most once per encode(), exactly when abandon() is not.
   */
  send(encoded: Encoded): Promise<WriteResult>;
  /** Optional: the engine will not send this encoded write (one before it failed): undo what encode() set up for it. */
  abandon?(encoded: Encoded): void;
  /** Resolves when the backend answers; throws with the reason otherwise. */
  health(): Promise<void>;
  close(): Promise<void>;
}

export interface AdapterContext {
  /** The backend's name in the config (`backends.<name>`). */
  readonly name: string;
  readonly logger: Logger;
  /** Where an adapter may keep local state (e.g. delta-to-cumulative series), under the gateway's data folder. */
  readonly dataDir: string;
  /** From `backends.<name>.delivery.concurrency` (default 1): writes this backend may have in flight. */
  readonly concurrency?: number;
}

export interface AdapterFactory<Config = unknown> {
  /** The `kind:` value in config that selects this adapter. */
  readonly kind: string;
  /** Validates `backends.<name>`; paths in its errors are reported under that key. */
  readonly configSchema: ZodType<Config>;
  create(config: Config, context: AdapterContext): Adapter;
  /** For backends with migrations: a fresh target on its own connection (`manifold migrate`, `doctor`, and the engine before start()). */
  schemaTarget?(config: Config, context: AdapterContext): SchemaTarget;
  /**
   * For backends with more than one table layout: copies what an older layout holds into the configured one, so a
   * user who switches layouts keeps their history (`manifold postgres upgrade`). Safe to run again: stores nothing twice.
   */
  upgrade?(config: Config, context: AdapterContext, options: UpgradeOptions): Promise<UpgradeReport>;
}

export interface UpgradeOptions {
  /** Rows read and written per step. */
  readonly batchSize: number;
  /** Drop the old layout's tables once everything was copied. */
  readonly dropOld: boolean;
  /** After each step: the old table and how many of its rows were read so far. */
  readonly onProgress?: (table: string, read: number) => void;
}

export interface UpgradeReport {
  /** Per old table: rows read, and items the new layout did not hold yet (the rest it had already). */
  readonly tables: readonly { readonly table: string; readonly read: number; readonly stored: number }[];
  /** Series whose identity could not be proven the same as the gateway computes for new writes (see the adapter's README). */
  readonly unverified: number;
  /** The old tables dropped (UpgradeOptions.dropOld). */
  readonly dropped: readonly string[];
}

/** The backend could not take the batch now (connection, timeout, 5xx, 429): retry later, same batch. */
export class TransientWriteError extends Error {
  override readonly name = 'TransientWriteError';
  constructor(
    message: string,
    /** From the backend's Retry-After, when it gave one. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A Retry-After header (delay-seconds or an HTTP date; the first value if repeated) as ms from now, for
 * TransientWriteError; undefined when absent or unreadable. Shared because every HTTP backend sends one.
 */
export function retryAfterMs(header: unknown, nowMs = Date.now()): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  const seconds = Number(text);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * Why a backend refused data for good, as the dead-letter queue and `backend_dead_lettered_items_total{reason}`
 * name it: `out_of_order` when the samples are older than what the backend holds for their series (a sender's
 * clock, a replay), so a user can tell it from data the backend can never take.
 */
export type PermanentReason = 'permanent' | 'out_of_order';

/** The backend refused the data itself: retrying cannot help. The batch goes to the dead-letter queue with this text. */
export class PermanentWriteError extends Error {
  override readonly name = 'PermanentWriteError';
  constructor(
    message: string,
    /** The backend's own error text, verbatim. */
    readonly backendText: string,
    options?: { cause?: unknown; reason?: PermanentReason },
  ) {
    super(message, options);
    this.reason = options?.reason ?? 'permanent';
  }

  readonly reason: PermanentReason;
}

/**
 * What a backend offers the migration runner (src/migrate), which owns ordering, checksums, templates,
 * statement splitting, progress and the start-time policy. A target only knows its server: how to talk
 * to it, what it offers, how to lock, and where its ledger lives. One target = one connection (the
 * PostgreSQL advisory lock is per session; the PGlite TimescaleDB build allows one connection at all).
 */
export interface SchemaTarget {
  /** Selects `migrations/<dialect>/` and the statement splitter's rules: 'postgres' | 'clickhouse'. */
  readonly dialect: string;
  /** For messages: which server and schema/database, without secrets. */
  readonly description: string;
  /** `{{name}}` values from the backend's config, already as SQL text (quoted identifiers, intervals). */
  readonly settings: Readonly<Record<string, string>>;
  /** What the server offers, e.g. { postgres: '15.18', timescaledb: '2.19.3', 'timescaledb-license': 'apache' }. Absent = not there. */
  probe(): Promise<Readonly<Record<string, string>>>;
  /** Takes the migration lock, waiting up to `waitMs`; throws a clear error naming the holder when it cannot. */
  lock(owner: string, waitMs: number, onWait?: (holder: string) => void): Promise<void>;
  unlock(): Promise<void>;
  /** Creates the ledger (and its schema/database) if missing. Called under the lock only. */
  prepareLedger(): Promise<void>;
  /** Every ledger row; empty when the ledger does not exist yet. */
  readLedger(): Promise<LedgerEntry[]>;
  /** Insert or replace the row for `entry.version`. */
  record(entry: LedgerEntry): Promise<void>;
  remove(version: number): Promise<void>;
  /** One statement, as rendered. */
  exec(statement: string): Promise<void>;
  /** Where the server has transactional DDL: run `fn` (its exec and record calls) atomically. */
  transaction?<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface LedgerEntry {
  readonly version: number;
  readonly name: string;
  /** sha256 (hex) of the .up.sql file as shipped, before templates are filled in. */
  readonly checksum: string;
  /** partial: a migration without a transaction stopped after `statementsDone` statements. */
  readonly status: 'applied' | 'skipped' | 'partial';
  readonly appliedAt: Date;
  readonly durationMs: number;
  readonly appliedBy: string;
  readonly statementsDone: number;
  /** Why it was skipped (an unmet `requires`). */
  readonly reason: string;
}
