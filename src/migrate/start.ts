/**
 * What the engine does about a backend's schema before the adapter's start(), per `backends.<name>.migrate`
 * (adapters only describe their schema, as a SchemaTarget; applying it is the runner's job, done here):
 *   auto  — apply pending migrations under the lock (a second gateway waits, then finds nothing to do);
 *   check — read the ledger only; while anything is pending, refuse with the command to run;
 *   off   — never look (for users without DDL rights, or whose schema is managed elsewhere).
 */
import type { Logger } from 'pino';
import type { AdapterContext, AdapterFactory, SchemaTarget } from '../adapters/contract.js';
import type { MigrateMode } from '../config/schema.js';
import { loggerProgress } from './progress.js';
import { defaultAppliedBy, MigrationRunner } from './runner.js';

/**
 * The backend's schema is not ready for writes and waiting will not fix it by itself (migrate: check with
 * migrations pending): the worker checks again slowly and says so once, not at every retry.
 */
export class SchemaNotReadyError extends Error {
  override readonly name = 'SchemaNotReadyError';
}

/** The start-time schema step of one backend, or undefined when its kind has no schema or migrate is off. */
export function schemaStep<Config>(
  factory: AdapterFactory<Config>,
  config: Config,
  context: AdapterContext,
  mode: MigrateMode,
): (() => Promise<void>) | undefined {
  if (!factory.schemaTarget || mode === 'off') return undefined;
  const target = factory.schemaTarget.bind(factory);
  return () => prepareSchema(target(config, context), mode, context.name, context.logger);
}

/** At start a gateway waits this long for another's lock, then fails the start (the worker retries it). */
const START_LOCK_WAIT_MS = 60_000;

export async function prepareSchema(target: SchemaTarget, mode: MigrateMode, backend: string, logger: Logger): Promise<void> {
  if (mode === 'off') return;
  try {
    const runner = new MigrationRunner(target, {
      appliedBy: defaultAppliedBy('gateway start'),
      lockWaitMs: START_LOCK_WAIT_MS,
      progress: loggerProgress(logger),
    });
    if (mode === 'auto') {
      const { ran, skipped } = await runner.up();
      if (ran.length > 0 || skipped.length > 0) logger.info({ backend, applied: ran, skipped }, 'schema: migrations applied');
      logger.info({ backend }, 'schema ready');
      return;
    }
    const status = await runner.status();
    const pending = status.items.filter((i) => i.state === 'pending' || i.state === 'skip' || i.state === 'changed');
    if (pending.length > 0) {
      const changed = pending.some((i) => i.state === 'changed');
      throw new SchemaNotReadyError(
        `backend ${backend}: ${pending.length} migration${pending.length === 1 ? '' : 's'} ${changed ? 'pending or changed' : 'pending'} (${pending.map((i) => i.migration.name).join(', ')}) ` +
          `and migrate is "check", so nothing is written to it: run \`manifold migrate up --backend ${backend}\` ` +
          `(see \`manifold migrate status --backend ${backend}\`); writing starts once they are applied. Data queues durably meanwhile.`,
      );
    }
  } finally {
    await target.close().catch(() => undefined);
  }
}
