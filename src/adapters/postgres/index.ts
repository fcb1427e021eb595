/** kind: postgres — plain PostgreSQL (and the embedded PGlite store, which speaks the same protocol). */
import type { AdapterFactory } from '../contract.js';
import { PostgresAdapter } from './adapter.js';
import { type PostgresConfig, postgresConfigSchema } from './config.js';
import { PostgresSchemaTarget } from './schema-target.js';
import { upgradeToSeries } from './upgrade.js';

export type { PostgresConfig } from './config.js';
export { PostgresAdapter } from './adapter.js';

export const postgresAdapter: AdapterFactory<PostgresConfig> = {
  kind: 'postgres',
  configSchema: postgresConfigSchema,
  create: (config, context) => new PostgresAdapter(config, context),
  schemaTarget: (config, context) => new PostgresSchemaTarget(config, context.name),
  upgrade: upgradeToSeries,
};
