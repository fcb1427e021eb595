/** kind: influxdb — InfluxDB line protocol over the v1 (/write?db=) or v2 (/api/v2/write) API: InfluxDB 1.x, 2.x, 3.x, VictoriaMetrics. */
import type { AdapterFactory } from '../contract.js';
import { InfluxAdapter } from './adapter.js';
import { type InfluxConfig, influxConfigSchema } from './config.js';

export type { InfluxConfig } from './config.js';
export { InfluxAdapter } from './adapter.js';

export const influxAdapter: AdapterFactory<InfluxConfig> = {
  kind: 'influxdb',
  configSchema: influxConfigSchema,
  create: (config, context) => new InfluxAdapter(config, context),
};
