/** kind: prometheus — Prometheus remote write 1.0 (Prometheus, VictoriaMetrics, Mimir, Thanos Receive, Cortex). */
import type { AdapterFactory } from '../contract.js';
import { PrometheusAdapter } from './adapter.js';
import { type PrometheusConfig, prometheusConfigSchema } from './config.js';

export type { PrometheusConfig } from './config.js';
export { PrometheusAdapter } from './adapter.js';

export const prometheusAdapter: AdapterFactory<PrometheusConfig> = {
  kind: 'prometheus',
  configSchema: prometheusConfigSchema,
  create: (config, context) => new PrometheusAdapter(config, context),
};
