/** The leases this process holds, renewed in Redis on a timer so they outlive a slow write but not the process. */
export class HeldLeases {
  private readonly held = new Map<string, Set<string>>();
  private readonly timer: NodeJS.Timeout;
  private renewing = false;

  constructor(everyMs: number, renew: (backend: string, ids: string[]) => Promise<unknown>) {
    this.timer = setInterval(
      () => {
        if (this.renewing) return;
        this.renewing = true;
        const work = [...this.held].filter(([, ids]) => ids.size > 0).map(([backend, ids]) => renew(backend, [...ids]).catch(() => {}));
        void Promise.all(work).finally(() => (this.renewing = false));
      },
      Math.max(50, everyMs),
    );
    this.timer.unref();
  }

  add(backend: string, ids: readonly string[]): void {
    let set = this.held.get(backend);
    if (!set) this.held.set(backend, (set = new Set()));
    for (const id of ids) set.add(id);
  }

  remove(backend: string, ids: readonly string[]): void {
    const set = this.held.get(backend);
    if (set) for (const id of ids) set.delete(id);
  }

  /** Stops renewing; returns what was held. */
  stop(): Map<string, string[]> {
    clearInterval(this.timer);
    return new Map([...this.held].map(([backend, ids]) => [backend, [...ids]]));
  }
}
