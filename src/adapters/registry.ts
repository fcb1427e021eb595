import type { ZodType } from 'zod';
import type { AdapterFactory } from './contract.js';
import type { AdapterSchemas } from '../config/load.js';
import { clickhouseAdapter } from './clickhouse/index.js';
import { influxAdapter } from './influxdb/index.js';
import { postgresAdapter } from './postgres/index.js';
import { prometheusAdapter } from './prometheus/index.js';

/** Every adapter the gateway knows. Adding a backend: a folder under src/adapters and one line here. */
// biome-ignore lint/suspicious/noExplicitAny: each factory has its own config type; the registry only looks up by kind.
const FACTORIES: readonly AdapterFactory<any>[] = [clickhouseAdapter, influxAdapter, postgresAdapter, prometheusAdapter];

export function adapterFactory(kind: string): AdapterFactory<unknown> | undefined {
  return FACTORIES.find((factory) => factory.kind === kind);
}

export const adapterSchemas: AdapterSchemas = {
  get: (kind: string): ZodType | undefined => adapterFactory(kind)?.configSchema,
  kinds: () => FACTORIES.map((factory) => factory.kind),
};
