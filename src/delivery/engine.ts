import type { Logger } from 'pino';
import type { GatewayMetrics } from '../admin/metrics.js';
import type { BackendSettings } from '../config/load.js';
import { SIGNALS, type Signal } from '../model/index.js';
import type { BacklogStats, QueueStore } from '../queue/contract.js';
import type { BackendStatus } from './backend-status.js';
import type { AdapterRunner } from './runner.js';
import { Router } from './router.js';
import { BackendWorker } from './worker.js';

export interface DeliveryBackend {
  readonly settings: BackendSettings;
  /** Its adapter, on this thread or its delivery thread (open-runner.ts). */
  readonly runner: AdapterRunner;
  /** Run before the adapter's start(), retried with it: the start-time migration policy (src/migrate/start.ts). */
  readonly prepareSchema?: () => Promise<void>;
}

/** The queue store, the router in front of it and one worker per backend behind it. */
export class DeliveryEngine {
  readonly router: Router;
  private readonly workers = new Map<string, BackendWorker>();

  constructor(
    private readonly store: QueueStore,
    private readonly backends: readonly DeliveryBackend[],
    metrics: GatewayMetrics,
    logger: Logger,
  ) {
    const routes: Record<Signal, string[]> = { metrics: [], traces: [], logs: [] };
    for (const { settings, runner, prepareSchema } of backends) {
      const bound = settings.delivery.backlog;
      store.configure(settings.name, { maxBytes: bound.max_bytes, maxAgeMs: bound.max_age, policy: bound.policy });
      for (const signal of SIGNALS) if (runner.signals.has(signal)) routes[signal].push(settings.name);
      this.workers.set(settings.name, new BackendWorker(settings.name, runner, store, settings.delivery, metrics, logger, prepareSchema));
    }
    this.router = new Router(store, routes, metrics, logger, (names, items) => {
      for (const name of names) this.workers.get(name)?.notify(items);
    });
  }

  start(): void {
    for (const worker of this.workers.values()) worker.start();
  }

  /** Wake every worker (e.g. after dead letters were replayed). */
  notifyAll(): void {
    for (const worker of this.workers.values()) worker.notify();
  }

  /** Each backend's worker state (for the status page), by backend name, in configuration order. */
  statuses(): Map<string, BackendStatus> {
    return new Map([...this.workers].map(([name, worker]) => [name, worker.status]));
  }

  async backlog(): Promise<Map<string, BacklogStats>> {
    const out = new Map<string, BacklogStats>();
    for (const { settings } of this.backends) out.set(settings.name, await this.store.stats(settings.name));
    return out;
  }

  /** Stop taking new data, commit what is pending, then let each worker finish its write under way. */
  async stop(): Promise<void> {
    await this.router.close();
    await Promise.all([...this.workers.values()].map((worker) => worker.stop()));
  }
}
