import type { Logger } from 'pino';
import type { GatewayMetrics } from '../admin/metrics.js';
import type { DeliveryConfig } from '../config/schema.js';
import { PermanentWriteError, TransientWriteError, type WriteResult } from '../adapters/contract.js';
import { SchemaNotReadyError } from '../migrate/start.js';
import type { Job, QueueStore } from '../queue/contract.js';
import { PayloadFormatError } from '../queue/codec.js';
import { queuedBatch, type BatchSummary } from './batch-from-jobs.js';
import { FillWait } from './fill-wait.js';
import { BackendStatus } from './backend-status.js';
import { backoffMs, retriesExhausted } from './retry.js';
import type { AdapterRunner, EncodedWrite } from './runner.js';
import { Wakeup } from './wakeup.js';

/** When idle, look at the store this often even without a wake-up (jobs put back by another process, retryAt reached). */
const IDLE_POLL_MS = 1_000;
/** migrate: check with migrations pending: someone has to run a command; look again this often, quietly. */
const SCHEMA_RECHECK_MS = 15_000;
/** Jobs per write at most; batch.max_items and max_bytes are the limits that matter (a job is one request). */
const MAX_JOBS_PER_WRITE = 1_024;

/**
 * Drains one backend's queue into its adapter, with `delivery.concurrency` lanes (one for adapters that need
 * per-series order: they parallelize inside a batch, split by series). A transient failure pauses this backend
 * as a whole until the backoff ends (a circuit breaker: later jobs don't burn attempts against a dead backend,
 * and per-series order holds because the failed group is the oldest when writing resumes). Other backends have
 * their own workers.
 */
