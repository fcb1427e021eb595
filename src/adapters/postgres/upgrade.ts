/**
 * The upgrade from the wide tables (layout wide, 0001-0004) to the series layout (0005 on): every wide row is read
 * back as the model point or span it was written from (wide-rows.ts) and written through the series writer, the
 * same encode and send the gateway uses, so series, resource and scope ids are the ones the gateway computes and
 * new writes of the same series land in the same rows. In pages of `batchSize` rows in key order, each written in
 * one transaction with ON CONFLICT DO NOTHING: running it again, or while a gateway already writes the series
 * layout, stores nothing twice. One connection throughout (the community PGlite build serves one at a time).
 * The wide tables stay unless `dropOld`; `otel_logs` is shared by both layouts and never touched.
 */
import pg from 'pg';
import type { AdapterContext, UpgradeOptions, UpgradeReport } from '../contract.js';
import type { ExponentialHistogramPoint, HistogramPoint, MetricPoint, MetricType, NumberPoint, Span, SummaryPoint } from '../../model/index.js';
import type { PostgresConfig } from './config.js';
import { quoteIdent } from './schema.js';
import { ROLLUP_VIEWS, SeriesWriter } from './series-writer.js';
import { type WideMetricRow, WideRows } from './wide-rows.js';

/** Ids and int64s as text (exact); ORDER BY and WHERE name the table's own columns (w.), not these text aliases. */
const METRIC_COLUMNS = `series_id::text AS series_id, time_unix_nano::text AS t, start_time_unix_nano::text AS st, metric_name, metric_unit,
  metric_description, attributes::text AS a, resource_attributes::text AS ra, scope_name, scope_version, scope_attributes::text AS sa, flags::text AS flags`;

interface WideMetricTable {
  readonly table: string;
  /** Columns beyond METRIC_COLUMNS. */
  readonly columns: string;
  /** The table's type; number rows name theirs (gauge or sum). */
  readonly type?: MetricType;
  point(rows: WideRows, row: WideMetricRow): MetricPoint;
}

const optional = (v: unknown): number | undefined => (v === null ? undefined : (v as number));
/** The fields both histogram tables share. */
const distribution = (row: Record<string, unknown>) => ({
  count: Number(row.count),
  sum: optional(row.sum),
  min: optional(row.min),
  max: optional(row.max),
});
const counts = (v: unknown): number[] => (v as string[]).map(Number);

const WIDE_METRIC_TABLES: readonly WideMetricTable[] = [
  {
    table: 'otel_metrics_number',
    columns: 'metric_type, temporality, monotonic, exemplars::text AS ex, value, value_int::text AS value_int',
    point: (rows, row) =>
      ({
        ...rows.point(row, row.metric_type as MetricType),
        value: row.value_int === null ? (row.value as number) : BigInt(row.value_int as string),
      }) as NumberPoint,
  },
  {
    table: 'otel_metrics_histogram',
    columns: 'temporality, exemplars::text AS ex, count::text, sum, min, max, bucket_counts, explicit_bounds',
    type: 'histogram',
    point: (rows, row) =>
      ({
        ...rows.point(row, 'histogram'),
        ...distribution(row),
        bucketCounts: counts(row.bucket_counts),
        explicitBounds: row.explicit_bounds as number[],
      }) as HistogramPoint,
  },
  {
    table: 'otel_metrics_exponential_histogram',
    columns: `temporality, exemplars::text AS ex, count::text, sum, min, max, scale, zero_count::text, zero_threshold, positive_offset,
      positive_bucket_counts, negative_offset, negative_bucket_counts`,
    type: 'exponential_histogram',
    point: (rows, row) =>
      ({
        ...rows.point(row, 'exponential_histogram'),
        ...distribution(row),
        scale: row.scale as number,
        zeroCount: Number(row.zero_count),
        zeroThreshold: row.zero_threshold as number,
        positive: { offset: row.positive_offset as number, bucketCounts: counts(row.positive_bucket_counts) },
        negative: { offset: row.negative_offset as number, bucketCounts: counts(row.negative_bucket_counts) },
      }) as ExponentialHistogramPoint,
  },
  {
    table: 'otel_metrics_summary',
    columns: 'count::text, sum, quantiles, quantile_values',
    type: 'summary',
    point: (rows, row) => {
      const values = row.quantile_values as number[];
      return {
        ...rows.point(row, 'summary'),
        count: Number(row.count),
        sum: row.sum as number,
        quantileValues: (row.quantiles as number[]).map((quantile, i) => ({ quantile, value: values[i] as number })),
      } as SummaryPoint;
    },
  },
];

