/**
 * The ioredis connection of a store and its Lua commands.
 *
 * Fail fast, recover by itself: no offline queue (a command while Redis is away fails at once, so the router
 * answers 503 instead of holding the sender), no automatic resend of commands in flight when the link drops
 * (an enqueue must not be applied twice; its outcome is unknown to the caller, who gets an error and retries),
 * short connect and command timeouts, and reconnection attempts forever every <= 1 s in the background.
 */
import { Redis } from 'ioredis';
import { DEAD_LETTER, COMPLETE, RETRY } from './lua/settle.js';
import { DROP_DEAD, REPLAY, STATS } from './lua/dead.js';
import { ENQUEUE } from './lua/enqueue.js';
import { EXTEND, LEASE, RELEASE } from './lua/lease.js';

export interface ConnectionOptions {
  readonly url: string;
  /** ms; default 2000. */
  readonly connectTimeoutMs?: number;
  /** ms per command; default 5000 (an enqueue carries MBs). */
  readonly commandTimeoutMs?: number;
}

const SCRIPTS = {
  mfEnqueue: ENQUEUE,
  mfLease: LEASE,
  mfExtend: EXTEND,
  mfRelease: RELEASE,
  mfComplete: COMPLETE,
  mfRetry: RETRY,
  mfDeadLetter: DEAD_LETTER,
  mfReplay: REPLAY,
  mfDropDead: DROP_DEAD,
  mfStats: STATS,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number | Buffer;
export type Scripts = Record<ScriptName, (base: string, ...args: Arg[]) => Promise<unknown>>;

export interface Connection {
  readonly client: Redis;
  readonly scripts: Scripts;
  /** The last connection error seen, for health messages. */
  lastError(): string | null;
  /** Resolves true once the connection is ready (at once if it is), false after `ms`. */
  whenReady(ms: number): Promise<boolean>;
}

export async function connect(options: ConnectionOptions): Promise<Connection> {
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    autoResendUnfulfilledCommands: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  let last: string | null = null;
  client.on('error', (error: Error) => (last = error.message));
  client.on('ready', () => (last = null));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(`cannot reach Redis at ${redact(options.url)}: ${(error as Error).message}`);
  }
  // Queued data must never be evicted. volatile-* policies only evict keys with a TTL, and the queue sets none.
  const policy = /maxmemory_policy:(\S+)/.exec(await client.info('memory'))?.[1] ?? 'noeviction';
  if (policy.startsWith('allkeys-')) {
    client.disconnect();
    throw new Error(
      `Redis at ${redact(options.url)} has maxmemory-policy ${policy}: it would evict queued data; use noeviction (or a volatile-* policy)`,
    );
  }
  const scripts = {} as Record<string, unknown>;
  for (const [name, lua] of Object.entries(SCRIPTS)) {
    client.defineCommand(name, { numberOfKeys: 1, lua });
    const command = (client as unknown as Record<string, (...args: Arg[]) => Promise<unknown>>)[name]!;
    scripts[name] = command.bind(client);
  }
  const whenReady = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (client.status === 'ready') return resolve(true);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      client.on('ready', onReady);
    });
  return { client, scripts: scripts as Scripts, lastError: () => last, whenReady };
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
