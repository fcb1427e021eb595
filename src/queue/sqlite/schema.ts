/**
 * The embedded queue's SQLite database: one file, WAL mode.
 *
 * Durability: a commit is appended to the WAL before enqueue resolves. The connection runs at synchronous=NORMAL,
 * which survives a crash or `kill -9` of the process (the OS keeps the written pages) but not a power loss on its
 * own; with `fsync: true` (the gateway's default) the store fdatasyncs the WAL before it answers (wal-sync.ts: off
 * the main thread, one sync per group of commits), which survives a power loss or kernel panic as FULL would.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** Bump with a migration step in openDatabase when the tables change. */
const SCHEMA_VERSION = 2;

const SCHEMA = `
  -- One row per distinct payload; jobs of several backends enqueued together share it (refs counts them).
  CREATE TABLE IF NOT EXISTS payloads (
    id   INTEGER PRIMARY KEY,
    refs INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  -- Live jobs (state 0) and dead letters (state 2). seq is the place in line: enqueue order, renewed on replay.
  CREATE TABLE IF NOT EXISTS jobs (
    seq         INTEGER PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    backend     TEXT NOT NULL,
    state       INTEGER NOT NULL,
    payload_id  INTEGER NOT NULL,
    items       INTEGER NOT NULL,
    bytes       INTEGER NOT NULL,
    enqueued_at INTEGER NOT NULL,
    -- When the job last joined the line (enqueue or replay): what age bounds and oldest-age measure.
    line_at     INTEGER NOT NULL,
    ready_at    INTEGER NOT NULL,
    attempts    INTEGER NOT NULL,
    grp         TEXT,
    -- 1 from a lease until its outcome (or release): still 1 at the next lease means a process died holding it.
    held        INTEGER NOT NULL DEFAULT 0,
    first_error TEXT,
    last_error  TEXT,
    reason      TEXT,
    dead_at     INTEGER
  );
  CREATE INDEX IF NOT EXISTS jobs_line ON jobs (backend, state, seq);
  CREATE INDEX IF NOT EXISTS jobs_group ON jobs (grp) WHERE grp IS NOT NULL;
  CREATE INDEX IF NOT EXISTS jobs_dead ON jobs (state, seq) WHERE state = 2;
  -- Every way a job leaves (complete, drop, dead-letter drop) releases its payload here, once.
  CREATE TRIGGER IF NOT EXISTS jobs_release_payload AFTER DELETE ON jobs BEGIN
    UPDATE payloads SET refs = refs - 1 WHERE id = old.payload_id;
    DELETE FROM payloads WHERE id = old.payload_id AND refs <= 0;
  END;
`;

export const STATE_LIVE = 0;
export const STATE_DEAD = 2;

export interface DatabaseOptions {
  readonly file: string;
}

export function openDatabase({ file }: DatabaseOptions): Database.Database {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { timeout: 5000 });
  try {
    // Larger pages: a 1-2 MB payload spans 4x fewer overflow pages than with 4 KB (measured in bench/queue-micro.ts).
    // Only takes effect when the file is created.
    db.pragma('page_size = 16384');
    db.pragma('journal_mode = WAL');
    // NORMAL whatever `fsync` says: the store syncs the WAL itself, off the main thread (wal-sync.ts). NORMAL still
    // syncs the WAL before a checkpoint copies it into the database and the database after.
    db.pragma('synchronous = NORMAL');
    // Keep the WAL from growing without bound between checkpoints under a steady stream of large payloads.
    db.pragma('journal_size_limit = 67108864');
    db.pragma('foreign_keys = OFF');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`queue database ${file} has schema version ${version}; this build knows up to ${SCHEMA_VERSION}`);
    }
    db.exec(SCHEMA);
    if (version === 1) db.exec('ALTER TABLE jobs ADD COLUMN held INTEGER NOT NULL DEFAULT 0');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}
