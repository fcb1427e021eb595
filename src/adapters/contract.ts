/**
 * The one interface between the delivery engine and a backend adapter. An adapter folder imports only
 * this file and src/model; the queue, retry, dead-letter and batching logic lives in the engine, once.
 */
import type { Logger } from 'pino';
import type { ZodType } from 'zod';
import type { MetricPoint, Signal, Span } from '../model/index.js';

/** A batch as the engine hands it to an adapter. Same id and same content on every retry. */
export interface WriteBatch {
  /** Stable across retries and restarts: adapters use it as their dedup token where the backend has one. */
  readonly id: string;
  /** 1 on the first try. */
  readonly attempt: number;
  readonly metrics: readonly MetricPoint[];
  readonly spans: readonly Span[];
}

/** One queued job's items, as decoded. */
export interface BatchPart {
  readonly metrics: readonly MetricPoint[];
  readonly spans: readonly Span[];
}

/**
 * A batch handed over part by part (one part per queued job), each decoded when the adapter reaches it, so an
 * adapter that consumes parts one at a time holds one part's objects, not the whole batch's. Same id and attempt
 * as the WriteBatch of the same jobs.
 */
export interface PartedBatch {
  readonly id: string;
  readonly attempt: number;
  /** Points and spans over all parts (known without decoding). */
  readonly items: number;
  /** The parts in order; decoded afresh on each iteration. */
  parts(): Iterable<BatchPart>;
  /**
   * The parts as queued (encoded), when the engine has them: what a proxy hands to the thread that runs the
   * adapter, undecoded. parts() decodes these.
   */
  readonly payloads?: readonly Uint8Array[];
}

export interface WriteResult {
  /** Items (points or spans) the backend now holds from this batch. */
  readonly written: number;
  /** Items the adapter deliberately did not send (e.g. a type the backend cannot store), with why. */
  readonly skipped?: { readonly count: number; readonly reason: string };
}

export interface Adapter {
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
  /** Write the whole batch, or throw a TransientWriteError / PermanentWriteError. Anything else thrown counts as transient. */
  write(batch: WriteBatch): Promise<WriteResult>;
  /**
   * Optional, for adapters whose write is CPU work (translate, encode) then I/O: the same write in two steps, so
   * the engine prepares the next batch while the previous one's requests are in flight instead of leaving the
   * backend idle meanwhile. Calls come one at a time, in batch order; a batch may be prepared while the one
   * before it is still being sent, and may build on it (e.g. running totals). The engine sends prepared writes in
   * the order prepared, each only after the one before succeeded; when one fails, every write prepared after it
   * is abandoned (and prepared again later). prepare() throws what write() would for a batch that cannot be encoded.
   */
  prepare?(batch: PartedBatch): Promise<PreparedWrite>;
  /**
   * Optional: write() for a batch handed over part by part, undecoded (e.g. to decode it on another thread).
   * When present and prepare() is not, the engine calls this instead of write().
   */
  writeParted?(batch: PartedBatch): Promise<WriteResult>;
  /** Resolves when the backend answers; throws with the reason otherwise. */
  health(): Promise<void>;
  close(): Promise<void>;
}

/** A batch made ready to send by Adapter.prepare(): exactly one of send() or abandon() is called. */
export interface PreparedWrite {
  /** Sends it: resolves or throws as Adapter.write() does. */
  send(): Promise<WriteResult>;
  /** It will not be sent (a write before it failed): undo whatever prepare() set up for it. */
  abandon(): void;
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

