/**
 * `${VAR}` and `${VAR:-default}` in string values, so secrets stay out of the file. `$${` escapes a literal `${`.
 * A variable that is unset and has no default is an error naming the config key.
 */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, path: string[], errors: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (whole, escaped: string, name: string, fallback?: string) => {
      if (escaped) return whole.slice(1);
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      errors.push(`${formatPath(path)}: environment variable ${name} is not set (referenced as \${${name}})`);
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, [...path, String(i)], errors));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, [...path, key], errors);
    return out;
  }
  return value;
}

export function formatPath(path: readonly (string | number | symbol)[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}
