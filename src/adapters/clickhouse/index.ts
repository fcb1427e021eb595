/**
 * kind: clickhouse — schema only for now: `manifold migrate` can target it through schemaTarget, but it is
 * not in src/adapters/registry.ts, so `manifold start` refuses the kind until the writer exists (a gateway
 * that queued data for a backend it cannot write would only fill its backlog).
 */
import type { SchemaTarget, AdapterContext } from '../contract.js';
import { type ClickHouseConfig, clickhouseConfigSchema } from './config.js';
import { ClickHouseSchemaTarget } from './schema-target.js';

export type { ClickHouseConfig } from './config.js';
export { ClickHouseSchemaTarget } from './schema-target.js';

export const clickhouseSchemaOnly = {
  kind: 'clickhouse',
  configSchema: clickhouseConfigSchema,
  schemaTarget: (config: ClickHouseConfig, context: AdapterContext): SchemaTarget => new ClickHouseSchemaTarget(config, context.name),
} as const;
