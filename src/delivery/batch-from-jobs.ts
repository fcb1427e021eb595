/**
 * The jobs of one lease as one write. Its id is stable: a group leased again after a failure gets the same id
 * (adapters use it as their dedup token), and its attempt is the most any of its jobs has had, plus one.
 */
import type { BatchPart, PartedBatch, WriteBatch } from '../adapters/contract.js';
import type { MetricPoint, Span } from '../model/index.js';
import { decodeBatch } from '../queue/codec.js';
import type { Job } from '../queue/contract.js';

/** What identifies a write apart from its content. */
export interface BatchSummary {
  readonly id: string;
  readonly attempt: number;
  readonly items: number;
}

function summarize(jobs: readonly Job[]): BatchSummary {
  const first = jobs[0]!;
  let attempts = 0;
  let items = 0;
  for (const job of jobs) {
    attempts = Math.max(attempts, job.attempts);
    items += job.items;
  }
  return { id: jobs.length === 1 ? first.id : (first.group ?? `${first.id}+${jobs.length}`), attempt: attempts + 1, items };
}

/** Every job decoded into one batch, with a yield between jobs so a write in flight meanwhile keeps sending. */
export async function toWriteBatch(jobs: readonly Job[]): Promise<WriteBatch> {
  return decodeWriteBatch(summarize(jobs), jobs.map((job) => job.payload));
}

/** Queued payloads decoded into one batch (also on the delivery thread, from the payloads it was handed). */
export async function decodeWriteBatch(summary: BatchSummary, payloads: readonly Uint8Array[]): Promise<WriteBatch> {
  const { id, attempt } = summary;
  if (payloads.length === 1) {
    const only = decodeBatch(payloads[0]!);
    return { id, attempt, metrics: only.metrics, spans: only.spans };
  }
  const metrics: MetricPoint[] = [];
  const spans: Span[] = [];
  for (const payload of payloads) {
    if (metrics.length + spans.length > 0) await new Promise((resolve) => setImmediate(resolve));
    const part = decodeBatch(payload);
    for (const point of part.metrics) metrics.push(point);
    for (const span of part.spans) spans.push(span);
  }
  return { id, attempt, metrics, spans };
}

/**
 * The same write with each job decoded only when the adapter reaches it: an adapter that consumes parts one by
 * one (remote write translates them into its series as it goes) holds one job's decoded objects at a time, not
 * the whole lease's (80,000 points by default: ~40 MB of model objects, the peak of delivery's memory).
 */
export function toPartedBatch(jobs: readonly Job[]): PartedBatch {
  return partedBatch(summarize(jobs), jobs.map((job) => job.payload));
}

export function partedBatch(summary: BatchSummary, payloads: readonly Uint8Array[]): PartedBatch {
  return {
    id: summary.id,
    attempt: summary.attempt,
    items: summary.items,
    payloads,
    *parts(): Iterable<BatchPart> {
      for (const payload of payloads) yield decodeBatch(payload);
    },
  };
}
