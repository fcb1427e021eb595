/**
 * The durable queue behind every backend: one interface, two stores (embedded on disk, BullMQ on Redis),
 * one contract test suite. The delivery engine is the only caller; adapters never see the queue.
 *
 * A job is one durable unit of work for one backend: the payload of one or more accepted requests
 * (group-committed), encoded by src/queue/codec.ts. Its id is stable for its whole life (retries, restarts,
 * dead-lettering, replay), so adapters can use it as their dedup token.
 */

export interface EnqueueEntry {
  readonly backend: string;
  readonly payload: Uint8Array;
  /** Points + spans in the payload, for metrics and bounds. */
  readonly items: number;
}

export interface EnqueueResult {
  /** One job id per entry, in order. */
  readonly ids: string[];
  /** Jobs removed to make room under a `drop_oldest` bound, per backend (counted and logged by the caller). */
  readonly dropped: ReadonlyArray<{ backend: string; jobs: number; items: number }>;
}

export interface Job {
  readonly id: string;
  readonly backend: string;
  readonly payload: Uint8Array;
  readonly items: number;
  readonly bytes: number;
  /** ms since epoch. */
  readonly enqueuedAt: number;
  /** Attempts made before this lease (0 on the first). */
  readonly attempts: number;
  /**
   * Jobs leased or failed together are leased together again, alone, so a retried write is the same write
   * (same dedup token), also after a restart. The embedded store names a group `<first job id>+<count>`.
   */
  readonly group: string | null;
  readonly lastError: string | null;
  /**
   * An earlier lease of this job ended with no outcome recorded: its holder was killed, or lost the queue for
   * longer than the lease. That write may have reached the backend, so the backend may hold this data already.
   * A lease given back with release() (never sent) does not count.
   */
  readonly resumed: boolean;
}

/** A lease stops before the job that would cross any limit, but always takes at least one job. */
export interface LeaseLimits {
  readonly maxJobs: number;
  readonly maxBytes: number;
  /** Points + spans. */
  readonly maxItems: number;
  /**
   * Head of the line only, for backends that refuse a series' samples older than the last they hold: the lease
   * stops at the first live job that is not ready (a retry is pending) or is leased by another process, so
   * nothing newer goes out while older data of the backend is still on its way. Jobs this process already holds
   * are passed over (the next write is prepared while the one before it is sent, and sent after it).
   */
  readonly ordered?: boolean;
}

export type BoundPolicy = 'refuse' | 'drop_oldest';

export interface BacklogBound {
  /** Payload bytes waiting for the backend (not dead letters). */
  readonly maxBytes: number;
  /** Age of the oldest waiting job, ms. */
  readonly maxAgeMs: number;
  readonly policy: BoundPolicy;
}

export interface BacklogStats {
  readonly jobs: number;
  readonly items: number;
  readonly bytes: number;
  /** ms; 0 when empty. */
  readonly oldestAgeMs: number;
  readonly leased: number;
  readonly deadLetters: number;
}

export interface DeadLetter {
  readonly id: string;
  readonly backend: string;
  readonly items: number;
  readonly bytes: number;
  readonly attempts: number;
  readonly enqueuedAt: number;
  readonly deadAt: number;
  /** Why it was dead-lettered: 'permanent' (the backend refused the data), 'attempts' or 'age' (retry limits). */
  readonly reason: string;
  readonly firstError: string;
  readonly lastError: string;
}

/** The queue refused new data for a backend under a `refuse` bound, or the store cannot take writes now. */
export class QueueUnavailableError extends Error {
  override readonly name = 'QueueUnavailableError';
  constructor(
    message: string,
    readonly backend: string | null,
    /** Hint for the sender's Retry-After. */
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export interface QueueStore {
  /** Registers a backend's bound (call before use; may be called again with new values). */
  configure(backend: string, bound: BacklogBound): void;
  /**
   * Durably takes one payload per entry, all or none: when any backend's `refuse` bound would be crossed,
   * or the store fails, nothing is enqueued and QueueUnavailableError is thrown. Resolves only once durable.
   */
  enqueue(entries: readonly EnqueueEntry[]): Promise<EnqueueResult>;
  /**
   * The oldest ready jobs of a backend, marked leased until completed, failed or the process dies. A lease is
   * either exactly one whole group, or ungrouped jobs that then form a new group (`group` set on every job),
   * so a batch id always stands for the same jobs: a group is never mixed with other jobs, and an ungrouped job
   * whose write may have gone out alone (a lease of it ended with its process, or it was retried) is leased alone
   * again, its own id still its batch id.
   */
  lease(backend: string, limits: LeaseLimits): Promise<Job[]>;
  /** The jobs are written: remove them. */
  complete(backend: string, ids: readonly string[]): Promise<void>;
  /**
   * Hands leased jobs back untouched (no attempt counted, group kept): they are leasable again at once, in their
   * place in line. For a write prepared ahead that will not be sent now (the write before it failed).
   */
  release(backend: string, ids: readonly string[]): Promise<void>;
  /** Write failed transiently: back in line at `retryAt` (ms epoch), attempts + 1, leased again as one group. */
  retryLater(backend: string, ids: readonly string[], retryAt: number, error: string): Promise<void>;
  /** Move to the dead-letter queue with the reason and the backend's own error text. */
  deadLetter(backend: string, ids: readonly string[], reason: string, error: string): Promise<void>;
  stats(backend: string): Promise<BacklogStats>;

  listDeadLetters(backend?: string): Promise<DeadLetter[]>;
  showDeadLetter(id: string): Promise<(DeadLetter & { payload: Uint8Array }) | null>;
  /** Back to the live queue with attempts reset; returns the number replayed. */
  replayDeadLetters(filter: { id?: string; backend?: string }): Promise<number>;
  dropDeadLetters(filter: { id?: string; backend?: string }): Promise<number>;

  /** Resolves when the store answers; throws with the reason otherwise (for /readyz). */
  health(): Promise<void>;
  close(): Promise<void>;
}
