import type { DecodeLimits } from '../otlp/index.js';
import type { Rejections, Signal, TelemetryBatch } from '../model/index.js';

/** What the receivers hand decoded data to: resolves once every routed backend's queue holds it durably. */
export interface IngestSink {
  accept(signal: Signal, batch: TelemetryBatch): Promise<void>;
}

/** Thrown by the sink when the data cannot be taken now; the sender should retry after `retryAfterMs`. */
export class IngestRefusedError extends Error {
  override readonly name = 'IngestRefusedError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    /** 'overloaded': a backlog bound refused (HTTP 429, gRPC RESOURCE_EXHAUSTED); 'unavailable': store down or shutting down (503, UNAVAILABLE). */
    readonly reason: 'overloaded' | 'unavailable',
  ) {
    super(message);
  }
}

export interface ReceiverObserver {
  /** One per request, after the answer is known. */
  request(signal: Signal, transport: 'http' | 'grpc', outcome: RequestOutcome, items: { accepted: number; rejected: number }): void;
}

export type RequestOutcome = 'ok' | 'partial' | 'bad_request' | 'too_large' | 'unsupported' | 'refused' | 'unavailable' | 'error';

export interface ReceiverDeps {
  readonly sink: IngestSink;
  readonly limits: DecodeLimits;
  readonly observer: ReceiverObserver;
}

export function summarize(batch: TelemetryBatch, rejected: Rejections): { accepted: number; rejected: number } {
  return { accepted: batch.metrics.length + batch.spans.length, rejected: rejected.count };
}

export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
