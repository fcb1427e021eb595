import type { IngestDecoder } from '../ingest/decode-pool.js';
import type { IngestSink } from '../delivery/ingest-sink.js';
import type { ReceivedSignal, Rejections } from '../model/index.js';
import type { LogsIntake } from './logs-intake.js';

export interface ReceiverObserver {
  /** One per request, after the answer is known. */
  request(signal: ReceivedSignal, transport: 'http' | 'grpc', outcome: RequestOutcome, items: { accepted: number; rejected: number }): void;
}

export type RequestOutcome = 'ok' | 'partial' | 'bad_request' | 'too_large' | 'unsupported' | 'unauthenticated' | 'refused' | 'unavailable' | 'error';

export interface ReceiverDeps {
  readonly sink: IngestSink;
  /** Decode + payload encode: the decode pool, or inline. */
  readonly decoder: IngestDecoder;
  readonly observer: ReceiverObserver;
  /** POST /v1/logs and LogsService/Export; without it, those answer 404 / UNIMPLEMENTED. */
  readonly logs?: LogsIntake;
}

export function summarize(decoded: { items: number; rejected: Rejections }): { accepted: number; rejected: number } {
  return { accepted: decoded.items, rejected: decoded.rejected.count };
}

export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
