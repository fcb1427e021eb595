/**
 * The migration runner, written once for every backend: it decides what to run (ledger + files +
 * probed features), fills in templates, runs statements one at a time under the target's lock, records
 * each outcome in the ledger, and reports progress. Targets (src/adapters/<kind>) only talk to servers.
 */
import { processOwner } from '../util/local-process.js';
import type { LedgerEntry, SchemaTarget } from '../adapters/contract.js';
import { ChecksumMismatchError, DownRefusedError, MigrationFailedError } from './errors.js';
import { loadMigrations, type Migration } from './files.js';
import { type Features, unmet } from './requirements.js';
import { DIALECT_RULES, splitStatements } from './split.js';
import { renderTemplate } from './template.js';

/**
 * applied: done. pending: will run (new, resumed after a partial run, or skipped before and now possible).
 * skip: not in the ledger and its `requires` is unmet: `up` records it as skipped. skipped: recorded so,
 * still unmet. changed: applied, but the file differs from what ran.
 */
export type PlanState = 'applied' | 'pending' | 'skip' | 'skipped' | 'changed';

export interface PlanItem {
  readonly migration: Migration;
  readonly state: PlanState;
  readonly entry?: LedgerEntry;
  /** Why it is (to be) skipped, or why a skipped one now runs. */
  readonly reason?: string;
  /** Statements already run by an interrupted no-transaction run: it resumes after them. */
  readonly resumeAt: number;
}

export interface Status {
  readonly target: string;
  readonly features: Features;
  readonly items: readonly PlanItem[];
  /** Ledger rows for versions this copy of manifold does not ship (applied by a newer one). */
  readonly unknown: readonly LedgerEntry[];
}

export interface Progress {
  waitingForLock?(holder: string): void;
  migrationStarted?(migration: Migration, direction: 'up' | 'down', statements: number, resumeAt: number, transaction: boolean): void;
  statementStarted?(migration: Migration, index: number, total: number, statement: string): void;
  statementDone?(migration: Migration, index: number, total: number, elapsedMs: number): void;
  migrationDone?(migration: Migration, direction: 'up' | 'down', elapsedMs: number): void;
  migrationSkipped?(migration: Migration, reason: string): void;
}

export interface RunnerOptions {
  /** Recorded in the ledger: who ran it. Default: user@host pid N. */
  readonly appliedBy?: string;
  /** How long to wait for another runner's lock. */
  readonly lockWaitMs?: number;
  readonly progress?: Progress;
  /** For tests: another set of migration files than the shipped ones. */
  readonly migrationsRoot?: string;
}

export interface RunResult {
  /** Migrations applied (up) or reverted (down), by name. */
  readonly ran: readonly string[];
  readonly skipped: readonly string[];
  /** --dry-run: the exact SQL that would run, settings filled in. */
  readonly sql?: string;
}

export function defaultAppliedBy(role: string): string {
  return processOwner(role);
}

export class MigrationRunner {
  private readonly migrations: readonly Migration[];
  private readonly appliedBy: string;

  constructor(
    private readonly target: SchemaTarget,
    private readonly options: RunnerOptions = {},
  ) {
    this.migrations = loadMigrations(target.dialect, options.migrationsRoot);
    this.appliedBy = options.appliedBy ?? defaultAppliedBy('manifold migrate');
  }

  /** What is applied and what is not; takes no lock and changes nothing. */
  async status(): Promise<Status> {
    return this.plan(await this.target.readLedger(), await this.target.probe());
  }

  async up(options: { to?: number; dryRun?: boolean } = {}): Promise<RunResult> {
    if (options.dryRun) return this.dryRunUp(options.to);
    return this.locked(async () => {
      await this.target.prepareLedger();
      let features = await this.target.probe();
      const ran: string[] = [];
      const skipped: string[] = [];
      // The plan is read once under the lock: whatever another runner did before we got it is in the ledger.
      const plan = this.plan(await this.target.readLedger(), features);
      refuseChanged(plan, this.target.description);
      for (const item of plan.items) {
        if (options.to !== undefined && item.migration.version > options.to) break;
        if (item.state === 'skip') {
          await this.target.record(this.entry(item.migration, 'skipped', 0, 0, item.reason ?? ''));
          this.options.progress?.migrationSkipped?.(item.migration, item.reason ?? '');
          skipped.push(item.migration.name);
        } else if (item.state === 'pending') {
          await this.apply(item, features);
          ran.push(item.migration.name);
          // A migration can change what the server offers (CREATE EXTENSION): later ones see the new facts.
          features = await this.target.probe();
        }
      }
      return { ran, skipped };
    });
  }

