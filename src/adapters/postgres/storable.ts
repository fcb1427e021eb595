/**
 * PostgreSQL `text` and `jsonb` cannot hold every string OTLP can carry: NUL (U+0000) is refused by both (one
 * such attribute used to fail its whole batch, "unsupported Unicode escape sequence"), and `jsonb` refuses a lone
 * UTF-16 surrogate escape. The rule (README, "Values"): each NUL and each lone surrogate becomes U+FFFD, the
 * replacement character, and the rest of the string is kept. Checked with two cheap scans; the copy is made only
 * for the rare string that needs it. Replacements are counted and logged per write by the adapter.
 */
let replaced = 0;

export function storableText(value: string): string {
  if (value.indexOf('\u0000') === -1 && isWellFormed(value)) return value;
  replaced++;
  return toWellFormed(value).replaceAll('\u0000', '\uFFFD');
}

/**
 * JSON text of a string, storable in jsonb. Most strings need no escape and hold no NUL or surrogate: for them the
 * quotes alone are the text JSON.stringify would give, found with one scan.
 */
export function jsonString(value: string): string {
  return NEEDS_JSON_CARE.test(value) ? JSON.stringify(storableText(value)) : `"${value}"`;
}

/** What JSON.stringify escapes (", \, controls), and surrogates (a lone one is made storable first; pairs are rare). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON.stringify escapes
const NEEDS_JSON_CARE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Strings changed since the last call (all PostgreSQL backends of this thread together). */
export function takeReplacedCount(): number {
  const count = replaced;
  replaced = 0;
  return count;
}

// String.prototype.isWellFormed / toWellFormed (Node 20) are ES2024; the project's lib is ES2023.
type WellFormed = { isWellFormed(): boolean; toWellFormed(): string };
const isWellFormed = (value: string) => (value as unknown as WellFormed).isWellFormed();
const toWellFormed = (value: string) => (value as unknown as WellFormed).toWellFormed();