const SPAN_COLUMNS = `time::text AS time, start_time_unix_nano::text AS st, end_time_unix_nano::text AS et, trace_id, span_id, parent_span_id,
  trace_state, flags::text AS flags, name, kind, status_code, status_message, attributes::text AS a, resource_attributes::text AS ra,
  scope_name, scope_version, scope_attributes::text AS sa, dropped_attributes_count, events::text AS events, dropped_events_count,
  links::text AS links, dropped_links_count`;

/** A wide table's unique key in its index's order: the column, its type, and the field of a row read that holds it. */
type Key = readonly (readonly [column: string, type: string, field: string])[];
const METRIC_KEY: Key = [
  ['series_id', 'bigint', 'series_id'],
  ['time_unix_nano', 'bigint', 't'],
];
const SPAN_KEY: Key = [
  ['trace_id', 'text', 'trace_id'],
  ['span_id', 'text', 'span_id'],
  ['time', 'timestamptz', 'time'],
];

interface Source {
  readonly table: string;
  readonly select: string;
  readonly key: Key;
}

/**
 * A wide table's rows, `batchSize` at a time. Hypertables chunk by chunk, each through a cursor: one scan per chunk,
 * compressed ones included (their rows have no index to page through). Plain tables in key order from the last row
 * read, which their unique index serves.
 */
async function* pages(client: pg.Client, schema: string, source: Source, batchSize: number): AsyncGenerator<Record<string, unknown>[]> {
  const from = `${quoteIdent(schema)}.${quoteIdent(source.table)} w`;
  const chunks = await chunkRanges(client, schema, source.table);
  if (chunks) {
    for (const { start, end } of chunks) {
      await client.query(
        `DECLARE manifold_upgrade NO SCROLL CURSOR WITH HOLD FOR SELECT ${source.select} FROM ${from} WHERE w.time >= ${literal(start)}::timestamptz AND w.time < ${literal(end)}::timestamptz`,
      );
      try {
        for (;;) {
          const page = await client.query<Record<string, unknown>>(`FETCH ${batchSize} FROM manifold_upgrade`);
          if (page.rows.length === 0) break;
          yield page.rows;
        }
      } finally {
        await client.query('CLOSE manifold_upgrade').catch(() => undefined);
      }
    }
    return;
  }
  const key = source.key.map(([column]) => `w.${column}`).join(', ');
  const after = `(${key}) > (${source.key.map(([, type], i) => `$${i + 2}::${type}`).join(', ')})`;
  let last: Record<string, unknown> | undefined;
  for (;;) {
    const page = await client.query<Record<string, unknown>>(
      `SELECT ${source.select} FROM ${from} ${last ? `WHERE ${after}` : ''} ORDER BY ${key} LIMIT $1`,
      last ? [batchSize, ...source.key.map(([, , field]) => last![field])] : [batchSize],
    );
    if (page.rows.length === 0) return;
    yield page.rows;
    last = page.rows[page.rows.length - 1];
  }
}

