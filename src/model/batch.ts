import type { LogRecord } from './logs.js';
import type { MetricPoint } from './metrics.js';
import type { Span } from './spans.js';

export type Signal = 'metrics' | 'traces';
export const SIGNALS: readonly Signal[] = ['metrics', 'traces'];
/**
 * What the receivers take: logs are received and validated, but not queued until an adapter takes them
 * (src/receivers/logs-intake.ts), so they are not a Signal of the queue and the delivery yet.
 */
export type ReceivedSignal = Signal | 'logs';

/** What one decoded request (or one coalesced delivery batch) carries. */
export interface TelemetryBatch {
  readonly metrics: readonly MetricPoint[];
  readonly spans: readonly Span[];
  /** Carried by the queue's payload format; nothing routes or queues them yet (src/receivers/logs-intake.ts). */
  readonly logs: readonly LogRecord[];
}

/** Items of a request that failed validation; the rest of the request goes on (OTLP partial success). */
export interface Rejections {
  count: number;
  /** A few distinct messages, each naming the item and the problem. */
  messages: string[];
}

export function batchSize(batch: TelemetryBatch): number {
  return batch.metrics.length + batch.spans.length + batch.logs.length;
}
