/**
 * The distributed queue: one Redis (with AOF) shared by any number of gateway processes; per backend one
 * queue (a ZSET of live jobs in line order, see keys.ts). Every state change is one Lua script, so each call
 * is atomic across processes.
 *
 * - Claim-check: a payload is stored once, as raw bytes in `{P}:p:<id>` (field d), with a count of the jobs
 *   holding it (field r); job hashes carry only its key, items and bytes. The last job to go deletes it.
 * - Leases live in Redis with an expiry (`leaseMs`, default 30 s) that this process renews every leaseMs/3
 *   while it holds them. A process that dies (or loses Redis longer than that) loses its leases when they
 *   expire; the next lease() by anyone takes them back. The jobs never leave the line, so they come back
 *   at their old place, ahead of later jobs, with their group intact. close() hands leases back at once, and
 *   a gateway restarted on the same host takes back its killed predecessor's leases at once (holder.ts).
 * - Fenced settling: complete / retryLater / deadLetter leave alone a job that another holder has leased since
 *   (this process was too slow and its lease lapsed): the new holder's outcome is the one that counts.
 * - retryLater keeps a job's place in line (its seq) and sets a ready time: it is leased again before any
 *   later job once ready, while later jobs go on meanwhile.
 * - Durability: Redis writes a command to its AOF before it replies; with appendfsync everysec that
 *   survives a kill -9 of Redis (the OS has the pages), not a power loss of its host within the last second.
 *
 * Why not BullMQ's job model (the package the project was asked to use; README "Queue kinds" has the detail):
 * its workers take from the right of the wait list and a job retried with backoff returns with LPUSH, behind
 * everything queued meanwhile, which breaks per-series order for remote write; it has no jobs leased and
 * retried together, so a retried write of several jobs could not keep one dedup token; and its job data is
 * JSON, so payloads would travel as base64 or as claim-check keys it does not reference-count across queues.
 */
import {
  QueueUnavailableError,
  type BacklogBound,
  type BacklogStats,
  type DeadLetter,
  type EnqueueEntry,
  type EnqueueResult,
  type Job,
  type LeaseLimits,
  type QueueStore,
} from '../contract.js';
import { MonotonicUlid } from '../../util/ids.js';
import { connect, type Connection, type ConnectionOptions } from './connection.js';
import { listDeadLetters, showDeadLetter } from './deadletters.js';
import { enqueueArgs, enqueueResult } from './enqueue.js';
import { deadLocalLeases, newHolderToken, retireHolderToken } from './holder.js';
import { baseKey } from './keys.js';
import { HeldLeases } from './leases.js';

export interface RedisQueueOptions extends ConnectionOptions {
  /** Key prefix: stores with the same URL and prefix share their queues. */
  readonly prefix: string;
  /** How long a lease outlives its holder's last renewal, ms (default 30 000). */
  readonly leaseMs?: number;
  /**
   * complete / retryLater / deadLetter wait this long for Redis to come back before failing (default 10 000):
   * a write that succeeded during a Redis restart is still settled, not written again after its lease expires.
   */
  readonly settleWaitMs?: number;
}

/** Retry-After hint when Redis cannot take writes. */
const STORE_FAILURE_RETRY_AFTER_MS = 1000;

export class RedisQueueStore implements QueueStore {
  static async open(options: RedisQueueOptions): Promise<RedisQueueStore> {
    const base = baseKey(options.prefix);
    return new RedisQueueStore(await connect(options), base, options.leaseMs ?? 30_000, options.settleWaitMs ?? 10_000);
  }

  private readonly bounds = new Map<string, BacklogBound>();
  private readonly ids = new MonotonicUlid();
  /** Names this process's leases; they survive in Redis under it. */
  private readonly token = newHolderToken();
  /** Backends whose dead local holders' leases were taken back (once, before this process's first lease). */
  private readonly reclaimed = new Set<string>();
  private readonly held: HeldLeases;
  private closed = false;

