import { Command, Option } from 'commander';
import { adapterSchemas } from './adapters/registry.js';
import { ConfigError, loadConfigFile, type ResolvedConfig } from './config/load.js';
import { redactSettings } from './config/redact.js';
import { registerDeadLetterCommands } from './cli/dlq.js';
import { registerDoctorCommand } from './cli/doctor.js';
import { registerMigrateCommands } from './cli/migrate.js';
import { startGateway } from './gateway.js';
import { createLogger } from './log.js';

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
      { config: config.source, overrides: config.overrides, http, grpc, admin, backends: config.backends.map((b) => `${b.name} (${b.kind})`), embeddedStore },
      [
        'manifold is running.',
        http && `OTLP/HTTP: http://${http}/v1/traces and /v1/metrics.`,
        grpc && `OTLP/gRPC: ${grpc}.`,
        admin && `Metrics: http://${admin}/metrics.`,
        embeddedStore && `Data goes to the embedded PostgreSQL: psql ${embeddedStore}`,
      ].filter(Boolean).join(' '),
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

registerDeadLetterCommands(program, loadOrExit, configOption);
registerMigrateCommands(program, configOption);
registerDoctorCommand(program, configOption);

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
