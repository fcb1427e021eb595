/**
 * Ids of rows (series, resources, scopes, bucket bounds) known to be stored, so a batch sends only the new ones.
 * Bounded: past `capacity` an id not seen since it last came round is forgotten, so idle series leave and busy ones
 * stay. That is "second chance" (CLOCK) eviction, close to least recently seen: a Map keeps insertion order, a hit
 * only marks the id (no reordering, so the per-point lookup is one get), and eviction walks from the oldest,
 * moving marked ids to the end unmarked and dropping the first unmarked one. Forgetting costs only a row sent again
 * and skipped by ON CONFLICT DO NOTHING. Ids enter only after the transaction that stored them committed.
 */
export class KnownRows {
  /** id → seen since it was added or last came round. */
  private readonly ids = new Map<string, boolean>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    const seen = this.ids.get(id);
    if (seen === undefined) return false;
    if (!seen) this.ids.set(id, true);
    return true;
  }

  add(id: string): void {
    if (this.ids.has(id)) {
      this.ids.set(id, true);
      return;
    }
    if (this.capacity <= 0) return;
    while (this.ids.size >= this.capacity) this.evictOne();
    this.ids.set(id, false);
  }

  get size(): number {
    return this.ids.size;
  }

  clear(): void {
    this.ids.clear();
  }

  private evictOne(): void {
    for (const [id, seen] of this.ids) {
      this.ids.delete(id);
      if (!seen) return;
      this.ids.set(id, false);
    }
  }
}
