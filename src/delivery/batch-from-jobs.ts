/**
 * The jobs of one lease as one write, and the one place their queued payloads are decoded: where the adapter runs
 * (this thread, or its delivery thread), each payload when the adapter's encode() reaches it. Its id is stable: a
 * group leased again after a failure gets the same id (adapters use it as their dedup token), and its attempt is
 * the most any of its jobs has had, plus one.
 */
import type { Adapter, BatchPart, WriteBatch } from '../adapters/contract.js';
import { decodeBatchSlices, PayloadFormatError } from '../queue/codec.js';
import type { Job } from '../queue/contract.js';

/** What identifies a write apart from its content. */
export interface BatchSummary {
  readonly id: string;
  readonly attempt: number;
  readonly items: number;
}

/** A write as leased: what identifies it, and its jobs' payloads as queued (encoded), in order. */
export interface QueuedBatch {
  readonly summary: BatchSummary;
  readonly payloads: readonly Uint8Array[];
}

export function queuedBatch(jobs: readonly Job[]): QueuedBatch {
  return { summary: summarize(jobs), payloads: jobs.map((job) => job.payload) };
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

/**
 * adapter.encode() of the queued batch, its parts decoded one at a time as the adapter reaches them: an adapter
 * that consumes them one by one (remote write translates them into its series as it goes) holds one part's
 * decoded objects at a time, not the whole lease's (80,000 points by default: ~40 MB of model objects, the peak of
 * delivery's memory). A part is a slice of a job of at most PART_ITEMS items: adapters yield to the event loop
 * between parts, and a whole 10K-point job decoded in one go is ~5 ms of the thread that acknowledges (issue 13).
 * A payload that cannot be decoded fails the encode with its PayloadFormatError, however the adapter reported
 * it: the engine dead-letters it as undecodable.
 */
export async function encodeQueued<Encoded>(adapter: Adapter<Encoded>, batch: QueuedBatch): Promise<Encoded> {
  const { summary, payloads } = batch;
  let undecodable: PayloadFormatError | undefined;
  const write: WriteBatch = {
    id: summary.id,
    attempt: summary.attempt,
    items: summary.items,
    *parts(): Iterable<BatchPart> {
      // Slices yielded straight through, never held in a local of this frame while the next one is decoded.
      for (const payload of payloads) {
        try {
          yield* decodeBatchSlices(payload, PART_ITEMS);
        } catch (error) {
          if (error instanceof PayloadFormatError) undecodable = error;
          throw error;
        }
      }
    },
  };
  try {
    return await adapter.encode(write);
  } catch (error) {
    throw undecodable ?? error;
  }
}

/** Items per part: ~1 ms to decode (~0.4 µs a point), ~2.5 ms for remote write to translate. */
const PART_ITEMS = 2_500;
