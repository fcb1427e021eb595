/**
 * fdatasync of the queue's WAL off the main thread. SQLite's synchronous=FULL syncs inside the commit, and
 * better-sqlite3 is synchronous, so the event loop stood still for every sync (measured: ~2 ms of a 2.5 ms commit
 * of a 255 KB payload is the wait, 0.4 ms the CPU), with no request read and no ack written meanwhile. So the
 * database runs at synchronous=NORMAL (every commit is in the WAL, in the OS's page cache) and the store awaits
 * this sync, which runs in libuv's thread pool, before it answers: the same guarantee as FULL for every answered
 * call, with the main thread free during the wait.
 *
 * Linux syncs a file's data whatever descriptor asks; this one is opened on the WAL the connection keeps open
 * (SQLite deletes and recreates it only when the last connection closes, and the process lock keeps others out).
 * Calls coalesce: a sync that is running may have started before the caller's commit, so the caller waits for the
 * next one, which every caller arriving meanwhile shares (one fdatasync per group of commits, as SQLite's own
 * group commit).
 */
import fs from 'node:fs';

export class WalSync {
  private readonly fd: number;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(walFile: string) {
    this.fd = fs.openSync(walFile, 'r+');
  }

  /** Resolves once everything committed before this call is on disk. */
  sync(): Promise<void> {
    if (this.next) return this.next;
    if (!this.running) return this.start();
    const next = this.running.then(
      () => this.start(),
      () => this.start(),
    );
    this.next = next;
    return next;
  }

  /** Waits for the syncs asked for, then closes the descriptor. */
  async close(): Promise<void> {
    await Promise.allSettled([this.running, this.next]);
    fs.closeSync(this.fd);
  }

  private start(): Promise<void> {
    this.next = undefined;
    const running = new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (error) => (error ? reject(error) : resolve())));
    this.running = running;
    const clear = (): void => {
      if (this.running === running) this.running = undefined;
    };
    running.then(clear, clear);
    return running;
  }
}
