/**
 * One process per embedded store: the embedded queue keeps its leases in memory (src/queue/sqlite/store.ts),
 * so two processes on one queue database would both lease the same jobs and deliver them twice; PGlite on one
 * data folder from two processes would corrupt it. A second `manifold start` on the same files is refused
 * with a message that names the holder.
 *
 * The lock is a file created exclusively next to the database, holding the owner's pid and host. A holder
 * that died (kill -9, power loss) leaves it behind: a lock whose pid no longer runs on this host is stale and
 * taken over. (A lock written on another host over a shared filesystem is never taken over: say so.)
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export class ProcessLockedError extends Error {
  override readonly name = 'ProcessLockedError';
}

export interface ProcessLock {
  release(): void;
}

/** Locks `path` (a file or folder) through `<path>.lock`; `what` names it in the refusal ("the embedded queue"). */
export function acquireProcessLock(path: string, what: string): ProcessLock {
  const lockFile = `${path}.lock`;
  const me = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return { release: () => unlinkQuietly(lockFile) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = readHolder(lockFile);
    if (holder && (holder.host !== me.host || isRunning(holder.pid))) {
      const who = holder.host === me.host ? `process ${holder.pid}` : `process ${holder.pid} on host ${holder.host}`;
      throw new ProcessLockedError(
        `${what} ${path} is in use by ${who} since ${holder.since ?? '?'}: one process at a time ` +
          `(stop the other gateway, or give this one its own folders; if ${lockFile} is left from a host that is gone, delete it)`,
      );
    }
    unlinkQuietly(lockFile); // stale (its process is gone) or unreadable (a crash mid-write): take it over
  }
  throw new ProcessLockedError(`could not take the lock ${lockFile}: another process keeps creating it`);
}

function readHolder(lockFile: string): { pid: number; host: string; since?: string } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid?: unknown; host?: unknown; since?: unknown };
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, host: parsed.host, since: typeof parsed.since === 'string' ? parsed.since : undefined };
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (a killed child its parent has not reaped yet holds nothing). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) said it runs
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
