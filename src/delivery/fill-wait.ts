/**
 * Coalescing toward a backend: a write waits up to `maxDelayMs` for `maxItems` to be queued, so a trickle of small
 * requests becomes a few full writes (the peers' batch processors flush at a size or a timeout, whichever first).
 *
 * What is queued is known from the router's commits in this process, an estimate that costs no store query. Data
 * it does not know about (queued before a restart, by another gateway on the same Redis, replayed dead letters)
 * is leased without waiting on the worker's idle poll, so an unknown backlog is never held back.
 */
export class FillWait {
  private items = 0;
  private since = 0;

  constructor(
    private readonly maxItems: number,
    private readonly maxDelayMs: number,
  ) {}

  /** The router committed `items` for this backend. */
  added(items: number, now: number): void {
    if (this.items === 0) this.since = now;
    this.items += items;
  }

  /** A lease took `items`. */
  taken(items: number): void {
    this.items = Math.max(0, this.items - items);
    if (this.items === 0) this.since = 0;
  }

  /** ms to wait before leasing for a fuller write; 0 to lease now. */
  waitMs(now: number): number {
    if (this.maxDelayMs === 0 || this.items === 0 || this.items >= this.maxItems) return 0;
    return Math.max(0, this.since + this.maxDelayMs - now);
  }
}
