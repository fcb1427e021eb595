/**
 * Telling a dead holder from a live one, for locks and leases that name the process holding them. A process on
 * this host can be checked (kill(pid, 0)); one on another host never is: its claims lapse by themselves.
 */
import { hostname, userInfo } from 'node:os';

/** True when `pid` on `host` is this host's and no process has it any more. */
export function isGoneLocalProcess(host: string, pid: number): boolean {
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false; // alive (or another process that reused the pid: its claims then lapse as usual)
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** `user@host pid N (role)`: who ran a migration or holds the migration lock, for people and for isDeadLocalOwner. */
export function processOwner(role: string): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep "unknown".
  }
  return `${user}@${hostname()} pid ${process.pid} (${role})`;
}

/** True when `owner` (from processOwner) is a process of this host that is gone: a gateway killed while it held the lock. */
export function isDeadLocalOwner(owner: string): boolean {
  const match = /^[^@]*@(\S+) pid (\d+) /.exec(owner);
  return match !== null && Number(match[2]) !== process.pid && isGoneLocalProcess(match[1]!, Number(match[2]));
}
