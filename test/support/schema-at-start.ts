/**
 * An adapter as the delivery engine starts it: the start-time schema step (src/migrate/start.ts, per `migrate`)
 * and then the adapter's own start(). For tests and benchmarks that drive an adapter without an engine.
 */
import type { Adapter, AdapterContext, AdapterFactory } from '../../src/adapters/contract.js';
import type { MigrateMode } from '../../src/config/schema.js';
import { schemaStep } from '../../src/migrate/start.js';

export function adapterWithSchema<Config>(
  factory: AdapterFactory<Config>,
  config: Config,
  context: AdapterContext,
  mode: MigrateMode = 'auto',
): Adapter {
  const adapter = factory.create(config, context);
  const prepare = schemaStep(factory, config, context, mode);
  const start = adapter.start.bind(adapter);
  adapter.start = async () => {
    await prepare?.();
    await start();
  };
  return adapter;
}
