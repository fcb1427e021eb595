import path from 'node:path';
import type { Command, Option } from 'commander';
import pg from 'pg';
import { pino } from 'pino';
import type { AdapterContext, SchemaTarget } from '../adapters/contract.js';
import { adapterFactory, adapterSchemas } from '../adapters/registry.js';
import { ConfigError, loadConfigFile, type BackendSettings, type ResolvedConfig } from '../config/load.js';
import { startEmbeddedPostgres } from '../embedded-postgres/postgres.js';
import { EMBEDDED_BACKEND, embeddedBackend } from '../gateway.js';
import { MigrationRunner, terminalProgress, type Status } from '../migrate/index.js';

/**
 * `manifold migrate status|up|down`. Every backend whose kind has migrations, or one with --backend;
 * with no backends configured, the embedded PostgreSQL (the running gateway's, if one listens on its
 * endpoint; otherwise the store is opened here on its data folder).
 */

type TargetFactory = (config: unknown, context: AdapterContext) => SchemaTarget;

function targetFactory(kind: string): TargetFactory | undefined {
  const factory = adapterFactory(kind);
  return factory?.schemaTarget?.bind(factory) as TargetFactory | undefined;
}

interface Options {
  config?: string;
  backend?: string;
  to?: string;
  dryRun?: boolean;
  json?: boolean;
}

export function registerMigrateCommands(program: Command, configOption: () => Option): void {
  const migrate = program
    .command('migrate')
    .description('versioned schema migrations for the configured backends (PostgreSQL/TimescaleDB, ClickHouse)');
  const common = (command: Command) =>
    command.addOption(configOption()).option('-b, --backend <name>', 'only this backend (default: every backend with migrations)');

  common(
    migrate
      .command('status')
      .description('applied, pending and skipped migrations, with checksums, when and how long, and what the server offers')
      .option('--json', 'as JSON'),
  ).action((options: Options) =>
    run(options, async (runner, backend) => {
      const status = await runner.status();
      process.stdout.write(options.json ? `${JSON.stringify({ backend, ...status }, null, 2)}\n` : formatStatus(backend, status));
    }),
  );

  common(
    migrate
      .command('up')
      .description('apply pending migrations in order, under the migration lock')
      .option('--to <version>', 'stop after this version')
      .option('--dry-run', 'print the exact SQL that would run, settings filled in; change nothing'),
  ).action((options: Options) =>
    run(options, async (runner, backend) => {
      const result = await runner.up({ ...(options.to ? { to: version(options.to) } : {}), dryRun: options.dryRun ?? false });
      if (result.sql !== undefined) process.stdout.write(`-- backend ${backend}\n${result.sql}`);
      else
        process.stderr.write(
          `${backend}: ${result.ran.length === 0 && result.skipped.length === 0 ? 'up to date' : `applied ${result.ran.length}, skipped ${result.skipped.length}`}\n`,
        );
    }),
  );

  common(
    migrate
      .command('down')
      .description('revert migrations above --to with their .down.sql; refuses (changing nothing) where one is missing')
      .requiredOption('--to <version>', 'the version to return to (0: before the first)')
      .option('--dry-run', 'print the SQL that would run; change nothing'),
  ).action((options: Options) =>
    run(options, async (runner, backend) => {
      const result = await runner.down({ to: version(options.to!), dryRun: options.dryRun ?? false });
      if (result.sql !== undefined) process.stdout.write(`-- backend ${backend}\n${result.sql}`);
      else process.stderr.write(`${backend}: reverted ${result.ran.length === 0 ? 'nothing' : result.ran.join(', ')}\n`);
    }),
  );
}

