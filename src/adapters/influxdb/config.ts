/** `backends.<name>` for kind: influxdb, as users write it in YAML (snake_case). */
import { z } from 'zod';
import { duration, httpUrl } from '../../config/zod-types.js';

export const METRICS_SCHEMAS = ['telegraf-prometheus-v1', 'telegraf-prometheus-v2'] as const;
export type MetricsSchema = (typeof METRICS_SCHEMAS)[number];

const name = z.string().min(1);

export const influxConfigSchema = z
  .object({
    /** The server's base URL (a path prefix is kept): http://127.0.0.1:8086. */
    url: httpUrl,
    /**
     * v1: `POST /write?db=` (InfluxDB 1.x, VictoriaMetrics, 2.x/3.x v1-compatibility endpoint).
     * v2: `POST /api/v2/write?org=&bucket=` (InfluxDB 1.8+, 2.x, 3.x, VictoriaMetrics).
     * Inferred when left out: `database` set → v1, `bucket` set → v2.
     */
    api: z.enum(['v1', 'v2']).optional(),
    // v1
    database: name.optional(),
    retention_policy: name.optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    /** v1 only: `CREATE DATABASE` at start (needs admin rights; a no-op when it exists). */
    create_database: z.boolean().default(false),
    // v2
    org: z.string().optional(),
    bucket: name.optional(),
    token: z.string().optional(),

    timeout: duration.default(10_000),
    /** Gzip request bodies over 1 KB (InfluxDB and VictoriaMetrics both take Content-Encoding: gzip). */
    gzip: z.boolean().default(true),
    headers: z.record(z.string(), z.string()).default({}),
    /** For https:// URLs: a CA bundle (PEM) to trust besides the system's, or no certificate check at all. */
    tls: z
      .object({ ca_file: z.string().min(1).optional(), insecure_skip_verify: z.boolean().default(false) })
      .strict()
      .default({ insecure_skip_verify: false }),
    /** A batch is cut into requests of at most this many lines (InfluxDB recommends 5,000). */
    max_lines_per_request: z.number().int().min(1).default(5_000),
    metrics_schema: z.enum(METRICS_SCHEMAS).default('telegraf-prometheus-v1'),
    /** Span fields promoted to tags (besides trace_id and span_id): `span.name`, `span.kind`, or a resource or span attribute key. */
    span_dimensions: z.array(name).default(['service.name', 'span.name']),
    measurements: z
      .object({
        spans: name.default('spans'),
        span_events: name.default('logs'),
        span_links: name.default('span-links'),
        /** Log records, as the Collector's influxdb exporter names it (span events share it there too). */
        logs: name.default('logs'),
      })
      .strict()
      .prefault({}),
    /** Which signals this backend stores (routing: the others never reach it). */
    signals: z
      .array(z.enum(['metrics', 'traces', 'logs']))
      .min(1)
      .default(['metrics', 'traces', 'logs']),
  })
  .strict()
  .superRefine((config, ctx) => {
    const api = config.api ?? (config.database !== undefined ? 'v1' : config.bucket !== undefined ? 'v2' : undefined);
    if (api === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['database'],
        message: 'set database (v1 API: /write?db=) or bucket (v2 API: /api/v2/write), or api: v1 | v2',
      });
      return;
    }
    if (config.database !== undefined && config.bucket !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'set database (v1 API) or bucket (v2 API), not both' });
    }
    if (api === 'v1') {
      if (config.database === undefined) ctx.addIssue({ code: 'custom', path: ['database'], message: 'api v1 needs database' });
      for (const key of ['org', 'bucket', 'token'] as const) {
        if (config[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} belongs to the v2 API; with api v1 use database, username, password` });
      }
      if ((config.username === undefined) !== (config.password === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['password'], message: 'set both username and password, or neither' });
      }
    } else {
      if (config.bucket === undefined) ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'api v2 needs bucket' });
      for (const key of ['database', 'retention_policy', 'username', 'password'] as const) {
        if (config[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} belongs to the v1 API; with api v2 use org, bucket, token` });
      }
      if (config.create_database) ctx.addIssue({ code: 'custom', path: ['create_database'], message: 'create_database is for the v1 API only' });
    }
  });

export type InfluxConfig = z.output<typeof influxConfigSchema>;

/** The API in effect (explicit, or inferred from database / bucket). */
export function apiVersion(config: InfluxConfig): 'v1' | 'v2' {
  return config.api ?? (config.database !== undefined ? 'v1' : 'v2');
}
