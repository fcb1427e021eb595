/** Every SQL statement the embedded queue runs, prepared once per connection. */
import type Database from 'better-sqlite3';

export interface JobRow {
  seq: number;
  id: string;
  items: number;
  bytes: number;
  attempts: number;
  grp: string | null;
  held: number;
  enqueued_at: number;
  line_at: number;
  ready_at: number;
  last_error: string | null;
}

export interface DeadRow {
  seq: number;
  id: string;
  backend: string;
  items: number;
  bytes: number;
  attempts: number;
  enqueued_at: number;
  dead_at: number;
  reason: string;
  first_error: string | null;
  last_error: string | null;
}

export interface SizeRow {
  backend: string;
  items: number;
  bytes: number;
}

export interface DeadFilter {
  id: string | null;
  backend: string | null;
}

const JOB_COLUMNS = 'seq, id, items, bytes, attempts, grp, held, enqueued_at, line_at, ready_at, last_error';
const DEAD_COLUMNS = 'seq, id, backend, items, bytes, attempts, enqueued_at, dead_at, reason, first_error, last_error';
const DEAD_FILTER = 'state = 2 AND (@id IS NULL OR id = @id) AND (@backend IS NULL OR backend = @backend)';

export function prepareStatements(db: Database.Database) {
  return {
    maxSeq: db.prepare<[], { seq: number | null }>('SELECT MAX(seq) AS seq FROM jobs'),
    totals: db.prepare<[], { backend: string; state: number; jobs: number; items: number; bytes: number }>(
      'SELECT backend, state, COUNT(*) AS jobs, SUM(items) AS items, SUM(bytes) AS bytes FROM jobs GROUP BY backend, state',
    ),
    insertPayload: db.prepare<[number, Buffer]>('INSERT INTO payloads (refs, data) VALUES (?, ?)'),
    insertJob: db.prepare<[number, string, string, number | bigint, number, number, number, number]>(
      `INSERT INTO jobs (seq, id, backend, state, payload_id, items, bytes, enqueued_at, line_at, ready_at, attempts)
       VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, 0, 0)`,
    ),
    oldestLive: db.prepare<[string], { line_at: number }>('SELECT line_at FROM jobs WHERE backend = ? AND state = 0 ORDER BY seq LIMIT 1'),
    liveInLine: db.prepare<[string], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE backend = ? AND state = 0 ORDER BY seq`),
    readyInLine: db.prepare<[string, number], JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE backend = ? AND state = 0 AND ready_at <= ? ORDER BY seq`,
    ),
    groupMembers: db.prepare<[string, string], JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE grp = ? AND backend = ? AND state = 0 ORDER BY seq`),
    payloadOf: db.prepare<[number], { data: Buffer }>('SELECT p.data FROM jobs j JOIN payloads p ON p.id = j.payload_id WHERE j.seq = ?'),
    hold: db.prepare<[string | null, number]>('UPDATE jobs SET held = 1, grp = COALESCE(?, grp) WHERE seq = ?'),
    unhold: db.prepare<[string, string]>('UPDATE jobs SET held = 0 WHERE id = ? AND backend = ? AND state = 0'),
    groupOf: db.prepare<[string, string], { grp: string | null }>('SELECT grp FROM jobs WHERE id = ? AND backend = ? AND state = 0'),
    deleteLive: db.prepare<[string, string], SizeRow>('DELETE FROM jobs WHERE id = ? AND backend = ? AND state = 0 RETURNING backend, items, bytes'),
    deleteSeq: db.prepare<[number]>('DELETE FROM jobs WHERE seq = ?'),
    retry: db.prepare<[number, string | null, string, string, string, string]>(
      `UPDATE jobs SET attempts = attempts + 1, held = 0, ready_at = ?, grp = ?, first_error = COALESCE(first_error, ?), last_error = ?
       WHERE id = ? AND backend = ? AND state = 0`,
    ),
    kill: db.prepare<[string, number, string, string, string, string], SizeRow>(
      `UPDATE jobs SET state = 2, attempts = attempts + 1, held = 0, grp = NULL, reason = ?, dead_at = ?, first_error = COALESCE(first_error, ?), last_error = ?
       WHERE id = ? AND backend = ? AND state = 0 RETURNING backend, items, bytes`,
    ),
    deadLetters: db.prepare<[DeadFilter], DeadRow>(`SELECT ${DEAD_COLUMNS} FROM jobs WHERE ${DEAD_FILTER} ORDER BY seq`),
    deadPayload: db.prepare<[string], DeadRow & { data: Buffer }>(
      `SELECT ${DEAD_COLUMNS.split(', ')
        .map((c) => `j.${c}`)
        .join(', ')}, p.data FROM jobs j JOIN payloads p ON p.id = j.payload_id WHERE j.id = ? AND j.state = 2`,
    ),
    replay: db.prepare<[number, number, number]>(
      `UPDATE jobs SET seq = ?, state = 0, line_at = ?, ready_at = 0, attempts = 0, held = 0, grp = NULL,
         first_error = NULL, last_error = NULL, reason = NULL, dead_at = NULL
       WHERE seq = ?`,
    ),
    dropDead: db.prepare<[DeadFilter], SizeRow>(`DELETE FROM jobs WHERE ${DEAD_FILTER} RETURNING backend, items, bytes`),
    ping: db.prepare<[], { ok: number }>('SELECT 1 AS ok'),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
