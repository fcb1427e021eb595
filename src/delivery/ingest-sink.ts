/**
 * The port the receivers hand decoded data to, owned by the delivery side (src/delivery/router.ts implements it):
 * receivers depend on the pipeline, never the reverse.
 */
import type { Rejections, Signal } from '../model/index.js';

/** One request, decoded and encoded into its queue payload (by the decode pool), as the sink takes it. */
export interface AcceptedRequest {
  readonly signal: Signal;
  /** src/queue/codec.ts payload of the request's items. */
  readonly payload: Uint8Array;
  /** Points + spans in the payload. */
  readonly items: number;
  readonly rejected: Rejections;
}

/** What the receivers hand decoded data to: resolves once every routed backend's queue holds it durably. */
export interface IngestSink {
  accept(request: AcceptedRequest): Promise<void>;
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
