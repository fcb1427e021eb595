/** Small helpers shared by the postgres adapter and its schema target. The schema itself lives in migrations/postgres/*.sql. */
export { packageFile } from '../../util/package-file.js';

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
