/**
 * `manifold doctor [--config FILE]`: one line per thing the gateway depends on — the queue store, then each
 * backend (reachable and accepting our credentials, what server it is, whether its schema is migrated) — and a
 * non-zero exit when any fails, each failure naming its fix. It changes nothing: the health check a gateway runs
 * (remote write: an empty write request, which needs the credentials; SQL: a connection and `select 1`) and the
 * migration runner's read-only status.
 */
import path from 'node:path';
import type { Command, Option } from 'commander';
import { pino } from 'pino';
import type { AdapterContext } from '../adapters/contract.js';
import { adapterFactory, adapterSchemas } from '../adapters/registry.js';
import { ConfigError, loadConfigFile, type BackendSettings, type ResolvedConfig } from '../config/load.js';
import { redactText } from '../config/redact.js';
import { MigrationRunner } from '../migrate/index.js';
import { openQueueStore } from '../queue/open.js';

/** How long one check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 10_000;

export interface Finding {
  readonly subject: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do about a failure. */
  readonly fix?: string;
}

export function registerDoctorCommand(program: Command, configOption: () => Option): void {
  program
    .command('doctor')
    .description('check the queue store and every backend: reachable, credentials accepted, server version, schema migrated; exit 1 on any failure')
    .addOption(configOption())
    .option('--json', 'as JSON')
    .action(async (options: { config?: string; json?: boolean }) => {
      let config: ResolvedConfig;
      try {
        config = loadConfigFile(options.config, process.env, adapterSchemas);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        process.stderr.write(`${error.message}\n`);
        process.exit(2);
      }
      const findings = await diagnose(config);
      process.stdout.write(options.json ? `${JSON.stringify(findings, null, 2)}\n` : findings.map(formatFinding).join(''));
      process.exitCode = findings.every((f) => f.ok) ? 0 : 1;
    });
}

export async function diagnose(config: ResolvedConfig): Promise<Finding[]> {
  const findings = [await checkQueue(config)];
  if (config.backends.length === 0) {
    findings.push({
      subject: 'backends',
      ok: true,
      detail: 'none configured: data goes to the embedded PostgreSQL, which the gateway starts itself',
    });
  }
  for (const backend of config.backends) findings.push(...(await checkBackend(config, backend)));
  return findings;
}

function formatFinding(finding: Finding): string {
  return `${finding.ok ? 'ok  ' : 'FAIL'}  ${finding.subject}: ${finding.detail}${finding.fix ? `\n      fix: ${finding.fix}` : ''}\n`;
}

async function checkQueue(config: ResolvedConfig): Promise<Finding> {
  const queue = config.gateway.queue;
  const subject = `queue (${queue.kind})`;
  try {
    const store = await withTimeout(openQueueStore(queue, pino({ level: 'silent' })), 'opening the queue');
    try {
      await withTimeout(store.health(), 'the queue health check');
    } finally {
      await store.close();
    }
    return {
      subject,
      ok: true,
      detail: queue.kind === 'redis' ? `${redactText(queue.url)} answers, prefix ${queue.prefix}` : `${path.resolve(queue.path)} opens`,
    };
  } catch (error) {
    const message = redactText((error as Error).message);
    // One process per embedded queue: a running gateway holding it is the healthy case.
    if (queue.kind === 'embedded' && /lock|in use|held by/i.test(message))
      return { subject, ok: true, detail: `in use by a running gateway (${message})` };
    const fix =
      queue.kind === 'redis'
        ? /WRONGPASS|NOAUTH|auth/i.test(message)
          ? 'Redis refused the credentials: fix the password in queue.url'
          : 'start Redis or fix queue.url'
        : `check that ${path.resolve(queue.path)} is writable by this user`;
    return { subject, ok: false, detail: message, fix };
  }
}

async function checkBackend(config: ResolvedConfig, backend: BackendSettings): Promise<Finding[]> {
  const subject = `backend ${backend.name} (${backend.kind})`;
  const factory = adapterFactory(backend.kind)!;
  const context: AdapterContext = {
    name: backend.name,
    logger: pino({ level: 'silent' }),
    dataDir: path.resolve(config.gateway.data_dir, 'backends', backend.name),
  };
  const findings: Finding[] = [];
  const adapter = factory.create(backend.adapter, context);
  try {
    await withTimeout(adapter.health(), 'the health check');
    findings.push({ subject, ok: true, detail: 'answers its health check' });
  } catch (error) {
    const message = redactText((error as Error).message);
    findings.push({ subject, ok: false, detail: message, fix: fixFor(message, backend.name) });
    return findings;
  } finally {
    await adapter.close().catch(() => undefined);
  }
  if (!factory.schemaTarget) return findings;
  const target = factory.schemaTarget(backend.adapter, context);
  try {
    const status = await withTimeout(new MigrationRunner(target).status(), 'reading the schema ledger');
    const server = Object.entries(status.features)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ');
    const pending = status.items.filter((item) => item.state === 'pending').map((item) => item.migration.name);
    const changed = status.items.filter((item) => item.state === 'changed').map((item) => item.migration.name);
    const waiting = status.items.filter((item) => item.state === 'skip' || item.state === 'skipped').length;
    if (changed.length > 0) {
      findings.push({
        subject: `${subject} schema`,
        ok: false,
        detail: `applied migrations changed since: ${changed.join(', ')}`,
        fix: `restore the shipped files, or see \`manifold migrate status --backend ${backend.name}\``,
      });
    } else if (pending.length > 0) {
      const startFixes = backend.migrate === 'auto' ? ' (a gateway with migrate: auto applies them at start)' : '';
      findings.push({
        subject: `${subject} schema`,
        ok: false,
        detail: `${server}; ${pending.length} migration${pending.length === 1 ? '' : 's'} pending: ${pending.join(', ')}`,
        fix: `manifold migrate up --backend ${backend.name}${startFixes}`,
      });
    } else {
      findings.push({
        subject: `${subject} schema`,
        ok: true,
        detail: `${server}; migrated${waiting > 0 ? ` (${waiting} waiting for a server feature)` : ''}`,
      });
    }
  } catch (error) {
    findings.push({
      subject: `${subject} schema`,
      ok: false,
      detail: redactText((error as Error).message),
      fix: "check the database/schema settings and the user's rights to read them",
    });
  } finally {
    await target.close().catch(() => undefined);
  }
  return findings;
}

/** The fix a failure's text points at. */
function fixFor(message: string, name: string): string {
  if (/ECONNREFUSED|connect|ENOTFOUND|EHOSTUNREACH|timed out|timeout/i.test(message)) return `start the server, or fix backends.${name}.url`;
  if (/HTTP 40[13]|password|authenticat|credential|denied|WRONGPASS/i.test(message))
    return `the server refused the credentials: fix backends.${name} (password, token, basic_auth)`;
  if (/HTTP 404|does not exist|not found/i.test(message))
    return `the server has no such endpoint or database: fix backends.${name}.url (path, database)`;
  return `see the message; \`manifold config check\` shows backends.${name} as read`;
}

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${CHECK_TIMEOUT_MS / 1000} s`)), CHECK_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
