import path from 'node:path';
import type { Logger } from 'pino';
import type { GatewaySettings } from '../config/load.js';
import type { QueueStore } from './contract.js';
import { EmbeddedQueueStore } from './embedded/index.js';

/** The queue store the config asks for. */
export async function openQueueStore(settings: GatewaySettings['queue'], logger: Logger): Promise<QueueStore> {
  const folder = path.resolve(settings.path);
  logger.debug({ folder }, 'opening the embedded queue');
  return EmbeddedQueueStore.open({ dir: folder, fsync: settings.fsync });
}
