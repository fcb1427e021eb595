import { parse as parseYaml } from 'yaml';

/**
 * Environment overrides: `MANIFOLD__RECEIVERS__OTLP__HTTP__ENDPOINT=0.0.0.0:4318` sets
 * receivers.otlp.http.endpoint. Segments are lower-cased; values are read as YAML scalars
 * (so `true`, `5`, `[metrics]` keep their types). Backend names keep their case as written in the file
 * when one matches case-insensitively.
 */
export const OVERRIDE_PREFIX = 'MANIFOLD__';

export function applyEnvOverrides(config: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  const applied: string[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(OVERRIDE_PREFIX) || raw === undefined) continue;
    const path = name.slice(OVERRIDE_PREFIX.length).split('__').filter(Boolean);
    if (path.length === 0) continue;
    let node: Record<string, unknown> = config;
    for (let i = 0; i < path.length; i++) {
      const key = matchKey(node, path[i]!);
      if (i === path.length - 1) {
        node[key] = parseScalar(raw);
      } else {
        const next = node[key];
        if (next === null || typeof next !== 'object' || Array.isArray(next)) node[key] = {};
        node = node[key] as Record<string, unknown>;
      }
    }
    applied.push(path.map((p) => p.toLowerCase()).join('.'));
  }
  return applied;
}

function matchKey(node: Record<string, unknown>, segment: string): string {
  const lower = segment.toLowerCase();
  return Object.keys(node).find((key) => key.toLowerCase() === lower) ?? lower;
}

function parseScalar(raw: string): unknown {
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}
