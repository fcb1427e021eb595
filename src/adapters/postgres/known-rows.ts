/**
 * Ids of rows (series, resources, scopes, bucket bounds) known to be stored, so a batch sends only the new ones.
 * Bounded: past `capacity` the least recently seen id is forgotten (a Map keeps insertion order; a hit moves the id
 * to the end), so idle series leave and busy ones stay. Forgetting costs only a row sent again and skipped by
 * ON CONFLICT DO NOTHING. Ids enter only after the transaction that stored them committed.
 */
export class KnownRows {
  private readonly ids = new Map<string, true>();

  constructor(private readonly capacity: number) {}

  has(id: string): boolean {
    if (!this.ids.has(id)) return false;
    this.ids.delete(id);
    this.ids.set(id, true);
    return true;
  }

  add(id: string): void {
    this.ids.delete(id);
    this.ids.set(id, true);
    while (this.ids.size > this.capacity) this.ids.delete(this.ids.keys().next().value as string);
  }

  get size(): number {
    return this.ids.size;
  }

  clear(): void {
    this.ids.clear();
  }
}
