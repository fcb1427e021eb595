/** A backend's adapter, created from the registry, where its config says it runs: on this thread or its own. */
import type { AdapterContext } from '../adapters/contract.js';
import { adapterFactory } from '../adapters/registry.js';
import { InlineRunner, type AdapterRunner } from './runner.js';
import { ThreadRunner } from './thread/thread-runner.js';

export interface RunnerOptions {
  /** `backends.<name>.delivery.thread`. */
  readonly thread: boolean;
  /** A delivery thread died and will be replaced (counted by the gateway). */
  readonly onThreadExit?: (code: number) => void;
}

export async function openAdapterRunner(kind: string, config: unknown, context: AdapterContext, options: RunnerOptions): Promise<AdapterRunner> {
  if (options.thread) return ThreadRunner.open(kind, config, context, { onThreadExit: options.onThreadExit });
  const factory = adapterFactory(kind);
  if (!factory) throw new Error(`unknown backend kind "${kind}"`);
  return new InlineRunner(factory.create(config, context));
}
