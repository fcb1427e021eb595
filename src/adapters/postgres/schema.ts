/**
 * Applies migrations/postgres/*.up.sql at start. Every statement there is CREATE … IF NOT EXISTS, so
 * running them on every start is safe. This is the one place the versioned migration runner (ledger,
 * lock, checksums) replaces later: keep schema knowledge in the .sql files, not here.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/** migrations/postgres, found by walking up from this file (works from src/ under tsx and from dist/). */
export function migrationsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'migrations', 'postgres');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('migrations/postgres not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** The .up.sql files in version order, with {{schema}} filled in. */
export function renderUpMigrations(schema: string): { file: string; sql: string }[] {
  const dir = migrationsDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.up.sql'))
    .sort()
    .map((file) => ({ file, sql: readFileSync(join(dir, file), 'utf8').replaceAll('{{schema}}', quoteIdent(schema)) }));
}

/**
 * One transaction under an advisory lock, so two gateways starting together do not race on
 * CREATE TABLE IF NOT EXISTS (which can fail with a unique violation on pg_type when run concurrently).
 */
export async function applySchema(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('manifold.postgres.schema'))`);
    for (const { sql } of renderUpMigrations(schema)) await client.query(sql);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
