import path from 'node:path';
import type { Logger } from 'pino';
import type { GatewaySettings } from '../config/load.js';
import type { QueueStore } from './contract.js';
import { EmbeddedQueueStore } from './sqlite/index.js';

/** The queue store the config asks for. */
export async function openQueueStore(settings: GatewaySettings['queue'], logger: Logger): Promise<QueueStore> {
  if (settings.kind === 'redis') {
    logger.debug({ prefix: settings.prefix }, 'opening the Redis queue');
    // Loaded only for this queue kind: ioredis is ~2.3 MB of the main thread's heap, which every full GC marks.
    const { RedisQueueStore } = await import('./redis/index.js');
    return RedisQueueStore.open({ url: settings.url, prefix: settings.prefix, leaseMs: settings.lease_timeout });
  }
  const folder = path.resolve(settings.path);
  logger.debug({ folder }, 'opening the embedded queue');
  return EmbeddedQueueStore.open({ dir: folder, fsync: settings.fsync, logger });
}
