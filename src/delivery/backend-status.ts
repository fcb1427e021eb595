/**
 * What a backend's worker is doing, for the status page: the part of its state that no metric carries (why it
 * waits, until when, the last error and when it happened). One record per backend, written by its BackendWorker
 * whatever the adapter, so every adapter reports the same way.
 */
export type BackendState =
  /** Connecting and checking the schema for the first time. */
  | 'starting'
  /** Reachable: writes go out as data arrives. */
  | 'writing'
  /** A write failed transiently: the backend is paused until `retryAt`, then the same batch is tried again. */
  | 'retrying'
  /** The backend cannot be started (unreachable, schema not ready): nothing is tried until it answers. */
  | 'circuit_open'
  /** delivery.paused: nothing is written; data queues. */
  | 'paused';

export interface BackendError {
  readonly message: string;
  /** Epoch ms. */
  readonly at: number;
}

export class BackendStatus {
  state: BackendState;
  /** Epoch ms of the next attempt while retrying or circuit_open. */
  retryAt: number | undefined;
  consecutiveFailures = 0;
  lastError: BackendError | undefined;
  /** Epoch ms of the last write the backend acknowledged. */
  lastWriteAt: number | undefined;

  constructor(paused: boolean) {
    this.state = paused ? 'paused' : 'starting';
  }

  /** The adapter started: reachable, schema in place. */
  started(): void {
    this.state = 'writing';
    this.retryAt = undefined;
  }

  /** The backend acknowledged a write. */
  wrote(now = Date.now()): void {
    this.started();
    this.consecutiveFailures = 0;
    this.lastWriteAt = now;
  }

  /** A start or a write failed transiently: nothing is tried until `retryAt`. */
  waiting(state: 'retrying' | 'circuit_open', error: unknown, retryAt: number, now = Date.now()): void {
    this.state = state;
    this.retryAt = retryAt;
    this.consecutiveFailures++;
    this.noteError(error, now);
  }

  /** An error that does not stop writing (the batch was dead-lettered, the queue store did not answer). */
  noteError(error: unknown, now = Date.now()): void {
    this.lastError = { message: error instanceof Error ? error.message : String(error), at: now };
  }
}
