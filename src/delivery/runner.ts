/**
 * Where a backend's adapter runs, as its worker sees it: on this thread (InlineRunner) or on a delivery thread of
 * its own (thread/thread-runner.ts). Either way a write takes the adapter's one path, encode() then send(), and
 * the queued payloads are decoded once, where the adapter runs.
 */
import type { Adapter, WriteResult } from '../adapters/contract.js';
import type { Signal } from '../model/index.js';
import { encodeQueued, type QueuedBatch } from './batch-from-jobs.js';

export interface AdapterRunner {
  readonly signals: ReadonlySet<Signal>;
  /** Adapter.ordered: one lane, the next batch encoded while the one before is sent. */
  readonly ordered: boolean;
  start(): Promise<void>;
  /** The adapter's encode() of the queued batch: exactly one of the result's send() or abandon() is called after. */
  encode(batch: QueuedBatch): Promise<EncodedWrite>;
  health(): Promise<void>;
  close(): Promise<void>;
}

/** An encoded write, ready to send. */
export interface EncodedWrite {
  /** Adapter.send(): resolves or throws as it does. */
  send(): Promise<WriteResult>;
  /** It will not be sent (a write before it failed): Adapter.abandon(). */
  abandon(): void;
}

/** The adapter on this thread. */
export class InlineRunner implements AdapterRunner {
  constructor(private readonly adapter: Adapter) {}

  get signals(): ReadonlySet<Signal> {
    return this.adapter.signals;
  }

  get ordered(): boolean {
    return this.adapter.ordered === true;
  }

  start(): Promise<void> {
    return this.adapter.start();
  }

  async encode(batch: QueuedBatch): Promise<EncodedWrite> {
    const encoded = await encodeQueued(this.adapter, batch);
    return { send: () => this.adapter.send(encoded), abandon: () => this.adapter.abandon?.(encoded) };
  }

  health(): Promise<void> {
    return this.adapter.health();
  }

  close(): Promise<void> {
    return this.adapter.close();
  }
}