function version(text: string): number {
  if (!/^\d+$/.test(text)) {
    process.stderr.write(`--to: expected a version number such as 2 or 0002, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return Number(text);
}

async function run(options: Options, action: (runner: MigrationRunner, backend: string) => Promise<void>): Promise<void> {
  let config: ResolvedConfig;
  try {
    config = loadConfigFile(options.config, process.env, adapterSchemas);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const closers: Array<() => Promise<void>> = [];
  try {
    let backends: readonly BackendSettings[] = config.backends;
    if (backends.length === 0) {
      const { url, close } = await embeddedStore(config);
      if (close) closers.push(close);
      backends = [embeddedBackend(url)];
    }
    if (options.backend) {
      backends = backends.filter((b) => b.name === options.backend);
      if (backends.length === 0)
        throw new UsageError(
          `no backend named ${JSON.stringify(options.backend)} in ${config.source} (configured: ${config.backends.map((b) => b.name).join(', ') || `none, so only ${EMBEDDED_BACKEND}`})`,
        );
    }
    for (const backend of backends) {
      const create = targetFactory(backend.kind);
      if (!create) {
        if (options.backend) throw new UsageError(`backend ${backend.name} (kind ${backend.kind}) has no schema to migrate`);
        continue;
      }
      const target = create(backend.adapter, {
        name: backend.name,
        logger: pino({ level: 'silent' }),
        dataDir: path.resolve(config.gateway.data_dir, 'backends', backend.name),
      });
      try {
        await action(new MigrationRunner(target, { progress: terminalProgress() }), backend.name);
      } finally {
        await target.close();
      }
    }
  } catch (error) {
    // The runner's errors already name the backend, the file and the statement: print them as they are.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

class UsageError extends Error {}

/** The running gateway's embedded store if one answers on its endpoint; otherwise opened here on its data folder (a free port, so nothing else is disturbed). */
async function embeddedStore(config: ResolvedConfig): Promise<{ url: string; close?: () => Promise<void> }> {
  const { host, port } = config.gateway.embedded_store.endpoint;
  const url = `postgresql://postgres@${host}:${port}/postgres`;
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await probe.connect();
    await probe.end();
    return { url };
  } catch {
    await probe.end().catch(() => undefined);
  }
  const store = await startEmbeddedPostgres({
    dataDir: path.resolve(config.gateway.embedded_store.path),
    host: '127.0.0.1',
    port: 0,
    logger: pino({ level: 'silent' }),
  });
  return { url: store.url, close: () => store.close() };
}

function formatStatus(backend: string, status: Status): string {
  const features = Object.entries(status.features)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const lines = [`backend ${backend}: ${status.target}`, `  found: ${features || 'nothing probed'}`];
  const rows = status.items.map((item) => {
    const e = item.entry;
    const state = item.state === 'skip' ? 'pending (will be skipped)' : item.state === 'changed' ? 'CHANGED since applied' : item.state;
    return [
      item.migration.name,
      state,
      item.migration.checksum.slice(0, 12),
      e && e.status !== 'skipped' ? e.appliedAt.toISOString() : '',
      e && e.status !== 'skipped' ? `${e.durationMs}ms` : '',
      e?.appliedBy ?? '',
      item.reason ?? '',
    ];
  });
  for (const e of status.unknown)
    rows.push([
      e.name,
      `${e.status}, not shipped with this version`,
      e.checksum.slice(0, 12),
      e.appliedAt.toISOString(),
      `${e.durationMs}ms`,
      e.appliedBy,
      '',
    ]);
  const header = ['MIGRATION', 'STATE', 'SHA256', 'APPLIED AT', 'TOOK', 'BY', 'NOTE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [header, ...rows])
    lines.push(`  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`.trimEnd());
  const pending = status.items.filter((i) => i.state === 'pending' || i.state === 'skip').length;
  lines.push(pending > 0 ? `  ${pending} pending: run \`manifold migrate up --backend ${backend}\`` : '  up to date');
  if (status.items.some((i) => i.state === 'skipped'))
    lines.push('  skipped migrations run at the next `up` (or gateway start with migrate: auto) once the server offers what they require');
  return `${lines.join('\n')}\n`;
}
