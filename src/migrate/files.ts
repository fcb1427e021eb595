/**
 * The migrations shipped with the package: `migrations/<dialect>/NNNN_name.up.sql` and optional
 * `NNNN_name.down.sql`, with directives in the file's leading comment lines:
 *   -- manifold: no-transaction                         statements run one by one, progress recorded after each
 *   -- manifold: requires timescaledb                   a probed feature must be present
 *   -- manifold: requires timescaledb-license=timescale  … with this exact value
 *   -- manifold: requires clickhouse>=24.1              … at least this version
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageFile } from '../util/package-file.js';
import { parseRequirement, type Requirement } from './requirements.js';

export interface Migration {
  readonly version: number;
  /** `0002_timescale_hypertables`: what the ledger, status and errors show. */
  readonly name: string;
  readonly upFile: string;
  readonly up: string;
  readonly downFile?: string;
  readonly down?: string;
  /**
   * sha256 of the .up.sql as shipped, before templates are filled in: the same file must compare equal
   * on every install whatever its settings (TTL, schema name), and an edit to the file itself, which is
   * what would make the ledger lie about what ran, must not.
   */
  readonly checksum: string;
  readonly transaction: boolean;
  readonly downTransaction: boolean;
  readonly requires: readonly Requirement[];
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$/;

/** `migrations/` at the package root. */
export function migrationsRoot(): string {
  return packageFile('migrations');
}

export function loadMigrations(dialect: string, root = migrationsRoot()): Migration[] {
  const dir = join(root, dialect);
  if (!existsSync(dir)) throw new Error(`no migrations for dialect "${dialect}" (${dir} is missing)`);
  const byVersion = new Map<number, { name?: string; up?: string; down?: string }>();
  for (const file of readdirSync(dir).sort()) {
    const match = FILE.exec(file);
    if (!match) {
      if (file.endsWith('.sql')) throw new Error(`${join(dir, file)}: expected NNNN_name.up.sql or NNNN_name.down.sql`);
      continue;
    }
    const version = Number(match[1]);
    const name = `${match[1]}_${match[2]}`;
    const entry = byVersion.get(version) ?? {};
    if (entry.name && entry.name !== name) throw new Error(`${dir}: two migrations share version ${version}: ${entry.name} and ${name}`);
    entry.name = name;
    entry[match[3] as 'up' | 'down'] = file;
    byVersion.set(version, entry);
  }
  return [...byVersion.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, entry]) => {
      if (!entry.up) throw new Error(`${join(dir, entry.down!)} has no matching .up.sql`);
      const raw = readFileSync(join(dir, entry.up));
      const up = raw.toString('utf8');
      const directives = parseDirectives(up, entry.up);
      const down = entry.down ? readFileSync(join(dir, entry.down), 'utf8') : undefined;
      return {
        version,
        name: entry.name!,
        upFile: entry.up,
        up,
        ...(down !== undefined ? { downFile: entry.down, down } : {}),
        checksum: createHash('sha256').update(raw).digest('hex'),
        ...directives,
        // A down file says no-transaction for itself; `requires` there would mean nothing (its up ran).
        downTransaction: down === undefined || parseDirectives(down, entry.down!).transaction,
      };
    });
}

/** Directives are read from the leading comment block only, so SQL further down can never be mistaken for one. */
function parseDirectives(sql: string, file: string): { transaction: boolean; requires: Requirement[] } {
  let transaction = true;
  const requires: Requirement[] = [];
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('--')) break;
    const directive = /^--\s*manifold:\s*(.*)$/.exec(trimmed);
    if (!directive) continue;
    const text = directive[1]!.trim();
    if (text === 'no-transaction') transaction = false;
    else if (text.startsWith('requires ')) requires.push(parseRequirement(text.slice('requires '.length).trim(), file));
    else throw new Error(`${file}: unknown directive "-- manifold: ${text}" (expected no-transaction or requires FEATURE[=VALUE|>=VERSION])`);
  }
  return { transaction, requires };
}