/** The chunks' time ranges, oldest first, when the table is a hypertable; undefined otherwise. */
async function chunkRanges(client: pg.Client, schema: string, table: string): Promise<{ start: string; end: string }[] | undefined> {
  const { rows: extension } = await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  if (extension.length === 0) return undefined;
  const { rows: hypertable } = await client.query(
    'SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 AND hypertable_name = $2',
    [schema, table],
  );
  if (hypertable.length === 0) return undefined;
  const { rows } = await client.query<{ start: string; end: string }>(
    `SELECT range_start::text AS start, range_end::text AS end FROM timescaledb_information.chunks
     WHERE hypertable_schema = $1 AND hypertable_name = $2 ORDER BY range_start`,
    [schema, table],
  );
  return rows;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

export const WIDE_TABLES = [...WIDE_METRIC_TABLES.map((t) => t.table), 'otel_spans'] as const;

export async function upgradeToSeries(config: PostgresConfig, context: AdapterContext, options: UpgradeOptions): Promise<UpgradeReport> {
  if (config.layout !== 'series')
    throw new Error(
      `postgres ${context.name}: the upgrade copies the wide tables into the series layout: set backends.${context.name}.layout: series first`,
    );
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1)
    throw new Error(`postgres upgrade: batch size must be a whole number of rows, at least 1 (got ${options.batchSize})`);
  const schema = quoteIdent(config.schema);
  const client = new pg.Client({
    connectionString: config.url,
    connectionTimeoutMillis: config.connect_timeout,
    application_name: `manifold:${context.name}:upgrade`,
  });
  await client.connect();
  try {
    const writer = new SeriesWriter(config, context.logger);
    const server = await writer.start(client);
    const signals: ReadonlySet<string> = new Set(config.signals);
    const rows = new WideRows((row) =>
      context.logger.warn(
        { metric: row.metric_name, wide_series_id: row.series_id },
        'postgres upgrade: no reading of the attributes gives the wide series_id (a NUL or lone surrogate stored as U+FFFD?): copied with the likely types, so new writes of this series may land in another one',
      ),
    );
    const exists = async (table: string) =>
      (await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${schema}.${quoteIdent(table)}`])).rows[0]!.ok;
    const write = async (metrics: readonly MetricPoint[], spans: readonly Span[]) => writer.send(client, writer.encode({ metrics, spans }, signals));

    const tables: { table: string; read: number; stored: number }[] = [];
    const copy = async (source: Source, convert: (page: Record<string, unknown>[]) => Promise<number>) => {
      if (!(await exists(source.table))) return;
      const report = { table: source.table, read: 0, stored: 0 };
      for await (const page of pages(client, config.schema, source, options.batchSize)) {
        report.stored += await convert(page);
        report.read += page.length;
        options.onProgress?.(source.table, report.read);
      }
      tables.push(report);
    };
    if (signals.has('metrics'))
      for (const t of WIDE_METRIC_TABLES)
        await copy({ table: t.table, select: `${METRIC_COLUMNS}, ${t.columns}`, key: METRIC_KEY }, (page) =>
          write(
            page.map((row) => t.point(rows, row as WideMetricRow)),
            [],
          ),
        );
    if (signals.has('traces'))
      await copy({ table: 'otel_spans', select: SPAN_COLUMNS, key: SPAN_KEY }, (page) =>
        write(
          [],
          page.map((row) => rows.span(row)),
        ),
      );

    // The rollups over the copied history: materialized views refreshed (and partitions, retention) as the gateway
    // does; continuous aggregates' policies only look back hours, so they are refreshed over everything here.
    await writer.maintain(client);
    if (server.policies)
      for (const view of ROLLUP_VIEWS) await client.query(`CALL refresh_continuous_aggregate('${schema}.${quoteIdent(view)}', NULL, NULL)`);

    const dropped: string[] = [];
    if (options.dropOld) {
      for (const table of WIDE_TABLES) {
        if (!(await exists(table))) continue;
        // CASCADE: the wide layout's per-minute rollup (0003) is built on otel_metrics_number.
        await client.query(`DROP TABLE ${schema}.${quoteIdent(table)} CASCADE`);
        dropped.push(table);
      }
    }
    return { tables, unverified: rows.unverified, dropped };
  } finally {
    await client.end();
  }
}
