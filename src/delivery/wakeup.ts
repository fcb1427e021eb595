/** Sleeps that end early when woken: a worker's lanes wait on one of these for new work or a stop. */
export class Wakeup {
  private readonly sleepers = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  wakeAll(): void {
    for (const done of [...this.sleepers]) done();
  }
}