  async down(options: { to: number; dryRun?: boolean }): Promise<RunResult> {
    const work = async (): Promise<RunResult> => {
      const ledger = await this.target.readLedger();
      const plan = this.plan(ledger, await this.target.probe());
      refuseChanged(plan, this.target.description);
      if (plan.unknown.some((e) => e.version > options.to)) {
        throw new DownRefusedError(
          `${this.target.description}: the ledger holds ${plan.unknown.map((e) => e.name).join(', ')}, which this version of manifold does not ship: run down with the version that applied them. Nothing was changed.`,
        );
      }
      const undo = plan.items.filter((i) => i.entry && i.migration.version > options.to).reverse();
      const missing = undo.filter((i) => i.entry!.status !== 'skipped' && i.migration.down === undefined).map((i) => i.migration.name);
      if (missing.length > 0) {
        throw new DownRefusedError(
          `${this.target.description}: cannot go down to version ${options.to}: no .down.sql for ${missing.join(', ')} (that change cannot be undone automatically). Nothing was changed.`,
        );
      }
      const sql: string[] = [];
      const ran: string[] = [];
      for (const item of undo) {
        if (item.entry!.status === 'skipped') {
          if (!options.dryRun) await this.target.remove(item.migration.version);
          continue;
        }
        const statements = this.render(item.migration, item.migration.down!, item.migration.downFile!, await this.target.probe());
        if (options.dryRun)
          sql.push(dryRunBlock(item.migration.downFile!, item.migration.downTransaction && this.target.transaction !== undefined, statements));
        else {
          await this.runStatements(item.migration, 'down', statements, 0, item.migration.downTransaction, () =>
            this.target.remove(item.migration.version),
          );
          ran.push(item.migration.name);
        }
      }
      return options.dryRun ? { ran, skipped: [], sql: sql.join('\n') } : { ran, skipped: [] };
    };
    return options.dryRun ? work() : this.locked(work);
  }

  private async dryRunUp(to: number | undefined): Promise<RunResult> {
    const features = await this.target.probe();
    const plan = this.plan(await this.target.readLedger(), features);
    refuseChanged(plan, this.target.description);
    const blocks: string[] = [];
    const ran: string[] = [];
    const skipped: string[] = [];
    for (const item of plan.items) {
      if (to !== undefined && item.migration.version > to) break;
      if (item.state === 'skip') {
        blocks.push(`-- ${item.migration.upFile}: would be skipped (${item.reason})\n`);
        skipped.push(item.migration.name);
      } else if (item.state === 'pending') {
        const statements = this.render(item.migration, item.migration.up, item.migration.upFile, features).slice(item.resumeAt);
        blocks.push(
          dryRunBlock(item.migration.upFile, item.migration.transaction && this.target.transaction !== undefined, statements, item.resumeAt),
        );
        ran.push(item.migration.name);
      }
    }
    return { ran, skipped, sql: blocks.length > 0 ? blocks.join('\n') : '-- nothing to apply\n' };
  }

  private plan(ledger: readonly LedgerEntry[], features: Features): Status {
    const byVersion = new Map(ledger.map((e) => [e.version, e]));
    const items = this.migrations.map((migration): PlanItem => {
      const entry = byVersion.get(migration.version);
      const why = unmet(migration.requires, features);
      const base = { migration, resumeAt: 0, ...(entry ? { entry } : {}) };
      if (!entry) return why ? { ...base, state: 'skip', reason: why } : { ...base, state: 'pending' };
      if (entry.status === 'skipped') {
        return why
          ? { ...base, state: 'skipped', reason: why }
          : { ...base, state: 'pending', reason: `skipped before (${entry.reason}); now possible` };
      }
      if (entry.checksum !== migration.checksum) return { ...base, state: 'changed' };
      if (entry.status === 'partial')
        return {
          ...base,
          state: 'pending',
          resumeAt: entry.statementsDone,
          reason: `interrupted after ${entry.statementsDone} statements; resumes there`,
        };
      return { ...base, state: 'applied' };
    });
    const known = new Set(this.migrations.map((m) => m.version));
    return { target: this.target.description, features, items, unknown: ledger.filter((e) => !known.has(e.version)) };
  }

  private async apply(item: PlanItem, features: Features): Promise<void> {
    const { migration } = item;
    const statements = this.render(migration, migration.up, migration.upFile, features);
    const started = Date.now();
    const recordDone = () => this.target.record(this.entry(migration, 'applied', Date.now() - started, statements.length, ''));
    await this.runStatements(migration, 'up', statements, item.resumeAt, migration.transaction, recordDone);
  }

