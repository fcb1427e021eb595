/** `backends.<name>` for kind: postgres, as users write it in YAML (snake_case). */
import { z } from 'zod';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** A duration: milliseconds as a number, or a string like `500ms`, `30s`, `5m`, `1h`. */
export const duration = z.union([
  z.number().int().nonnegative(),
  z
    .string()
    .regex(DURATION, 'expected a duration such as 500ms, 30s, 5m, 1h or 7d (or a number of milliseconds)')
    .transform((text) => {
      const [, amount, unit] = DURATION.exec(text) as RegExpExecArray;
      return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
    }),
]);

export const postgresConfigSchema = z
  .object({
    url: z
      .string()
      .refine((u) => /^postgres(ql)?:\/\//.test(u) && URL.canParse(u), 'expected a URL like postgresql://user:password@host:5432/database'),
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,62}$/, 'expected a plain SQL identifier (letters, digits, _ and $; at most 63 characters)')
      .default('public'),
    /** Which signals this backend stores (routing: the others never reach it). */
    signals: z
      .array(z.enum(['metrics', 'traces', 'logs']))
      .min(1)
      .default(['metrics', 'traces', 'logs']),
    pool_size: z.number().int().min(1).max(100).default(4),
    statement_timeout: duration.default(30_000),
    connect_timeout: duration.default(10_000),
    /**
     * Which tables: `wide` (0001-0004: one wide row per point with its resource and attributes) or `series`
     * (0005 on: a series table keyed by a gateway-computed id, narrow point tables per shape; README "Series layout").
     */
    layout: z.enum(['wide', 'series']).default('wide'),
    /** series layout: how rows go in. auto = COPY into a staging table, or unnest arrays where COPY is not served (PGlite). */
    bulk: z.enum(['auto', 'copy', 'unnest']).default('auto'),
    /** series layout: series, resources, scopes and bucket bounds known to be stored, kept so their rows are not sent again (least recently seen evicted). */
    series_cache_size: z.number().int().min(100).max(10_000_000).default(100_000),
    /** How often the gateway does what the server does not (series layout and otel_logs: partitions, retention, rollup refresh); 0 never. */
    maintenance_interval: duration.default(60_000),
    /**
     * Time partitioning and retention: by TimescaleDB's migrations and policies where it is there, otherwise by the
     * gateway (the series layout's tables and otel_logs, every maintenance_interval).
     */
    timescaledb: z
      .object({
        chunk_interval: duration.refine((ms) => ms >= 60_000, 'expected at least 1m').default(86_400_000),
        /** Chunks older than this are compressed (community-licensed TimescaleDB). */
        compress_after: duration.refine((ms) => ms >= 60_000, 'expected at least 1m').default(7 * 86_400_000),
        /** Chunks older than this are dropped; 0 keeps data forever. */
        retention: duration.default(0),
        /** Plain PostgreSQL (series layout, otel_logs): partitions exist this far ahead of now (and are made on demand for older times). */
        partitions_ahead: duration.default(2 * 86_400_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type PostgresConfig = z.output<typeof postgresConfigSchema>;
