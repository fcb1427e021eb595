/** Small helpers shared by the postgres adapter and its schema target. The schema itself lives in migrations/postgres/*.sql. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A file shipped at the package root (sql/, migrations/), found by walking up from this file (works from src/ under tsx and from dist/). */
export function packageFile(relative: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${relative} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}