  /**
   * In a transaction (where the target has them and the file allows it) the statements and the ledger
   * row commit together or not at all. Without one, the ledger records progress after every statement:
   * a run killed mid-way resumes at the statement that did not finish, which is why such statements
   * must be safe to run twice (IF NOT EXISTS, if_not_exists => true).
   */
  private async runStatements(
    migration: Migration,
    direction: 'up' | 'down',
    statements: string[],
    resumeAt: number,
    transactional: boolean,
    finish: () => Promise<void>,
  ): Promise<void> {
    const useTransaction = transactional && this.target.transaction !== undefined;
    const progress = this.options.progress;
    const file = direction === 'up' ? migration.upFile : migration.downFile!;
    const started = Date.now();
    progress?.migrationStarted?.(migration, direction, statements.length, resumeAt, useTransaction);
    const runAll = async () => {
      for (let i = resumeAt; i < statements.length; i++) {
        const statement = statements[i]!;
        progress?.statementStarted?.(migration, i + 1, statements.length, statement);
        const t0 = Date.now();
        try {
          await this.target.exec(statement);
        } catch (error) {
          throw new MigrationFailedError(
            `${this.target.description}: ${file}: statement ${i + 1} of ${statements.length} failed: ${(error as Error).message}\n` +
              `  statement: ${oneLine(statement, 300)}\n` +
              `  ${useTransaction ? 'the migration was rolled back; the ledger is unchanged' : `the ledger records ${i} of ${statements.length} statements done; the next run resumes at statement ${i + 1}`}`,
            { cause: error },
          );
        }
        progress?.statementDone?.(migration, i + 1, statements.length, Date.now() - t0);
        if (!useTransaction && direction === 'up' && i + 1 < statements.length) {
          await this.target.record(this.entry(migration, 'partial', Date.now() - started, i + 1, ''));
        }
      }
      await finish();
    };
    if (useTransaction) await this.target.transaction!(runAll);
    else await runAll();
    progress?.migrationDone?.(migration, direction, Date.now() - started);
  }

  private render(_migration: Migration, sql: string, file: string, features: Features): string[] {
    const values: Record<string, string> = { ...this.target.settings };
    for (const [name, value] of Object.entries(features)) values[`feature.${name}`] = value;
    const rules = DIALECT_RULES[this.target.dialect];
    if (!rules) throw new Error(`no statement rules for dialect "${this.target.dialect}"`);
    try {
      return splitStatements(renderTemplate(sql, values, file), rules);
    } catch (error) {
      throw new MigrationFailedError(`${file}: ${(error as Error).message}`, { cause: error });
    }
  }

  private entry(migration: Migration, status: LedgerEntry['status'], durationMs: number, statementsDone: number, reason: string): LedgerEntry {
    return {
      version: migration.version,
      name: migration.name,
      checksum: migration.checksum,
      status,
      appliedAt: new Date(),
      durationMs,
      appliedBy: this.appliedBy,
      statementsDone,
      reason,
    };
  }

  private async locked<T>(work: () => Promise<T>): Promise<T> {
    await this.target.lock(this.appliedBy, this.options.lockWaitMs ?? 300_000, this.options.progress?.waitingForLock);
    try {
      return await work();
    } finally {
      await this.target.unlock();
    }
  }
}

function refuseChanged(status: Status, target: string): void {
  const changed = status.items.filter((i) => i.state === 'changed');
  if (changed.length === 0) return;
  const lines = changed.map(
    (i) => `  ${i.migration.upFile}: applied with sha256 ${i.entry!.checksum.slice(0, 16)}…, the file now has ${i.migration.checksum.slice(0, 16)}…`,
  );
  throw new ChecksumMismatchError(
    `${target}: migration files changed after they were applied:\n${lines.join('\n')}\n` +
      'An applied migration must never be edited (the ledger would no longer say what ran): restore the file as shipped, and put the change in a new migration.',
  );
}

function dryRunBlock(file: string, transaction: boolean, statements: readonly string[], resumeAt = 0): string {
  const head = `-- ${file}${transaction ? ' (in one transaction)' : ' (no transaction)'}${resumeAt > 0 ? `, resuming at statement ${resumeAt + 1}` : ''}`;
  return `${[head, ...statements.map((s) => `${s};`)].join('\n')}\n`;
}

export function oneLine(statement: string, max: number): string {
  const text = statement
    .replace(/--[^\n]*\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
