/** Per-backend totals kept in memory, so stats() never scans the queue (it is scraped every few seconds under load). */
export interface Totals {
  jobs: number;
  items: number;
  bytes: number;
  dead: number;
}

/** Changes made inside a transaction, applied to the totals only once it commits. */
export class TotalsDelta {
  private readonly changes = new Map<string, Totals>();

  add(backend: string, jobs: number, items: number, bytes: number, dead = 0): void {
    let t = this.changes.get(backend);
    if (!t) this.changes.set(backend, (t = { jobs: 0, items: 0, bytes: 0, dead: 0 }));
    t.jobs += jobs;
    t.items += items;
    t.bytes += bytes;
    t.dead += dead;
  }

  /** What the totals of a backend would be with this transaction's changes so far. */
  pending(totals: Map<string, Totals>, backend: string): Totals {
    const base = totals.get(backend) ?? { jobs: 0, items: 0, bytes: 0, dead: 0 };
    const d = this.changes.get(backend);
    return d ? { jobs: base.jobs + d.jobs, items: base.items + d.items, bytes: base.bytes + d.bytes, dead: base.dead + d.dead } : base;
  }

  applyTo(totals: Map<string, Totals>): void {
    for (const [backend, d] of this.changes) {
      const t = totals.get(backend);
      if (t) {
        t.jobs += d.jobs;
        t.items += d.items;
        t.bytes += d.bytes;
        t.dead += d.dead;
      } else totals.set(backend, { ...d });
    }
  }
}
