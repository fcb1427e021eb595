/** Messages between the harness and the load generator process (node:child_process fork, IPC). */

export interface LoadSpec {
  /** http://127.0.0.1:PORT/v1/traces; loopback only. */
  url: string;
  /** The pre-encoded body to POST, read once by the generator. */
  file: string;
  contentEncoding: 'identity' | 'gzip';
  /** Items (spans or points) in one request. */
  itemsPerRequest: number;
  /** Concurrent keep-alive connections (= requests in flight at most). */
  connections: number;
  /** Stop issuing requests after this long; in-flight ones are awaited. */
  durationSec: number;
  /** Stop after this many requests at most. */
  maxRequests: number;
  /** Closed loop: keep going past durationSec until this many requests were sent (up to 4x durationSec). */
  minRequests?: number;
  /** Requests per second for a rate-limited (open-loop) run; absent: as fast as the server answers. */
  rate?: number;
  /** Metrics, identity only: each request a copy of the body with every point's time set to now (distinct samples downstream). */
  restamp?: boolean;
  /**
   * Metrics, identity only: connection i sends its points under its own `service.instance.id` (otherInstance in
   * otlp-stamp.ts), as one sender per connection would: each series then comes from one closed loop, so its samples
   * reach the gateway's queue in time order (a store that refuses out-of-order samples takes every batch).
   */
  instancePerConnection?: boolean;
  /** Return every request's latency (`LoadResult.latenciesMs`): for a percentile pooled over several short runs. */
  keepLatencies?: boolean;
}

export interface LoadResult {
  requests: number;
  /** 2xx answers. */
  ok: number;
  statuses: Record<string, number>;
  /** Connection errors and timeouts. */
  errors: number;
  firstError?: string;
  /** Items the server took: 2xx answers x items per request, less OTLP partial-success rejections. */
  acceptedItems: number;
  rejectedItems: number;
  /** From the first request to the last answer. */
  elapsedSec: number;
  itemsPerSec: number;
  requestsPerSec: number;
  /** Milliseconds; in a rate-limited run from each request's scheduled time (no coordinated omission). */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** With `keepLatencies`: each answered request's latency, in the order answered (0.01 ms steps). */
  latenciesMs?: number[];
  /** CPU the generator itself used during the run. */
  generatorCpuSec: number;
  /** Requests that started late because every connection was busy (rate-limited runs). */
  late: number;
}

export type ToGenerator = { type: 'prepare'; spec: LoadSpec } | { type: 'go' } | { type: 'exit' };
export type FromGenerator = { type: 'ready' } | { type: 'result'; result: LoadResult } | { type: 'error'; message: string };
