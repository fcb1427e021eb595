import type { IngestDecoder } from '../ingest/decode-pool.js';
import type { IngestSink } from '../delivery/ingest-sink.js';
import type { Rejections, Signal } from '../model/index.js';

export interface ReceiverObserver {
  /** One per request, after the answer is known. */
  request(signal: Signal, transport: 'http' | 'grpc', outcome: RequestOutcome, items: { accepted: number; rejected: number }): void;
}

export type RequestOutcome = 'ok' | 'partial' | 'bad_request' | 'too_large' | 'unsupported' | 'unauthenticated' | 'refused' | 'unavailable' | 'error';

export interface ReceiverDeps {
  readonly sink: IngestSink;
  /** Decode + payload encode: the decode pool, or inline. */
  readonly decoder: IngestDecoder;
  readonly observer: ReceiverObserver;
}

export function summarize(decoded: { items: number; rejected: Rejections }): { accepted: number; rejected: number } {
  return { accepted: decoded.items, rejected: decoded.rejected.count };
}

export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
