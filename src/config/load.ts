import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ZodError, ZodType } from 'zod';
import { deliverySchema, gatewaySchema, migrateSchema, type DeliveryConfig, type MigrateMode } from './schema.js';
import { formatPath, interpolate } from './interpolate.js';
import { applyEnvOverrides } from './overrides.js';
import { isSecretKey, redactText } from './redact.js';
import { looksLikeCollectorConfig } from './collector.js';
import { knownKeys, nearestKey } from './known-keys.js';
import type { z } from 'zod';

export type GatewaySettings = z.output<typeof gatewaySchema>;

export interface BackendSettings {
  readonly name: string;
  readonly kind: string;
  /** Validated by the adapter's own schema. */
  readonly adapter: unknown;
  readonly delivery: DeliveryConfig;
  /** What start does about pending schema migrations (auto | check | off). */
  readonly migrate: MigrateMode;
}

export interface ResolvedConfig {
  readonly gateway: GatewaySettings;
  readonly backends: readonly BackendSettings[];
  /** Where it came from, for the startup log. */
  readonly source: string;
  readonly overrides: readonly string[];
}

/** Every problem found, each naming the key, the value and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly problems: readonly string[],
    source: string,
  ) {
    super(`invalid configuration (${source}):\n  - ${problems.join('\n  - ')}`);
  }
}

export interface AdapterSchemas {
  /** kind -> the adapter's config schema. */
  get(kind: string): ZodType | undefined;
  kinds(): string[];
}

export function loadConfigFile(file: string | undefined, env: NodeJS.ProcessEnv, adapters: AdapterSchemas): ResolvedConfig {
  let raw: unknown = {};
  const source = file ?? '(built-in defaults)';
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError([`cannot read the config file: ${(error as Error).message}`], source);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (error) {
      const position = error instanceof YAMLParseError ? error.linePos?.[0] : undefined;
      const where = position ? ` at line ${position.line}, column ${position.col}` : '';
      const line = position ? text.split('\n')[position.line - 1]?.trim() : undefined;
      const reason = (error as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      throw new ConfigError(
        [
          `the file is not valid YAML${where}: ${reason}${line ? ` (the line reads: ${JSON.stringify(redactText(line).replace(/((?:pass(?:word)?|secret|token|api[_-]?key|credential)\w*"?\s*:\s*).*/i, '$1***'))})` : ''}`,
        ],
        source,
      );
    }
  }
  return resolveConfig(raw, env, adapters, source);
}

export function resolveConfig(raw: unknown, env: NodeJS.ProcessEnv, adapters: AdapterSchemas, source: string): ResolvedConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([`(top level): expected a mapping of settings, got ${describe(raw)}`], source);
  }
  const problems: string[] = [];
  const interpolated = interpolate(raw, env, [], problems) as Record<string, unknown>;
  const overrides = applyEnvOverrides(interpolated, env);

  const gateway = gatewaySchema.safeParse(interpolated);
  if (!gateway.success) problems.push(...describeIssues(gateway.error, interpolated, [], gatewaySchema));

  // Every backend is checked even when the gateway settings have problems: all errors at once, not a level at a time.
  const backends: BackendSettings[] = [];
  const rawBackends = interpolated.backends;
  if (rawBackends !== null && typeof rawBackends === 'object' && !Array.isArray(rawBackends)) {
    for (const [name, value] of Object.entries(rawBackends)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue; // reported by the gateway schema
      const backend = resolveBackend(name, value as Record<string, unknown>, adapters, problems);
      if (backend) backends.push(backend);
    }
  }
  if (problems.length > 0 || !gateway.success) {
    if (looksLikeCollectorConfig(raw))
      problems.unshift(
        `this looks like an OpenTelemetry Collector config: \`manifold config convert ${source}\` prints the Manifold config for it and names what it cannot carry over`,
      );
    throw new ConfigError(problems, source);
  }
  return { gateway: gateway.data, backends, source, overrides };
}

function resolveBackend(name: string, value: Record<string, unknown>, adapters: AdapterSchemas, problems: string[]): BackendSettings | undefined {
  const base = ['backends', name];
  const { kind, delivery, migrate, ...adapterSettings } = value;
  const schema = adapters.get(String(kind));
  if (!schema) {
    problems.push(
      `${formatPath([...base, 'kind'])}: unknown backend kind ${JSON.stringify(kind)}; expected one of ${adapters
        .kinds()
        .map((k) => JSON.stringify(k))
        .join(', ')}`,
    );
    return undefined;
  }
  const parsedDelivery = deliverySchema.safeParse(delivery ?? {});
  if (!parsedDelivery.success) problems.push(...describeIssues(parsedDelivery.error, delivery, [...base, 'delivery'], deliverySchema));
  const parsedMigrate = migrateSchema.safeParse(migrate ?? 'auto');
  if (!parsedMigrate.success) problems.push(...describeIssues(parsedMigrate.error, migrate, [...base, 'migrate']));
  const parsedAdapter = schema.safeParse(adapterSettings);
  if (!parsedAdapter.success) problems.push(...describeIssues(parsedAdapter.error, adapterSettings, base, schema, ['kind', 'delivery', 'migrate']));
  if (!parsedDelivery.success || !parsedAdapter.success || !parsedMigrate.success) return undefined;
  return { name, kind: String(kind), adapter: parsedAdapter.data, delivery: parsedDelivery.data, migrate: parsedMigrate.data };
}

function describeIssues(error: ZodError, root: unknown, prefix: string[], schema?: ZodType, extraKeys: string[] = []): string[] {
  return error.issues.map((issue) => {
    const path = [...prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys: string[] }).keys;
      const known = schema ? [...knownKeys(schema, issue.path.map(String)), ...(issue.path.length === 0 ? extraKeys : [])] : [];
      return keys
        .map((key) => {
          const near = nearestKey(key, known);
          return `${formatPath([...path, key])}: unknown setting${near ? `; did you mean ${near}?` : known.length > 0 ? ` (known here: ${known.join(', ')})` : ''}`;
        })
        .join('; ');
    }
    const value = valueAt(root, issue.path.map(String));
    const key = path[path.length - 1] ?? '';
    const got =
      value === undefined ? 'it is missing' : `got ${isSecretKey(key) ? `a value (not shown: ${key} is a secret)` : redactText(describe(value))}`;
    return `${formatPath(path)}: ${issue.message} (${got})`;
  });
}

function valueAt(root: unknown, path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}
