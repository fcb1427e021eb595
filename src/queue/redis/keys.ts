/**
 * Where the Redis queue keeps things. Every key of one store starts with `{prefix}`: the braces are a Redis
 * Cluster hash tag, so all keys of a store live in one slot and every Lua script may touch any of them.
 *
 *   {P}:seq                     INCR counter: the place in line of every job (enqueue order across processes)
 *   {P}:backends                SET of backend names seen (for dead-letter listing over all backends)
 *   {P}:j:<job id>              HASH per job (fields below)
 *   {P}:p:<first job id>        HASH per distinct payload: d = the bytes, r = how many jobs hold it
 *   {P}:b:<backend>:live        ZSET live jobs (waiting or leased), score = seq: the backend's queue, in order
 *   {P}:b:<backend>:leased      ZSET leased jobs, score = lease expiry (ms epoch)
 *   {P}:b:<backend>:dead        ZSET dead letters, score = seq
 *   {P}:b:<backend>:n           HASH counters: jobs, items, bytes (live) and dead
 *   {P}:b:<backend>:g:<group>   ZSET members of a lease group, score = seq
 */

/** Job hash fields (short names: one hash per job). */
export const F = {
  backend: 'b',
  /** 'L' live, 'D' dead letter. */
  state: 's',
  seq: 'q',
  payloadKey: 'p',
  items: 'n',
  bytes: 'z',
  enqueuedAt: 'e',
  /** When the job last joined the line (enqueue or replay): what age bounds and oldest-age measure. */
  lineAt: 'l',
  readyAt: 'r',
  attempts: 'a',
  group: 'g',
  /** Token of the store instance holding the lease. */
  leaseToken: 'k',
  firstError: 'f',
  lastError: 'x',
  reason: 'why',
  deadAt: 'd',
} as const;

export function baseKey(prefix: string): string {
  if (prefix.length === 0 || /[{}]/.test(prefix)) throw new Error(`Redis queue prefix must be non-empty and without braces: "${prefix}"`);
  return `{${prefix}}`;
}

export const jobKey = (base: string, id: string) => `${base}:j:${id}`;
export const backendKey = (base: string, backend: string, what: 'live' | 'leased' | 'dead' | 'n') => `${base}:b:${backend}:${what}`;
export const backendsKey = (base: string) => `${base}:backends`;
