/** The shared migration runner: see runner.ts (what runs), start.ts (what a gateway does at start). */
export {
  MigrationRunner,
  defaultAppliedBy,
  type RunnerOptions,
  type PlanItem,
  type PlanState,
  type Progress,
  type RunResult,
  type Status,
} from './runner.js';
export { prepareSchema } from './start.js';
export { terminalProgress, loggerProgress } from './progress.js';
export { ChecksumMismatchError, DownRefusedError, MigrationFailedError } from './errors.js';
export { loadMigrations, type Migration } from './files.js';