  private constructor(
    private readonly conn: Connection,
    private readonly base: string,
    private readonly leaseMs: number,
    private readonly settleWaitMs: number,
  ) {
    this.held = new HeldLeases(leaseMs / 3, (backend, ids) =>
      this.conn.scripts.mfExtend(this.base, backend, Date.now() + this.leaseMs, this.token, ...ids),
    );
  }

  configure(backend: string, bound: BacklogBound): void {
    this.bounds.set(backend, bound);
  }

  async enqueue(entries: readonly EnqueueEntry[]): Promise<EnqueueResult> {
    this.ensureOpen();
    if (entries.length === 0) return { ids: [], dropped: [] };
    const now = Date.now();
    const ids = entries.map(() => this.ids.next(now));
    const reply = await this.run(() => this.conn.scripts.mfEnqueue(this.base, ...enqueueArgs(entries, ids, this.bounds, now)));
    return enqueueResult(reply, ids, this.bounds);
  }

  async lease(backend: string, limits: LeaseLimits): Promise<Job[]> {
    this.ensureOpen();
    if (!this.reclaimed.has(backend)) await this.reclaimDeadLocalLeases(backend);
    const now = Date.now();
    const reply = (await this.run(() =>
      this.conn.scripts.mfLease(
        this.base,
        backend,
        now,
        limits.maxJobs,
        limits.maxBytes,
        now + this.leaseMs,
        this.token,
        limits.maxItems,
        limits.ordered ? '1' : '0',
      ),
    )) as string[];
    const group = reply[0] || null;
    const rows: (Omit<Job, 'backend' | 'group' | 'payload'> & { payloadKey: string })[] = [];
    for (let i = 1; i + 7 < reply.length; i += 8) {
      rows.push({
        id: reply[i]!,
        payloadKey: reply[i + 1]!,
        items: Number(reply[i + 2]),
        bytes: Number(reply[i + 3]),
        enqueuedAt: Number(reply[i + 4]),
        attempts: Number(reply[i + 5]),
        lastError: reply[i + 6] || null,
        resumed: reply[i + 7] === '1',
      });
    }
    if (rows.length === 0) return [];
    this.held.add(
      backend,
      rows.map((r) => r.id),
    );
    try {
      const payloads = await this.run(async () => {
        const pipe = this.conn.client.pipeline();
        for (const row of rows) pipe.hgetBuffer(row.payloadKey, 'd');
        return (await pipe.exec()) ?? [];
      });
      return rows.map(({ payloadKey, ...row }, i) => {
        const [error, data] = payloads[i] ?? [new Error('no reply'), null];
        if (error || !Buffer.isBuffer(data)) {
          throw new QueueUnavailableError(
            `payload ${payloadKey} of job ${row.id} unreadable: ${error?.message ?? 'missing'}`,
            null,
            STORE_FAILURE_RETRY_AFTER_MS,
          );
        }
        return { ...row, backend, group, payload: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
      });
    } catch (error) {
      // Not renewed any more: the lease expires and the jobs go to whoever leases next.
      this.held.remove(
        backend,
        rows.map((r) => r.id),
      );
      throw error;
    }
  }

  /** The leases of this backend that an earlier, killed life of this gateway held: leasable again at once. */
  private async reclaimDeadLocalLeases(backend: string): Promise<void> {
    const dead = await this.run(() => deadLocalLeases(this.conn.client, this.base, backend, this.token));
    for (const [token, ids] of dead) await this.run(() => this.conn.scripts.mfRelease(this.base, backend, token, '0', ...ids));
    this.reclaimed.add(backend);
  }

  async complete(backend: string, ids: readonly string[]): Promise<void> {
    await this.settle(backend, ids, () => this.conn.scripts.mfComplete(this.base, backend, this.token, Date.now(), ...ids));
  }

  async release(backend: string, ids: readonly string[]): Promise<void> {
    this.ensureOpen();
    if (ids.length === 0) return;
    // Not renewed any more either way: if Redis misses this, the lease simply expires.
    this.held.remove(backend, ids);
    await this.run(() => this.conn.scripts.mfRelease(this.base, backend, this.token, '1', ...ids));
  }

  async retryLater(backend: string, ids: readonly string[], retryAt: number, error: string): Promise<void> {
    await this.settle(backend, ids, () => this.conn.scripts.mfRetry(this.base, backend, this.token, Date.now(), retryAt, error, ...ids));
  }

  async deadLetter(backend: string, ids: readonly string[], reason: string, error: string): Promise<void> {
    await this.settle(backend, ids, () => this.conn.scripts.mfDeadLetter(this.base, backend, this.token, Date.now(), reason, error, ...ids));
  }

  async stats(backend: string): Promise<BacklogStats> {
    this.ensureOpen();
    const now = Date.now();
    const r = (await this.run(() => this.conn.scripts.mfStats(this.base, backend, now))) as (string | number)[];
    const oldest = r[4] === '' ? null : Number(r[4]);
    return {
      jobs: Number(r[0]),
      items: Number(r[1]),
      bytes: Number(r[2]),
      oldestAgeMs: oldest === null ? 0 : Math.max(0, now - oldest),
      leased: Number(r[5]),
      deadLetters: Number(r[3]),
    };
  }

  async listDeadLetters(backend?: string): Promise<DeadLetter[]> {
    this.ensureOpen();
    return this.run(() => listDeadLetters(this.conn.client, this.base, backend));
  }

  async showDeadLetter(id: string): Promise<(DeadLetter & { payload: Uint8Array }) | null> {
    this.ensureOpen();
    return this.run(() => showDeadLetter(this.conn.client, this.base, id));
  }

  async replayDeadLetters(filter: { id?: string; backend?: string }): Promise<number> {
    this.ensureOpen();
    return Number(await this.run(() => this.conn.scripts.mfReplay(this.base, Date.now(), filter.id ?? '', filter.backend ?? '')));
  }

  async dropDeadLetters(filter: { id?: string; backend?: string }): Promise<number> {
    this.ensureOpen();
    return Number(await this.run(() => this.conn.scripts.mfDropDead(this.base, filter.id ?? '', filter.backend ?? '')));
  }

  async health(): Promise<void> {
    this.ensureOpen();
    try {
      await this.conn.client.ping();
    } catch (error) {
      throw new Error(`Redis queue store unreachable: ${this.conn.lastError() ?? (error as Error).message}`);
    }
  }

  /** Hands this process's leases back (their jobs are leasable at once), then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    retireHolderToken(this.token);
    const held = this.held.stop();
    try {
      // Still held at close, so their writes' outcome is unknown ('0': named as resumed at the next lease).
      for (const [backend, ids] of held) if (ids.length > 0) await this.conn.scripts.mfRelease(this.base, backend, this.token, '0', ...ids);
      await this.conn.client.quit();
    } catch {
      this.conn.client.disconnect(); // Redis away: the leases expire by themselves
    }
  }

  private async settle(backend: string, ids: readonly string[], script: () => Promise<unknown>): Promise<void> {
    this.ensureOpen();
    if (ids.length === 0) return;
    // Settling twice is harmless (scripts only touch live jobs of this backend), so retry across a reconnect.
    const deadline = Date.now() + this.settleWaitMs;
    for (;;) {
      try {
        await this.run(script);
        break;
      } catch (error) {
        const left = deadline - Date.now();
        if (this.closed || left <= 0 || (this.conn.client.status === 'ready' && !isConnectionError(error))) throw error;
        if (!(await this.conn.whenReady(left))) throw error;
      }
    }
    this.held.remove(backend, ids);
  }

  /** Store failures (Redis away, timeouts) become QueueUnavailableError with backend null: retryable for the sender. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof QueueUnavailableError) throw error;
      throw new QueueUnavailableError(`queue store (Redis) failed: ${(error as Error).message}`, null, STORE_FAILURE_RETRY_AFTER_MS);
    }
  }

  private ensureOpen(): void {
    if (this.closed) throw new QueueUnavailableError('queue store is closed', null, STORE_FAILURE_RETRY_AFTER_MS);
  }
}

/** Errors of the link (not of a script): the command may not have reached Redis. */
function isConnectionError(error: unknown): boolean {
  return /Stream isn't writeable|Connection is closed|ECONNRE|EPIPE|ETIMEDOUT|Command timed out/i.test((error as Error).message);
}
