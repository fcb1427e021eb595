import type { Command } from 'commander';
import { pino } from 'pino';
import type { ResolvedConfig } from '../config/load.js';
import { deadLetterService, type DeadLetterService } from '../dlq/service.js';
import type { DeadLetter } from '../queue/contract.js';
import { openQueueStore } from '../queue/open.js';
import { readSecret } from '../receivers/auth.js';

/**
 * `manifold dlq list|show|replay|drop`. Through the running gateway's admin endpoint when one answers
 * (its workers then pick replayed jobs up at once); otherwise straight on the queue store, which is safe
 * only because no gateway holds it.
 */
export function registerDeadLetterCommands(
  program: Command,
  load: (file?: string) => ResolvedConfig,
  configOption: () => import('commander').Option,
): void {
  const dlq = program.command('dlq').description('list, inspect, replay or drop dead-lettered batches');
  const withService = async <T>(options: { config?: string; admin?: string }, action: (service: DeadLetterService) => Promise<T>): Promise<T> => {
    const config = load(options.config);
    const admin =
      options.admin ??
      (config.gateway.admin.enabled ? `http://${config.gateway.admin.endpoint.host}:${config.gateway.admin.endpoint.port}` : undefined);
    const token = readSecret(config.gateway.admin.token, config.gateway.admin.token_file, 'admin.token');
    if (admin && (await reachable(admin))) return action(remoteService(admin, token));
    const store = await openQueueStore(config.gateway.queue, pino({ level: 'silent' }));
    try {
      return await action(deadLetterService(store));
    } finally {
      await store.close();
    }
  };
  const common = (command: Command) =>
    command.addOption(configOption()).option('--admin <url>', "the running gateway's admin endpoint (default: from the config)");

  common(
    dlq.command('list').description('dead letters, oldest first').option('-b, --backend <name>', 'only this backend').option('--json', 'as JSON'),
  ).action(async (options: { config?: string; admin?: string; backend?: string; json?: boolean }) => {
    const letters = await withService(options, (service) => service.list(options.backend));
    if (options.json) process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
    else process.stdout.write(formatList(letters));
  });

  common(dlq.command('show').description('one dead letter: reason, attempts, errors, size and a readable preview').argument('<id>')).action(
    async (id: string, options: { config?: string; admin?: string }) => {
      const letter = await withService(options, (service) => service.show(id));
      if (!letter) {
        process.stderr.write(`no dead letter with id ${id}\n`);
        process.exitCode = 1;
        return;
      }
      const { preview, ...fields } = letter;
      for (const [key, value] of Object.entries(fields))
        process.stdout.write(`${key.padEnd(12)} ${key.endsWith('At') ? new Date(value as number).toISOString() : String(value)}\n`);
      process.stdout.write(`\n${preview}\n`);
    },
  );

  for (const action of ['replay', 'drop'] as const) {
    common(
      dlq
        .command(action)
        .description(action === 'replay' ? 'put dead letters back in line (attempts reset), after fixing the cause' : 'delete dead letters for good')
        .argument('[id]')
        .option('--all', 'every dead letter (with --backend: every one of that backend)')
        .option('-b, --backend <name>', 'only this backend'),
    ).action(async (id: string | undefined, options: { config?: string; admin?: string; all?: boolean; backend?: string }) => {
      if (!id && !options.all && !options.backend) {
        process.stderr.write(`say which dead letters to ${action}: an ID, --backend NAME or --all\n`);
        process.exitCode = 2;
        return;
      }
      const filter = { ...(id ? { id } : {}), ...(options.backend ? { backend: options.backend } : {}) };
      const count = await withService(options, (service) => (action === 'replay' ? service.replay(filter) : service.drop(filter)));
      process.stdout.write(`${action === 'replay' ? 'replayed' : 'dropped'} ${count} dead letter${count === 1 ? '' : 's'}\n`);
    });
  }
}

async function reachable(admin: string): Promise<boolean> {
  try {
    return (await fetch(`${admin}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

function remoteService(admin: string, token: string | undefined): DeadLetterService {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const call = async <T>(path: string, method = 'GET'): Promise<T> => {
    const response = await fetch(`${admin}${path}`, { method, headers });
    const body = (await response.json()) as T & { error?: string };
    if (!response.ok && response.status !== 404) throw new Error(`${admin}${path}: ${body.error ?? response.status}`);
    return response.status === 404 ? (null as T) : body;
  };
  const query = (filter: { id?: string; backend?: string }) => new URLSearchParams(filter as Record<string, string>).toString();
  return {
    list: (backend) => call(`/dlq${backend ? `?backend=${encodeURIComponent(backend)}` : ''}`),
    show: (id) => call(`/dlq/${encodeURIComponent(id)}`),
    replay: async (filter) =>
      (await call<{ replayed: number }>(`/dlq/replay?${query(filter)}${filter.id || filter.backend ? '' : 'all=true'}`, 'POST')).replayed,
    drop: async (filter) =>
      (await call<{ dropped: number }>(`/dlq/drop?${query(filter)}${filter.id || filter.backend ? '' : 'all=true'}`, 'POST')).dropped,
  };
}

function formatList(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'no dead letters\n';
  const rows = letters.map((l) => [
    l.id,
    l.backend,
    String(l.items),
    String(l.attempts),
    l.reason,
    new Date(l.deadAt).toISOString(),
    l.lastError.replace(/\s+/g, ' ').slice(0, 80),
  ]);
  const header = ['ID', 'BACKEND', 'ITEMS', 'ATTEMPTS', 'REASON', 'DEAD AT', 'LAST ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return `${[header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}
