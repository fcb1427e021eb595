/**
 * The memory limiter, in the OpenTelemetry Collector's sense: past a soft limit of the process's resident memory
 * the receivers refuse new requests with a retryable answer (HTTP 429 / gRPC RESOURCE_EXHAUSTED, with Retry-After)
 * instead of taking more in and growing until the kernel kills the gateway. Soft limit = limit − spike_limit, so
 * the spike is the headroom for what is already under way when the check turns. It stops refusing once memory is
 * below the soft limit again. RSS, not the JS heap: PGlite's WASM heap, the decode threads and SQLite's cache are
 * in it too, and RSS is what a container's memory limit counts.
 */
import type { Logger } from 'pino';
import { IngestRefusedError } from '../delivery/ingest-sink.js';
import type { Signal } from '../model/index.js';
import type { Encoding } from '../otlp/index.js';
import type { IngestDecoder } from './decode-pool.js';

export interface MemoryLimiterSettings {
  /** Bytes of resident memory; 0 turns the limiter off. */
  readonly limit: number;
  /** Headroom below the limit, bytes; the limiter refuses from limit − spike_limit on. */
  readonly spike_limit: number;
  /** ms between checks. */
  readonly check_interval: number;
}

export class MemoryLimiter {
  private refusingNow = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly soft: number;

  constructor(
    private readonly settings: MemoryLimiterSettings,
    private readonly logger: Logger,
    /** Resident memory now, bytes (injectable so the transitions can be tested without filling memory). */
    private readonly residentBytes: () => number = () => process.memoryUsage.rss(),
  ) {
    this.soft = Math.max(0, settings.limit - settings.spike_limit);
  }

  get enabled(): boolean {
    return this.settings.limit > 0;
  }

  get refusing(): boolean {
    return this.refusingNow;
  }

  /** How long a refused sender should wait: a couple of checks, at least a second. */
  get retryAfterMs(): number {
    return Math.max(1_000, 2 * this.settings.check_interval);
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    this.check();
    this.timer = setInterval(() => this.check(), Math.max(50, this.settings.check_interval));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One look at memory; the receivers read the outcome through `refusing`. */
  check(): void {
    const rss = this.residentBytes();
    const refusing = rss >= this.soft;
    if (refusing === this.refusingNow) return;
    this.refusingNow = refusing;
    const fields = { rssBytes: rss, softLimitBytes: this.soft, limitBytes: this.settings.limit };
    if (refusing) this.logger.warn(fields, 'memory limiter: above the soft limit, refusing new data (429 / RESOURCE_EXHAUSTED) until memory falls');
    else this.logger.info(fields, 'memory limiter: below the soft limit again, accepting data');
  }

  /** The error a receiver answers with while memory is over the soft limit; undefined below it. */
  refusal(): IngestRefusedError | undefined {
    if (!this.enabled || !this.refusingNow) return undefined;
    return new IngestRefusedError(
      `the gateway is over its memory soft limit (memory_limiter: ${mib(this.soft)} MiB of ${mib(this.settings.limit)} MiB): retry later`,
      this.retryAfterMs,
      'overloaded',
    );
  }

  /** The decoder, refusing before any decoding while memory is over the soft limit. */
  guard(decoder: IngestDecoder): IngestDecoder {
    if (!this.enabled) return decoder;
    return {
      decode: (signal: Signal, body: Uint8Array, encoding: Encoding) => {
        const refused = this.refusal();
        return refused ? Promise.reject(refused) : decoder.decode(signal, body, encoding);
      },
      get pending() {
        return decoder.pending;
      },
      close: () => decoder.close(),
    };
  }
}

function mib(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}
