/**
 * `manifold postgres upgrade [--backend NAME] [--batch-size N] [--drop-wide]`: after switching a PostgreSQL backend
 * from `layout: wide` to `layout: series`, copies the history in the wide tables into the series tables (the
 * adapter's `upgrade`; src/adapters/postgres/README.md, "Upgrading from the wide tables"). Applies the backend's
 * pending migrations first when its `migrate` is `auto` (the default), as a gateway start would. Safe to run again, and while a gateway writes.
 */
import path from 'node:path';
import type { Command, Option } from 'commander';
import { pino } from 'pino';
import type { AdapterContext } from '../adapters/contract.js';
import { adapterFactory, adapterSchemas } from '../adapters/registry.js';
import { ConfigError, loadConfigFile, type ResolvedConfig } from '../config/load.js';
import { MigrationRunner, terminalProgress } from '../migrate/index.js';

interface Options {
  config?: string;
  backend?: string;
  batchSize: string;
  dropWide?: boolean;
}

export function registerPostgresCommands(program: Command, configOption: () => Option): void {
  const postgres = program.command('postgres').description('PostgreSQL/TimescaleDB backends');
  postgres
    .command('upgrade')
    .description('copy the wide tables (layout wide) into the series layout, once the backend is switched to layout: series')
    .addOption(configOption())
    .option('-b, --backend <name>', 'the backend (default: the one postgres backend with layout: series)')
    .option('--batch-size <rows>', 'rows read and written per transaction', '5000')
    .option('--drop-wide', 'drop the wide tables after a complete copy (otel_logs stays: both layouts use it)')
    .action(async (options: Options) => {
      try {
        await upgrade(options);
      } catch (error) {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = error instanceof UsageError ? 2 : 1;
      }
    });
}

class UsageError extends Error {}

async function upgrade(options: Options): Promise<void> {
  let config: ResolvedConfig;
  try {
    config = loadConfigFile(options.config, process.env, adapterSchemas);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const batchSize = Number(options.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new UsageError(`--batch-size: expected a whole number of rows, got ${JSON.stringify(options.batchSize)}`);
  const candidates = config.backends.filter(
    (b) => b.kind === 'postgres' && (options.backend ? b.name === options.backend : (b.adapter as { layout?: string }).layout === 'series'),
  );
  if (candidates.length !== 1) {
    const postgres = config.backends.filter((b) => b.kind === 'postgres').map((b) => b.name);
    throw new UsageError(
      options.backend
        ? `no postgres backend named ${JSON.stringify(options.backend)} in ${config.source} (postgres backends: ${postgres.join(', ') || 'none'})`
        : candidates.length === 0
          ? `no postgres backend with layout: series in ${config.source}: set backends.<name>.layout: series first (postgres backends: ${postgres.join(', ') || 'none'})`
          : `more than one postgres backend with layout: series in ${config.source}: name one with --backend (${candidates.map((b) => b.name).join(', ')})`,
    );
  }
  const backend = candidates[0]!;
  if ((backend.adapter as { layout?: string }).layout !== 'series')
    throw new UsageError(
      `backend ${backend.name} says layout: wide: set backends.${backend.name}.layout: series first (the upgrade copies into the series layout)`,
    );
  const factory = adapterFactory(backend.kind);
  if (!factory?.upgrade) throw new UsageError(`backend ${backend.name} (kind ${backend.kind}) has no layout upgrade`);
  const context: AdapterContext = {
    name: backend.name,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    dataDir: path.resolve(config.gateway.data_dir, 'backends', backend.name),
  };
  if (backend.migrate === 'auto' && factory.schemaTarget) {
    const target = factory.schemaTarget(backend.adapter, context);
    try {
      const result = await new MigrationRunner(target, { progress: terminalProgress() }).up({ dryRun: false });
      if (result.ran.length > 0) process.stderr.write(`${backend.name}: applied ${result.ran.length} migration(s) first\n`);
    } finally {
      await target.close();
    }
  }
  const report = await factory.upgrade(backend.adapter, context, {
    batchSize,
    dropOld: options.dropWide ?? false,
    ...(process.stderr.isTTY
      ? { onProgress: (table: string, read: number) => process.stderr.write(`${backend.name}: ${table}: ${read} rows read\r`) }
      : {}),
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
  const lines = report.tables.map((t) => `${backend.name}: ${t.table}: ${t.read} rows read, ${t.stored} new in the series layout`);
  if (report.tables.length === 0) lines.push(`${backend.name}: no wide tables to copy`);
  if (report.unverified > 0)
    lines.push(
      `${backend.name}: ${report.unverified} series copied with attribute types guessed (see the warnings above): new writes of them may start new series`,
    );
  if (report.dropped.length > 0) lines.push(`${backend.name}: dropped ${report.dropped.join(', ')}`);
  else if (report.tables.length > 0) lines.push(`${backend.name}: the wide tables are kept; drop them with --drop-wide once you no longer need them`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
