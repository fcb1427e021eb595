/**
 * Tests and micro benchmarks writing straight to an adapter, as the engine would: its one path, encode() then
 * send(), for a batch of decoded items (in `parts` parts, as that many queued jobs would be).
 */
import type { Adapter, BatchPart, WriteBatch, WriteResult } from '../../src/adapters/contract.js';
import type { LogRecord, MetricPoint, Span } from '../../src/model/index.js';

export interface DecodedBatch {
  readonly id: string;
  readonly attempt: number;
  readonly metrics: readonly MetricPoint[];
  readonly spans: readonly Span[];
  /** None when left out. */
  readonly logs?: readonly LogRecord[];
}

/** The batch as the engine hands it to encode(): its items cut into `parts` parts (one per queued job). */
export function writeBatch(batch: DecodedBatch, parts = 1): WriteBatch {
  const cut: BatchPart[] = [];
  const metricsPer = Math.ceil(batch.metrics.length / parts);
  const spansPer = Math.ceil(batch.spans.length / parts);
  const logs = batch.logs ?? [];
  const logsPer = Math.ceil(logs.length / parts);
  for (let i = 0; i < parts; i++) {
    cut.push({
      metrics: batch.metrics.slice(i * metricsPer, (i + 1) * metricsPer),
      spans: batch.spans.slice(i * spansPer, (i + 1) * spansPer),
      logs: logs.slice(i * logsPer, (i + 1) * logsPer),
    });
  }
  return { id: batch.id, attempt: batch.attempt, items: batch.metrics.length + batch.spans.length + logs.length, parts: () => cut };
}

/** encode() then send(): resolves or throws as the write would in the engine. */
export async function writeDecoded(adapter: Adapter, batch: DecodedBatch): Promise<WriteResult> {
  return adapter.send(await adapter.encode(writeBatch(batch)));
}
