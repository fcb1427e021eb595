/** The runner's refusals, each a class so callers (CLI exit codes, the worker's retry policy) can tell them apart. */

/** An applied migration's file is not the one that ran: the ledger would lie about the schema. */
export class ChecksumMismatchError extends Error {
  override readonly name = 'ChecksumMismatchError';
}

/** A statement failed; the message names the migration, the statement and the server's error. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';
}

/** `down` cannot be done as asked (a .down.sql is missing, or the ledger holds migrations this version does not know). Nothing was changed. */
export class DownRefusedError extends Error {
  override readonly name = 'DownRefusedError';
}
