/**
 * "Did you mean": the keys a zod schema accepts at a path, so an unknown setting can be answered with the
 * nearest known one (a misspelt key is the most common config mistake a Collector user makes here).
 */
import type { ZodType } from 'zod';

interface Def {
  readonly type: string;
  readonly shape?: Record<string, ZodType>;
  readonly innerType?: ZodType;
  readonly in?: ZodType;
  readonly out?: ZodType;
  readonly options?: readonly ZodType[];
  readonly valueType?: ZodType;
}
const defOf = (schema: ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Object schemas reached through wrappers (optional, default, pipe/transform, union), as a list. */
function objectsAt(schema: ZodType, path: readonly string[]): ZodType[] {
  const def = defOf(schema);
  if (def.innerType) return objectsAt(def.innerType, path);
  if (def.type === 'pipe') return [...(def.in ? objectsAt(def.in, path) : []), ...(def.out ? objectsAt(def.out, path) : [])];
  if (def.type === 'union' && def.options) return def.options.flatMap((option) => objectsAt(option, path));
  if (path.length === 0) return def.type === 'object' ? [schema] : [];
  const [head, ...rest] = path;
  if (def.type === 'object' && def.shape?.[head!]) return objectsAt(def.shape[head!]!, rest);
  if (def.type === 'record' && def.valueType) return objectsAt(def.valueType, rest);
  return [];
}

export function knownKeys(schema: ZodType, path: readonly string[]): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((object) => Object.keys(defOf(object).shape ?? {})))];
}

/** The known key nearest to `key` (edit distance at most a third of its length, at least 2), if any. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
