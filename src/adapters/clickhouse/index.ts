/** kind: clickhouse — the OpenTelemetry Collector exporter's MergeTree tables, with rollup views (README.md). */
import type { AdapterFactory } from '../contract.js';
import { ClickHouseAdapter } from './adapter.js';
import { type ClickHouseConfig, clickhouseConfigSchema } from './config.js';
import { ClickHouseSchemaTarget } from './schema-target.js';

export type { ClickHouseConfig } from './config.js';
export { ClickHouseAdapter } from './adapter.js';
export { ClickHouseSchemaTarget } from './schema-target.js';

export const clickhouseAdapter = {
  kind: 'clickhouse',
  configSchema: clickhouseConfigSchema,
  create: (config, context) => new ClickHouseAdapter(config, context),
  schemaTarget: (config, context) => new ClickHouseSchemaTarget(config, context.name),
} satisfies AdapterFactory<ClickHouseConfig>;
