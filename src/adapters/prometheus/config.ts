/** `backends.<name>` for kind: prometheus, as users write it in YAML (snake_case). */
import { z } from 'zod';
import { duration, httpUrl, size } from '../../config/zod-types.js';

const translationSchema = z
  .object({
    /**
     * `UnderscoreEscapingWithSuffixes` (default, what the Collector does): unit and `_total`/`_ratio` suffixes.
     * `UnderscoreEscapingWithoutSuffixes`: invalid characters escaped, no suffixes.
     * The Collector's NoUTF8* strategies need remote write 2.0 and are not offered.
     */
    translation_strategy: z.enum(['UnderscoreEscapingWithSuffixes', 'UnderscoreEscapingWithoutSuffixes']).default('UnderscoreEscapingWithSuffixes'),
    /** Deprecated spelling kept for Collector configs: false = UnderscoreEscapingWithoutSuffixes. */
    add_metric_suffixes: z.boolean().optional(),
    /** Resource attributes copied as labels onto every series (besides job/instance). */
    resource_constant_labels: z.array(z.string().min(1)).default([]),
    /** Copy every resource attribute onto every series (the Collector's resource_to_telemetry_conversion). */
    resource_to_telemetry_conversion: z
      .object({ enabled: z.boolean().default(false), exclude_service_attributes: z.boolean().default(true) })
      .strict()
      .default({ enabled: false, exclude_service_attributes: true }),
    /** One `target_info` series per resource per request, carrying the resource attributes. */
    target_info: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .default({ enabled: true }),
    /** `otel_scope_name` / `otel_scope_version` labels on every series. */
    scope_labels: z.boolean().default(true),
  })
  .strict();

export const prometheusConfigSchema = z
  .object({
    url: httpUrl,
    headers: z.record(z.string(), z.string()).default({}),
    basic_auth: z.object({ username: z.string(), password: z.string() }).strict().optional(),
    bearer_token: z.string().min(1).optional(),
    timeout: duration.default(30_000),
    tls: z
      .object({ ca_file: z.string().min(1).optional(), insecure_skip_verify: z.boolean().default(false) })
      .strict()
      .default({ insecure_skip_verify: false }),
    /** A batch is cut into requests of at most this many samples (histogram buckets count one each)... */
    max_samples_per_request: z.number().int().min(1).default(2_000),
    /** ...and at most this many uncompressed bytes (Prometheus refuses bodies above 32 MiB decompressed). */
    max_bytes_per_request: size.default(4 * 1024 * 1024),
    translation: translationSchema.default(translationSchema.parse({})),
    /** Delta sums and histograms are summed per series into cumulative ones; off = they are skipped, counted. */
    delta_to_cumulative: z
      .object({
        enabled: z.boolean().default(true),
        /** Series whose running totals are kept; past it the least recently updated is forgotten (a counter reset). */
        max_series: z.number().int().min(1).default(100_000),
        /** A series not updated for this long is forgotten. */
        max_stale: duration.default(3_600_000),
      })
      .strict()
      .default({ enabled: true, max_series: 100_000, max_stale: 3_600_000 }),
    /** Exponential histograms as native histograms. Off by default: Prometheus without
     * --enable-feature=native-histograms refuses the whole request (a 500). Off = they are skipped, counted. */
    native_histograms: z.boolean().default(false),
    send_exemplars: z.boolean().default(true),
    signals: z
      .array(z.literal('metrics', { error: 'remote write carries metrics only: signals can only be ["metrics"]' }))
      .min(1)
      .default(['metrics']),
  })
  .strict()
  .refine((config) => !(config.basic_auth && config.bearer_token), {
    message: 'set basic_auth or bearer_token, not both',
  });

export type PrometheusConfig = z.output<typeof prometheusConfigSchema>;
