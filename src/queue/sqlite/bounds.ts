/** Applies one backend's backlog bound inside the enqueue transaction, before its new jobs are written. */
import { QueueUnavailableError, type BacklogBound } from '../contract.js';
import type { TotalsDelta, Totals } from './backlog.js';
import type { JobRow, Statements } from './statements.js';

/** Retry-After hint when a `refuse` bound is hit: the backlog drains at the backend's pace, not in milliseconds. */
export const REFUSE_RETRY_AFTER_MS = 5000;

export interface BoundCheck {
  readonly backend: string;
  readonly bound: BacklogBound;
  readonly incomingBytes: number;
  readonly now: number;
  /** Jobs a worker holds now: never dropped (their write is in flight). */
  readonly leased: ReadonlySet<string>;
}

/** Returns what was dropped under `drop_oldest`; throws QueueUnavailableError under `refuse`. */
export function enforceBound(sql: Statements, check: BoundCheck, current: Totals, delta: TotalsDelta): { jobs: number; items: number } {
  const { backend, bound, incomingBytes, now, leased } = check;
  const overBytes = current.bytes + incomingBytes > bound.maxBytes;
  const oldest = current.jobs > 0 ? sql.oldestLive.get(backend) : undefined;
  const age = oldest ? now - oldest.line_at : 0;
  const overAge = age > bound.maxAgeMs;
  if (!overBytes && !overAge) return { jobs: 0, items: 0 };

  if (bound.policy === 'refuse') {
    const why = overBytes
      ? `max_bytes ${bound.maxBytes} (backlog ${current.bytes} bytes + ${incomingBytes} new)`
      : `max_age ${bound.maxAgeMs} ms (oldest job waiting ${age} ms)`;
    throw new QueueUnavailableError(`queue for backend "${backend}" is full: over its bound ${why}; policy refuse`, backend, REFUSE_RETRY_AFTER_MS);
  }

  // drop_oldest: walk the line from the front, dropping until both the age and the byte bounds hold.
  // If the new data alone exceeds max_bytes it is still taken: this policy never refuses.
  const victims: JobRow[] = [];
  let bytes = current.bytes;
  for (const row of sql.liveInLine.iterate(backend)) {
    if (leased.has(row.id)) continue;
    const tooOld = now - row.line_at > bound.maxAgeMs;
    if (!tooOld && bytes + incomingBytes <= bound.maxBytes) break;
    victims.push(row);
    bytes -= row.bytes;
  }
  let items = 0;
  for (const row of victims) {
    sql.deleteSeq.run(row.seq);
    delta.add(backend, -1, -row.items, -row.bytes);
    items += row.items;
  }
  return { jobs: victims.length, items };
}
