/** How RESULTS.md writes numbers (a missing figure, NaN or null from results.json, is "n/a"). */
const known = (n: number | undefined | null): n is number => n !== undefined && n !== null && Number.isFinite(n);

export const ms = (n: number | undefined) => (!known(n) ? 'n/a' : n < 10 ? n.toFixed(1) : n.toFixed(0));
export const mb = (n: number | undefined) => (!known(n) ? 'n/a' : n.toFixed(0));
export const ratio = (n: number | undefined) => (!known(n) ? 'n/a' : n.toFixed(2));
export const pct = (n: number | undefined) => (!known(n) ? 'n/a' : `${n.toFixed(0)}%`);
export const kb = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(0)} KB`);

/** Where a result measured by a later `--merge` run came from (results from the report's own run have none). */
export interface MergeStamp {
  mergedBy?: { command: string; date: string; commit: string };
}

/** Delivery results merged before `mergedBy` carry the same three fields at their top level. */
type LegacyStamp = { command?: string; date?: string; commit?: string };

export function mergedBy(r: MergeStamp & LegacyStamp): MergeStamp['mergedBy'] {
  if (r.mergedBy) return r.mergedBy;
  return r.command && r.date && r.commit ? { command: r.command, date: r.date, commit: r.commit } : undefined;
}

export function stampLine(r: MergeStamp & LegacyStamp): string[] {
  const m = mergedBy(r);
  return m ? [`Measured separately and merged: \`${m.command}\`, ${m.date}, commit ${m.commit}.`, ''] : [];
}
