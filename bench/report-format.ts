/** How RESULTS.md writes numbers (a missing figure, NaN or null from results.json, is "n/a"). */
const known = (n: number | undefined | null): n is number => n !== undefined && n !== null && Number.isFinite(n);

export const ms = (n: number | undefined) => (!known(n) ? 'n/a' : n < 10 ? n.toFixed(1) : n.toFixed(0));
export const mb = (n: number | undefined) => (!known(n) ? 'n/a' : n.toFixed(0));
export const ratio = (n: number | undefined) => (!known(n) ? 'n/a' : n.toFixed(2));
export const pct = (n: number | undefined) => (!known(n) ? 'n/a' : `${n.toFixed(0)}%`);
export const kb = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(2)} MB` : `${(bytes / 1024).toFixed(0)} KB`);