export class BackendWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly wakeup = new Wakeup();
  private readonly fill: FillWait;
  private readonly lanes: number;
  private pausedUntil = 0;
  private consecutiveFailures = 0;
  /** For the status page: what this worker is doing and its last error. */
  readonly status: BackendStatus;

  constructor(
    readonly backend: string,
    /** The backend's adapter, here or on its delivery thread. */
    private readonly adapter: AdapterRunner,
    private readonly store: QueueStore,
    private readonly delivery: DeliveryConfig,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    private readonly prepareSchema?: () => Promise<void>,
  ) {
    this.fill = new FillWait(delivery.batch.max_items, delivery.batch.max_delay);
    this.lanes = adapter.ordered ? 1 : delivery.concurrency;
    this.status = new BackendStatus(delivery.paused);
  }

  start(): void {
    if (this.running || this.delivery.paused) return;
    this.running = true;
    this.loop = this.run();
  }

  /** New work may be waiting: `items` committed by this process's router, if known. */
  notify(items = 0): void {
    if (items > 0) this.fill.added(items, Date.now());
    this.wakeup.wakeAll();
  }

  /** Finish the writes under way (their jobs are then completed or put back), then stop. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeup.wakeAll();
    await this.loop;
  }

  private async run(): Promise<void> {
    await this.startAdapter();
    const lanes: Promise<void>[] = [];
    for (let i = 0; i < this.lanes; i++) lanes.push(this.lane());
    await Promise.all(lanes);
  }

  /**
   * One write at a time in flight. For an ordered adapter (its only lane), the next batch is leased, decoded and
   * encoded while the current one's requests are out, and sent once it succeeded (so batches still reach the
   * backend one after another, oldest first); when it failed, the encoded one goes back to the queue untouched
   * and is encoded again after the pause. Otherwise lease, encode and send follow one another, in each lane.
   */
  private async lane(): Promise<void> {
    // Encoded writes are sent in the order encoded: ahead only in an ordered adapter's one lane.
    const ahead = this.adapter.ordered && this.lanes === 1;
    let sending: Promise<boolean> | undefined;
    while (this.running || sending) {
      let next: EncodedJobs | undefined;
      // Not ahead while the backend is failing: an encoded write would only be handed back (and hold memory).
      if (this.running && (sending === undefined || (ahead && this.consecutiveFailures === 0))) {
        const now = Date.now();
        const wait = Math.max(this.pausedUntil - now, this.fill.waitMs(now));
        if (wait > 0 && sending === undefined) {
          await this.wakeup.sleep(wait);
          continue;
        }
        if (wait <= 0) {
          const jobs = await this.leaseJobs();
          if (jobs.length > 0) next = await this.encodeJobs(jobs);
          else if (sending === undefined) {
            await this.wakeup.sleep(IDLE_POLL_MS);
            continue;
          }
        }
      }
      if (sending !== undefined) {
        const succeeded = await this.settle(sending);
        sending = undefined;
        if (next !== undefined && (!succeeded || !this.running)) {
          await this.putBack(next);
          next = undefined;
        }
      }
      if (next !== undefined) sending = this.send(next);
    }
  }

  /** The next jobs in line ([] when none or the store failed, which is logged). */
  private async leaseJobs(): Promise<Job[]> {
    try {
      const jobs = await this.store.lease(this.backend, {
        maxJobs: MAX_JOBS_PER_WRITE,
        maxBytes: this.delivery.batch.max_bytes,
        maxItems: this.delivery.batch.max_items,
        // Strictly from the head for backends that refuse older samples: across restarts and gateways, a write
        // still leased or waiting for its retry goes before anything newer (LeaseLimits.ordered).
        ordered: this.adapter.ordered,
      });
      let items = 0;
      for (const job of jobs) items += job.items;
      this.fill.taken(items);
      return jobs;
    } catch (error) {
      this.logger.error({ err: error as Error, backend: this.backend }, 'could not read the queue store');
      this.status.noteError(error);
      return [];
    }
  }

  /**
   * The jobs as one batch, encoded by the adapter (or why it could not be). Their payloads are decoded where the
   * adapter runs, part by part as it reaches them, and only the encoded write is kept: the decoded objects are
   * garbage part by part, not held while the write before this one and this one are sent.
   */
  private async encodeJobs(jobs: Job[]): Promise<EncodedJobs> {
    const started = performance.now();
    const batch = queuedBatch(jobs);
    const ready: EncodedJobs = {
      ids: jobs.map((job) => job.id),
      oldestEnqueuedAt: Math.min(...jobs.map((job) => job.enqueuedAt)),
      mayBeStored: jobs.some((job) => job.resumed || job.attempts > 0),
      summary: batch.summary,
      encodeMs: 0,
    };
    try {
      ready.write = await this.adapter.encode(batch);
    } catch (error) {
      ready.error = error instanceof PayloadFormatError ? undecodable(batch.summary.id, error) : error;
    }
    ready.encodeMs = performance.now() - started;
    return ready;
  }

  /** An encoded write that will not go now: its jobs back in line as they were (same group, no attempt counted). */
  private async putBack(ready: EncodedJobs): Promise<void> {
    ready.write?.abandon();
    try {
      await this.store.release(this.backend, ready.ids);
    } catch (error) {
      // Left leased: the embedded store's leases end with the process, Redis's when they are no longer renewed.
      this.logger.error({ err: error as Error, backend: this.backend }, 'could not hand leased jobs back to the queue store');
    }
  }

  /** Whether the write succeeded and was recorded; a store failure is logged and counts as not. */
  private async settle(sending: Promise<boolean>): Promise<boolean> {
    try {
      return await sending;
    } catch (error) {
      // The write's outcome could not be recorded (the store is down): the lease lapses and the jobs come
      // back, to be written again under the same id, which the backend's dedup absorbs.
      this.logger.error({ err: error as Error, backend: this.backend }, 'could not record a write in the queue store');
      this.status.noteError(error);
      await this.wakeup.sleep(IDLE_POLL_MS);
      return false;
    }
  }

  /** Connect and prepare the schema, retrying with backoff: a backend that is down at startup must not stop the gateway. */
  private async startAdapter(): Promise<void> {
    let schemaMessage: string | undefined;
    for (let attempt = 1; this.running; attempt++) {
      try {
        await this.prepareSchema?.();
        await this.adapter.start();
        this.status.started();
        if (attempt > 1) this.logger.info({ backend: this.backend }, 'backend reachable: writing resumes');
        return;
      } catch (error) {
        if (error instanceof SchemaNotReadyError) {
          // Said once (and again only if it changes): repeating it every few seconds would bury the rest of the log.
          if (error.message !== schemaMessage) this.logger.error({ backend: this.backend }, error.message);
          else this.logger.debug({ backend: this.backend }, error.message);
          schemaMessage = error.message;
          this.metrics.circuitOpen.set({ backend: this.backend }, 1);
          this.status.waiting('circuit_open', error, Date.now() + SCHEMA_RECHECK_MS);
          await this.wakeup.sleep(SCHEMA_RECHECK_MS);
          continue;
        }
        const delay = backoffMs(this.delivery.retry, attempt, undefined);
        this.logger.warn(
          { backend: this.backend, attempt, retryInMs: delay, error: (error as Error).message },
          'backend not ready; data queues durably meanwhile',
        );
        this.metrics.circuitOpen.set({ backend: this.backend }, 1);
        this.status.waiting('circuit_open', error, Date.now() + delay);
        await this.wakeup.sleep(delay);
      }
    }
  }

  /** Sends the encoded batch and records the outcome in the store: true when written. */
  private async send(ready: EncodedJobs): Promise<boolean> {
    const started = performance.now();
    const seconds = (): number => (ready.encodeMs + performance.now() - started) / 1000;
    this.metrics.inFlight.inc({ backend: this.backend });
    try {
      let result: WriteResult;
      try {
        if (ready.error !== undefined) throw ready.error;
        result = await ready.write!.send();
      } catch (error) {
        this.metrics.writeDuration.observe({ backend: this.backend, result: 'error' }, seconds());
        await this.failed(ready, error);
        return false;
      }
      this.metrics.writeDuration.observe({ backend: this.backend, result: 'ok' }, seconds());
      await this.store.complete(this.backend, ready.ids);
      this.metrics.written.inc({ backend: this.backend }, result.written);
      this.status.wrote();
      if (result.skipped && result.skipped.count > 0)
        this.metrics.skipped.inc({ backend: this.backend, reason: result.skipped.reason }, result.skipped.count);
      this.recovered();
      return true;
    } finally {
      this.metrics.inFlight.dec({ backend: this.backend });
    }
  }

  private async failed(ready: EncodedJobs, error: unknown): Promise<void> {
    const { ids, summary: batch } = ready;
    const items = batch.items;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PermanentWriteError && error.reason === 'out_of_order' && ready.mayBeStored) {
      await this.alreadyStored(ready, error);
      return;
    }
    if (error instanceof PermanentWriteError) {
      const reason = error.reason;
      const why = reason === 'out_of_order' ? 'the backend refused the samples as older than those it holds' : 'the backend refused the data';
      this.logger.error(
        { backend: this.backend, batch: batch.id, items, reason, error: error.backendText },
        `${why}: moved to the dead-letter queue`,
      );
      await this.store.deadLetter(this.backend, ids, reason, error.backendText || message);
      this.metrics.deadLettered.inc({ backend: this.backend, reason }, items);
      this.status.noteError(error);
      return;
    }
    const now = Date.now();
    const exhausted = retriesExhausted(this.delivery.retry, batch.attempt, ready.oldestEnqueuedAt, now);
    if (exhausted) {
      this.logger.error(
        { backend: this.backend, batch: batch.id, items, attempts: batch.attempt, error: message },
        `retries exhausted (${exhausted}): moved to the dead-letter queue`,
      );
      await this.store.deadLetter(this.backend, ids, exhausted, message);
      this.metrics.deadLettered.inc({ backend: this.backend, reason: exhausted }, items);
      this.status.noteError(error, now);
      return;
    }
    const retryAfter = error instanceof TransientWriteError ? error.retryAfterMs : undefined;
    const delay = backoffMs(this.delivery.retry, batch.attempt, retryAfter);
    this.consecutiveFailures++;
    this.pausedUntil = now + delay;
    this.metrics.retries.inc({ backend: this.backend });
    this.metrics.circuitOpen.set({ backend: this.backend }, 1);
    this.status.waiting('retrying', error, now + delay, now);
    this.logger.warn(
      { backend: this.backend, batch: batch.id, attempt: batch.attempt, retryInMs: delay, failures: this.consecutiveFailures, error: message },
      'write failed; the backend is paused until the retry',
    );
    await this.store.retryLater(this.backend, ids, now + delay, message);
  }

  /**
   * Refused as older than what the backend holds, by a write whose earlier attempt may have landed (a gateway killed
   * between the backend's answer and the queue's record, a timeout). Delivery is ordered, so nothing newer of these
   * series was sent after them: what the backend holds is this write. Remote write stores what of a request is in
   * order and refuses the rest, so nothing of it is missing now; a dead letter would only hold a copy, and replaying
   * it would be refused again.
   */
  private async alreadyStored(ready: EncodedJobs, error: PermanentWriteError): Promise<void> {
    const { summary: batch } = ready;
    this.logger.info(
      { backend: this.backend, batch: batch.id, items: batch.items, error: error.backendText },
      'the backend already holds this write (an earlier attempt reached it before its outcome was recorded): counted as delivered',
    );
    await this.store.complete(this.backend, ready.ids);
    this.metrics.redelivered.inc({ backend: this.backend }, batch.items);
    this.recovered();
  }

  private recovered(): void {
    if (this.consecutiveFailures > 0) {
      this.logger.info({ backend: this.backend, after: this.consecutiveFailures }, 'the backend accepts writes again');
      this.consecutiveFailures = 0;
      this.metrics.circuitOpen.set({ backend: this.backend }, 0);
    }
  }
}

/** Leased jobs made ready to send: their write encoded, or why it could not be. */
interface EncodedJobs {
  readonly ids: string[];
  readonly oldestEnqueuedAt: number;
  /** An earlier attempt at these jobs may have reached the backend: it was killed, or failed with no answer. */
  readonly mayBeStored: boolean;
  readonly summary: BatchSummary;
  write?: EncodedWrite;
  /** Why encode() failed: the send reports it, in turn. */
  error?: unknown;
  encodeMs: number;
}

/** A queued payload this build cannot read will not become readable by retrying: it goes to the dead-letter queue. */
function undecodable(batch: string, error: PayloadFormatError): PermanentWriteError {
  return new PermanentWriteError(`batch ${batch}: a queued payload cannot be decoded: ${error.message}`, error.message, { cause: error });
}
