/**
 * Who holds a lease: `<host>|<pid>|<random>`, written into each leased job. The random part tells two lives of
 * one process apart; host and pid let a restarted gateway see that the holder of a lease was its own previous
 * life (killed, so its leases would otherwise stay until they lapse) and take those leases back at once. For an
 * ordered backend that matters twice: the dead holder's write sits at the head of the line, and nothing newer may
 * be written before it, so delivery would stand still for a whole lease timeout after every restart.
 *
 * A holder on this host is dead when its pid is gone, or when its pid is ours but it is no store of this process
 * (a container restarted as pid 1 again). A holder on another host is never judged from here: its leases lapse by themselves.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { isGoneLocalProcess } from '../../util/local-process.js';
import { backendKey, F, jobKey } from './keys.js';

/** Tokens of the stores open in this process: a token with our pid that is not one of them is a previous life. */
const liveInThisProcess = new Set<string>();

export function newHolderToken(): string {
  const token = `${hostname()}|${process.pid}|${randomUUID()}`;
  liveInThisProcess.add(token);
  return token;
}

/** The store holding `token` closed: its leases were handed back. */
export function retireHolderToken(token: string): void {
  liveInThisProcess.delete(token);
}

/** True when `token` names an earlier life of a process on this host that is no longer running. */
export function isDeadLocalHolder(token: string, own: string): boolean {
  if (token === own || liveInThisProcess.has(token)) return false;
  const [host, pidText] = token.split('|');
  if (host !== hostname() || pidText === undefined) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  return isGoneLocalProcess(host, pid);
}

/** The backend's leased jobs whose holder is a dead local process, by holder token. */
export async function deadLocalLeases(client: Redis, base: string, backend: string, own: string): Promise<Map<string, string[]>> {
  const ids = await client.zrange(backendKey(base, backend, 'leased'), '0', '-1');
  const found = new Map<string, string[]>();
  if (ids.length === 0) return found;
  const pipe = client.pipeline();
  for (const id of ids) pipe.hget(jobKey(base, id), F.leaseToken);
  const replies = (await pipe.exec()) ?? [];
  ids.forEach((id, i) => {
    const token = replies[i]?.[1];
    if (typeof token !== 'string' || !isDeadLocalHolder(token, own)) return;
    const list = found.get(token);
    if (list) list.push(id);
    else found.set(token, [id]);
  });
  return found;
}
