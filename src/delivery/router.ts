import type { Logger } from 'pino';
import type { GatewayMetrics } from '../admin/metrics.js';
import type { Signal } from '../model/index.js';
import { QueueUnavailableError, type EnqueueEntry, type QueueStore } from '../queue/contract.js';
import { IngestRefusedError, type AcceptedRequest, type IngestSink } from './ingest-sink.js';

interface Pending {
  readonly request: AcceptedRequest;
  resolve(): void;
  reject(error: unknown): void;
}

/** Items per commit at most: beyond this a group is split so one transaction stays a few MB. */
const MAX_GROUP_ITEMS = 50_000;

/**
 * Routes accepted data to every backend that takes its signal and makes it durable before the sender's ack.
 * Group commit: requests that arrive while a commit is under way are written together in the next one, in
 * ONE store.enqueue call (one transaction) with one entry per (request, backend): each request's payload was
 * encoded off the main thread by the decode pool and is stored as is (no merge, no re-encode here); delivery
 * leases several jobs and merges them. Each request is acked when that commit is durable.
 */
export class Router implements IngestSink {
  private readonly pending: Record<Signal, Pending[]> = { metrics: [], traces: [], logs: [] };
  private readonly committing: Record<Signal, boolean> = { metrics: false, traces: false, logs: false };
  private closed = false;
  private warnedNoRoute = new Set<Signal>();

  constructor(
    private readonly store: QueueStore,
    /** signal -> backends that take it. */
    private readonly routes: Record<Signal, readonly string[]>,
    private readonly metrics: GatewayMetrics,
    private readonly logger: Logger,
    /** Told after each commit (the items it added to each of these backends), so workers wake at once. */
    private readonly onEnqueued: (backends: readonly string[], items: number) => void,
  ) {}

  accept(request: AcceptedRequest): Promise<void> {
    const signal = request.signal;
    if (this.closed) return Promise.reject(new IngestRefusedError('the gateway is shutting down', 5_000, 'unavailable'));
    const backends = this.routes[signal];
    if (backends.length === 0) {
      // No backend wants this signal: accepted and counted as dropped, so the sender does not retry forever.
      this.metrics.dropped.inc({ backend: '(none)', reason: `no_backend_for_${signal}` }, request.items);
      if (!this.warnedNoRoute.has(signal)) {
        this.warnedNoRoute.add(signal);
        this.logger.warn({ signal }, `no backend takes ${signal}: they are accepted and dropped (see manifold_backend_dropped_items_total)`);
      }
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.pending[signal].push({ request, resolve, reject });
      if (!this.committing[signal]) {
        this.committing[signal] = true;
        // Let requests decoded in the same turn of the event loop join this commit.
        setImmediate(() => void this.commitLoop(signal));
      }
    });
  }

  /** Stop taking requests; resolves when every pending request has been committed or refused. */
  async close(): Promise<void> {
    this.closed = true;
    while (Object.values(this.committing).some(Boolean)) await new Promise((r) => setTimeout(r, 5));
  }

  private async commitLoop(signal: Signal): Promise<void> {
    try {
      while (this.pending[signal].length > 0) {
        const group = this.takeGroup(signal);
        await this.commit(signal, group);
      }
    } finally {
      this.committing[signal] = false;
    }
  }

  private takeGroup(signal: Signal): Pending[] {
    const queue = this.pending[signal];
    let items = 0;
    let count = 0;
    while (count < queue.length && (count === 0 || items + queue[count]!.request.items <= MAX_GROUP_ITEMS)) {
      items += queue[count]!.request.items;
      count++;
    }
    return queue.splice(0, count);
  }

  private async commit(signal: Signal, group: Pending[]): Promise<void> {
    const backends = this.routes[signal];
    try {
      const entries: EnqueueEntry[] = [];
      let items = 0;
      for (const { request } of group) {
        items += request.items;
        for (const backend of backends) entries.push({ backend, payload: request.payload, items: request.items });
      }
      const result = await this.store.enqueue(entries);
      for (const drop of result.dropped) {
        this.metrics.dropped.inc({ backend: drop.backend, reason: 'backlog_full_drop_oldest' }, drop.items);
        this.logger.warn(
          { backend: drop.backend, jobs: drop.jobs, items: drop.items },
          'backlog bound reached: dropped the oldest queued data (policy drop_oldest)',
        );
      }
      for (const pending of group) pending.resolve();
      this.onEnqueued(backends, items);
    } catch (error) {
      const refusal = toRefusal(error);
      if (refusal.reason === 'unavailable') this.logger.error({ err: error as Error, signal }, 'the queue store could not take a batch');
      for (const pending of group) pending.reject(refusal);
    }
  }
}

function toRefusal(error: unknown): IngestRefusedError {
  if (error instanceof QueueUnavailableError) {
    return new IngestRefusedError(error.message, error.retryAfterMs, error.backend ? 'overloaded' : 'unavailable');
  }
  return new IngestRefusedError(`the queue store failed: ${(error as Error).message}`, 5_000, 'unavailable');
}
