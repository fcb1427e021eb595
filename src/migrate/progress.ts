/** How a run reports itself: on a terminal for `manifold migrate`, as log lines at gateway start. */
import type { Logger } from 'pino';
import { oneLine, type Progress } from './runner.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

export function terminalProgress(out: NodeJS.WritableStream = process.stderr): Progress {
  return {
    waitingForLock: (holder) => out.write(`waiting for the migration lock, held by ${holder}\n`),
    migrationStarted: (m, direction, total, resumeAt, transaction) =>
      out.write(
        `${direction === 'up' ? '→' : '←'} ${m.name} ${direction}: ${total} statement${total === 1 ? '' : 's'}${transaction ? ', in one transaction' : ''}${resumeAt > 0 ? `, resuming at ${resumeAt + 1}` : ''}\n`,
      ),
    statementStarted: (_m, index, total, statement) => out.write(`  [${index}/${total}] ${oneLine(statement, 90)} … `),
    statementDone: (_m, _index, _total, elapsed) => out.write(`${seconds(elapsed)}\n`),
    migrationDone: (m, direction, elapsed) => out.write(`  ${m.name} ${direction === 'up' ? 'applied' : 'reverted'} in ${seconds(elapsed)}\n`),
    migrationSkipped: (m, reason) => out.write(`- ${m.name} skipped: ${reason}\n`),
  };
}

export function loggerProgress(logger: Logger): Progress {
  return {
    waitingForLock: (holder) => logger.info({ holder }, 'schema: waiting for the migration lock'),
    migrationStarted: (m, direction, statements, resumeAt) =>
      logger.info({ migration: m.name, direction, statements, resumeAt }, `schema: running ${m.name}`),
    statementDone: (m, index, total, elapsedMs) =>
      logger.debug({ migration: m.name, statement: index, of: total, elapsedMs }, 'schema: statement done'),
    migrationDone: (m, direction, elapsedMs) =>
      logger.info({ migration: m.name, direction, elapsedMs }, `schema: ${m.name} ${direction === 'up' ? 'applied' : 'reverted'}`),
    migrationSkipped: (m, reason) => logger.info({ migration: m.name, reason }, `schema: ${m.name} skipped`),
  };
}
