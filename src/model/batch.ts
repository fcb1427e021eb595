import type { LogRecord } from './logs.js';
import type { MetricPoint } from './metrics.js';
import type { Span } from './spans.js';

export type Signal = 'metrics' | 'traces' | 'logs';
export const SIGNALS: readonly Signal[] = ['metrics', 'traces', 'logs'];

/** What one decoded request (or one coalesced delivery batch) carries. */
export interface TelemetryBatch {
  readonly metrics: readonly MetricPoint[];
  readonly spans: readonly Span[];
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
