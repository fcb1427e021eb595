/** Interns objects by identity, for the payload codecs' shared tables (resources, scopes, metric descriptors). */
export class Interner<T extends object> {
  /** Each distinct object, in first-seen order (its index). */
  readonly items: T[] = [];
  private readonly index = new Map<T, number>();
  private last: T | undefined;
  private lastIndex = -1;

  /** The object's index; a new object gets the next one (`items.length - 1` after the call). */
  of(item: T): number {
    if (item === this.last) return this.lastIndex; // items come in runs sharing the same resource/scope/metric
    let i = this.index.get(item);
    if (i === undefined) {
      i = this.items.length;
      this.items.push(item);
      this.index.set(item, i);
    }
    this.last = item;
    this.lastIndex = i;
    return i;
  }
}
