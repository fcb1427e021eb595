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

export interface WriteResult {
  /** Items (points or spans) the backend now holds from this batch. */
  readonly written: number;
  /** Items the adapter deliberately did not send (e.g. a type the backend cannot store), with why. */
  readonly skipped?: { readonly count: number; readonly reason: string };
}

export interface Adapter {
  /** The signals this adapter instance takes (its config may narrow them). */
  readonly signals: ReadonlySet<Signal>;
  /** Connect and check or apply the schema, per the backend's config. */
  start(): Promise<void>;
  /** Write the whole batch, or throw a TransientWriteError / PermanentWriteError. Anything else thrown counts as transient. */
  write(batch: WriteBatch): Promise<WriteResult>;
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
}

export interface AdapterFactory<Config = unknown> {
  /** The `kind:` value in config that selects this adapter. */
  readonly kind: string;
  /** Validates `backends.<name>`; paths in its errors are reported under that key. */
  readonly configSchema: ZodType<Config>;
  create(config: Config, context: AdapterContext): Adapter;
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

/** The backend refused the data itself: retrying cannot help. The batch goes to the dead-letter queue with this text. */
export class PermanentWriteError extends Error {
  override readonly name = 'PermanentWriteError';
  constructor(
    message: string,
    /** The backend's own error text, verbatim. */
    readonly backendText: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
