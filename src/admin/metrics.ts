import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Signal } from '../model/index.js';
import type { ReceiverObserver, RequestOutcome } from '../receivers/ingest.js';
import type { BacklogStats } from '../queue/contract.js';

/** The gateway's own metrics, on its own registry (never prom-client's global one, so tests can run several gateways). */
export class GatewayMetrics implements ReceiverObserver {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'manifold_receiver_requests_total',
    help: 'OTLP requests by signal, transport and outcome.',
    labelNames: ['signal', 'transport', 'outcome'],
    registers: [this.registry],
  });
  readonly receivedItems = new Counter({
    name: 'manifold_receiver_items_total',
    help: 'Spans or data points received: accepted (durably queued), rejected (invalid, in partial success) or refused (sender told to retry).',
    labelNames: ['signal', 'transport', 'result'],
    registers: [this.registry],
  });
  readonly written = new Counter({
    name: 'manifold_backend_written_items_total',
    help: 'Items the backend acknowledged.',
    labelNames: ['backend'],
    registers: [this.registry],
  });
  readonly skipped = new Counter({
    name: 'manifold_backend_skipped_items_total',
    help: 'Items an adapter did not send (a type the backend cannot store), by reason.',
    labelNames: ['backend', 'reason'],
    registers: [this.registry],
  });
  readonly writeDuration = new Histogram({
    name: 'manifold_backend_write_duration_seconds',
    help: 'Time of one write to a backend, by result.',
    labelNames: ['backend', 'result'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'manifold_backend_retries_total',
    help: 'Writes that failed transiently and were put back in line.',
    labelNames: ['backend'],
    registers: [this.registry],
  });
  readonly deadLettered = new Counter({
    name: 'manifold_backend_dead_lettered_items_total',
    help: 'Items moved to the dead-letter queue, by reason.',
    labelNames: ['backend', 'reason'],
    registers: [this.registry],
  });
  readonly redelivered = new Counter({
    name: 'manifold_backend_redelivered_items_total',
    help: 'Items of a write sent again after its earlier attempt was cut off (a crash, a timeout) and refused as already held: counted as delivered.',
    labelNames: ['backend'],
    registers: [this.registry],
  });
  readonly dropped = new Counter({
    name: 'manifold_backend_dropped_items_total',
    help: 'Items dropped by a policy (e.g. drop_oldest at the backlog bound), by reason.',
    labelNames: ['backend', 'reason'],
    registers: [this.registry],
  });
  readonly circuitOpen = new Gauge({
    name: 'manifold_backend_circuit_open',
    help: '1 while writes to the backend are paused after repeated failures.',
    labelNames: ['backend'],
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'manifold_backend_in_flight_batches',
    help: 'Writes under way.',
    labelNames: ['backend'],
    registers: [this.registry],
  });
  readonly decodeWorkerRestarts = new Counter({
    name: 'manifold_decode_worker_restarts_total',
    help: 'Decode worker threads that died and were replaced.',
    registers: [this.registry],
  });
  readonly deliveryThreadRestarts = new Counter({
    name: 'manifold_delivery_thread_restarts_total',
    help: 'Delivery threads (one per backend with delivery.thread) that died and were replaced.',
    labelNames: ['backend'],
    registers: [this.registry],
  });
  /** Set by the gateway once the decoder exists: requests being decoded or waiting for a decode worker. */
  decodePending: () => number = () => 0;
  /** Set by the gateway: 1 while the memory limiter refuses new data. */
  memoryLimiterRefusing: () => boolean = () => false;

  constructor(backlog: () => Promise<Map<string, BacklogStats>>) {
    collectDefaultMetrics({ register: this.registry, prefix: 'manifold_' });
    const decodePending = (): number => this.decodePending();
    new Gauge({
      name: 'manifold_decode_pending_requests',
      help: "OTLP requests being decoded or waiting for a decode worker (past the pool's bound they are refused with 429).",
      registers: [this.registry],
      collect() {
        this.set(decodePending());
      },
    });
    const refusing = (): number => (this.memoryLimiterRefusing() ? 1 : 0);
    new Gauge({
      name: 'manifold_memory_limiter_refusing',
      help: "1 while resident memory is over memory_limiter's soft limit and the receivers refuse new data with 429 / RESOURCE_EXHAUSTED.",
      registers: [this.registry],
      collect() {
        this.set(refusing());
      },
    });
    const gauges = {
      jobs: ['manifold_queue_jobs', 'Jobs waiting or leased in the backend queue.'],
      items: ['manifold_queue_items', 'Points and spans waiting in the backend queue.'],
      bytes: ['manifold_queue_bytes', 'Payload bytes waiting in the backend queue.'],
      oldest: ['manifold_queue_oldest_age_seconds', 'Age of the oldest waiting job.'],
      deadLetters: ['manifold_queue_dead_letters', 'Jobs in the dead-letter queue.'],
    } as const;
    // Gauges are collected in parallel on each scrape: they share the one store read in flight, and a
    // later scrape reads afresh (a cache by time would show a stale backlog next to live counters).
    let inFlight: Promise<Map<string, BacklogStats>> | undefined;
    const read = (): Promise<Map<string, BacklogStats>> =>
      (inFlight ??= backlog().finally(() => {
        inFlight = undefined;
      }));
    const fields: Record<keyof typeof gauges, (stats: BacklogStats) => number> = {
      jobs: (s) => s.jobs,
      items: (s) => s.items,
      bytes: (s) => s.bytes,
      oldest: (s) => s.oldestAgeMs / 1000,
      deadLetters: (s) => s.deadLetters,
    };
    for (const key of Object.keys(gauges) as (keyof typeof gauges)[]) {
      const gauge: Gauge = new Gauge({
        name: gauges[key][0],
        help: gauges[key][1],
        labelNames: ['backend'],
        registers: [this.registry],
        async collect() {
          for (const [backend, stats] of await read()) gauge.set({ backend }, fields[key](stats));
        },
      });
    }
  }

  /** With the embedded PostgreSQL (no backend configured): whether its server process runs, its starts and deaths. */
  watchEmbeddedStore(status: () => { running: boolean; starts: number; crashes: number }): void {
    new Gauge({
      name: 'manifold_embedded_store_running',
      help: "1 while the embedded PostgreSQL's server process runs; 0 while it is stopped for idleness (the next connection starts it).",
      registers: [this.registry],
      collect() {
        this.set(status().running ? 1 : 0);
      },
    });
    // Counted by the store itself: each scrape copies its counts in.
    for (const [name, help, field] of [
      [
        'manifold_embedded_store_starts_total',
        "Starts of the embedded PostgreSQL's server process (at start, then after each idle stop or death).",
        'starts',
      ],
      [
        'manifold_embedded_store_crashes_total',
        "Times the embedded PostgreSQL's server process died on its own (logged; the next connection starts it).",
        'crashes',
      ],
    ] as const)
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(status()[field]);
        },
      });
  }

  request(signal: Signal, transport: 'http' | 'grpc', outcome: RequestOutcome, counts: { accepted: number; rejected: number }): void {
    this.requests.inc({ signal, transport, outcome });
    const refused = outcome === 'refused' || outcome === 'unavailable';
    if (counts.accepted > 0) this.receivedItems.inc({ signal, transport, result: refused ? 'refused' : 'accepted' }, counts.accepted);
    if (counts.rejected > 0) this.receivedItems.inc({ signal, transport, result: 'rejected' }, counts.rejected);
  }
}
