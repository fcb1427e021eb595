/**
 * Splits a migration into statements so each runs (and is reported) on its own. Semicolons only end a
 * statement outside of quotes, comments and PostgreSQL dollar-quoted bodies (`$$ … $$`, `$tag$ … $tag$`,
 * which hold whole function bodies full of semicolons). ClickHouse strings also take backslash escapes.
 * A statement keeps its own comments, so the server's error positions and the dry-run read naturally.
 */
export interface SplitRules {
  /** ClickHouse: `\'` inside a string is an escaped quote; PostgreSQL standard strings have no escapes. */
  readonly backslashEscapes: boolean;
  /** PostgreSQL: `$tag$` bodies. */
  readonly dollarQuotes: boolean;
}

export const DIALECT_RULES: Readonly<Record<string, SplitRules>> = {
  postgres: { backslashEscapes: false, dollarQuotes: true },
  clickhouse: { backslashEscapes: true, dollarQuotes: false },
};

export function splitStatements(sql: string, rules: SplitRules): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  const push = (end: number) => {
    const text = sql.slice(start, end).trim();
    if (text !== '' && !onlyComments(text)) statements.push(text);
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol < 0 ? n : eol + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i, c, rules.backslashEscapes);
    } else if (c === '$' && rules.dollarQuotes) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      // `$1` (a parameter) is no tag; an identifier may contain `$` too, so only a tag after a non-word char opens a body.
      if (tag && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? ' ')) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        if (close < 0) throw new Error(`unterminated ${tag[0]} body starting at offset ${i}`);
        i = close + tag[0].length;
      } else i++;
    } else if (c === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(n);
  return statements;
}

/** PostgreSQL block comments nest; ClickHouse's don't, but nesting never appears in ours. */
function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  throw new Error(`unterminated /* comment starting at offset ${from}`);
}

function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote)
      i += 2; // doubled quote: an escaped quote in both dialects
    else if (c === quote) return i + 1;
    else i++;
  }
  throw new Error(`unterminated ${quote} quote starting at offset ${from}`);
}

function onlyComments(text: string): boolean {
  return (
    text
      .replace(/--[^\n]*(\n|$)/g, '')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .trim() === ''
  );
}
