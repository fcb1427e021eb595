/** Files shipped with the package (proto/, migrations/, sql/), found the same way from src/ under tsx and from dist/. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `relative` under the package root: the nearest folder above this file that holds a package.json and that path.
 * `marker`, when given, is a file inside `relative` that must exist too (a proto folder without its protos is not it).
 */
export function packageFile(relative: string, marker?: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, relative);
    if (existsSync(join(dir, 'package.json')) && existsSync(marker === undefined ? candidate : join(candidate, marker))) return candidate;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`${marker === undefined ? relative : join(relative, marker)} not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}
