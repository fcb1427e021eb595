import { Command, Option } from 'commander';
import { adapterSchemas } from './adapters/registry.js';
import { ConfigError, loadConfigFile, type ResolvedConfig } from './config/load.js';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { convertCollectorConfig, looksLikeCollectorConfig } from './config/collector.js';
import { redactSettings } from './config/redact.js';
import { registerDeadLetterCommands } from './cli/dlq.js';
import { registerDoctorCommand } from './cli/doctor.js';
import { registerMigrateCommands } from './cli/migrate.js';
import { registerPostgresCommands } from './cli/postgres-upgrade.js';
import { startGateway } from './gateway.js';
import { createLogger } from './log.js';
import { limitHeapGrowth } from './util/heap-growth.js';

const program = new Command()
  .name('manifold')
  .description('OTLP writer gateway: OpenTelemetry metrics and traces in, durable queue, adapters out.')
  .showHelpAfterError();

const configOption = () =>
  new Option('-c, --config <file>', 'YAML config file (default: $MANIFOLD_CONFIG, else built-in defaults)').env('MANIFOLD_CONFIG');

program
  .command('start')
  .description('run the gateway: OTLP receivers, durable queue, backend writers')
  .addOption(configOption())
  .addOption(new Option('--log-format <format>', 'json (default) or pretty for a terminal').choices(['json', 'pretty']))
  .action(async (options: { config?: string; logFormat?: 'json' | 'pretty' }) => {
    // Before any thread starts and the heap grows: the peak memory under load (src/util/heap-growth.ts).
    limitHeapGrowth();
    const config = loadOrExit(options.config);
    const logger = createLogger({ level: config.gateway.log.level, format: options.logFormat ?? config.gateway.log.format });
    let gateway;
    try {
      gateway = await startGateway(config, logger);
    } catch (error) {
      logger.fatal({ err: error as Error }, `the gateway could not start: ${(error as Error).message}`);
      process.exitCode = 1;
      return;
    }
    const { http, grpc, admin, embeddedStore } = gateway.endpoints;
    logger.info(
      {
        config: config.source,
        overrides: config.overrides,
        http,
        grpc,
        admin,
        backends: config.backends.map((b) => `${b.name} (${b.kind})`),
        embeddedStore,
      },
      [
        'manifold is running.',
        http && `OTLP/HTTP: http://${http}/v1/traces and /v1/metrics.`,
        grpc && `OTLP/gRPC: ${grpc}.`,
        admin && `Metrics: http://${admin}/metrics.`,
        embeddedStore && `Data goes to the embedded PostgreSQL: psql ${embeddedStore}`,
      ]
        .filter(Boolean)
        .join(' '),
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down: no new requests, finishing in-flight work');
      void gateway.stop().then(() => {
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

const configCommand = program.command('config').description('work with the configuration');
configCommand
  .command('check')
  .description('validate a config file (with environment overrides applied) and print the effective settings')
  .argument('[file]', 'the YAML file (default: --config or $MANIFOLD_CONFIG)')
  .addOption(configOption())
  .action((file: string | undefined, options: { config?: string }) => {
    const config = loadOrExit(file ?? options.config);
    process.stdout.write(`${config.source}: valid\n`);
    // Secrets (passwords, tokens, credentials in URLs) are shown as ***: this output ends up in tickets and CI logs.
    process.stdout.write(`${JSON.stringify(redactSettings({ ...config.gateway, backends: config.backends }), null, 2)}\n`);
  });

configCommand
  .command('convert')
  .description('print the Manifold config for an OpenTelemetry Collector config, naming every Collector key it cannot carry over')
  .argument('<file>', "the Collector's YAML file")
  .action((file: string) => {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      process.stderr.write(`${file}: ${(error as Error).message.split('\n')[0]}\n`);
      process.exit(2);
    }
    if (!looksLikeCollectorConfig(raw)) {
      process.stderr.write(`${file}: not an OpenTelemetry Collector config (no exporters, processors or service.pipelines)\n`);
      process.exit(2);
    }
    const { config, unmapped, notes } = convertCollectorConfig(raw as Record<string, unknown>);
    const comments = [
      `# Converted from the OpenTelemetry Collector config ${file} by \`manifold config convert\`.`,
      ...unmapped.map((line) => `# not carried over: ${line}`),
      ...notes.map((line) => `# check: ${line}`),
    ];
    process.stdout.write(`${comments.join('\n')}\n${stringifyYaml(config, { aliasDuplicateObjects: false })}`);
    if (unmapped.length > 0)
      process.stderr.write(`${unmapped.length} Collector setting${unmapped.length === 1 ? '' : 's'} not carried over (listed at the top)\n`);
  });

registerDeadLetterCommands(program, loadOrExit, configOption);
registerMigrateCommands(program, configOption);
registerDoctorCommand(program, configOption);
registerPostgresCommands(program, configOption);

function loadOrExit(file: string | undefined): ResolvedConfig {
  try {
    return loadConfigFile(file, process.env, adapterSchemas);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

await program.parseAsync(process.argv);
