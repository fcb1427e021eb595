/** `backends.<name>` for kind: clickhouse, as users write it in YAML (snake_case). */
import { z } from 'zod';

const DURATION = /^(\d+)(s|m|h|d)$/;
const UNIT_S = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/** Whole seconds: a number, or `30s`, `15m`, `72h`, `30d`. */
const seconds = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(DURATION, 'expected a duration such as 30s, 15m, 72h or 30d (or a number of seconds)')
    .transform((text) => {
      const [, amount, unit] = DURATION.exec(text) as RegExpExecArray;
      return Number(amount) * UNIT_S[unit as keyof typeof UNIT_S];
    }),
]);

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'expected a plain identifier (letters, digits and _)');

export const clickhouseConfigSchema = z
  .object({
    url: z.string().refine((u) => /^https?:\/\//.test(u) && URL.canParse(u), 'expected a URL like http://host:8123'),
    database: identifier.default('otel'),
    username: z.string().default('default'),
    password: z.string().default(''),
    /** Adds ON CLUSTER to every DDL statement. */
    cluster: identifier.optional(),
    /** Replicated*MergeTree engines (with `cluster`). */
    replicated: z.boolean().default(false),
    /** Rows older than this are dropped by TTL (whole parts, ttl_only_drop_parts); 0 keeps them. Like the Collector exporter's `ttl`. */
    ttl: seconds.default(0),
    /** How long the migration lock survives its holder without a heartbeat (a killed runner's lock frees itself after this). */
    lock_lease: seconds.refine((s) => s >= 2, 'expected at least 2s').default(60),
    request_timeout: seconds.refine((s) => s >= 1, 'expected at least 1s').default(300),
    /** Which signals this backend stores (routing: the others never reach it). */
    signals: z
      .array(z.enum(['metrics', 'traces', 'logs']))
      .min(1)
      .default(['metrics', 'traces', 'logs']),
    /** gzip INSERT bodies (JSON compresses ~10x; costs gateway CPU): for a ClickHouse across a network. */
    compression: z.boolean().default(false),
  })
  .strict()
  .refine((c) => !c.replicated || c.cluster !== undefined, { message: 'replicated: true needs cluster', path: ['replicated'] });

export type ClickHouseConfig = z.output<typeof clickhouseConfigSchema>;
