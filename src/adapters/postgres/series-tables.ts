/**
 * The series layout's tables (migrations/postgres/0005_series_layout.up.sql) as the writer sees them: the columns
 * rows carry and how they travel. COPY sends each column as the stored type's own text (times as ISO timestamps),
 * straight into the table or into a staging table of the same types; unnest sends arrays of `wire` elements (times
 * as bigint microseconds, arrays as their text) and `sql` turns them into the stored column (exact: interval
 * arithmetic in microseconds).
 */
export interface SeriesColumn {
  readonly name: string;
  /** The stored column's type: what COPY text is read as. */
  readonly stored: string;
  /** How the value travels in unnest: the array's element type. */
  readonly wire: 'bigint' | 'integer' | 'double precision' | 'boolean' | 'text' | 'jsonb' | 'bytea';
  /** How the stored value is computed from the unnest one (`v` is the value). */
  readonly sql?: string;
}

export interface SeriesTable {
  readonly table: string;
  readonly columns: readonly SeriesColumn[];
  /** Partitioned by time on plain PostgreSQL (dimension tables are not). */
  readonly timePartitioned: boolean;
}

/** Whole seconds and the rest apart: bigint * interval goes through float8, inexact beyond 2^53 µs (the year 2255). */
const us = (name: string): SeriesColumn => ({
  name,
  stored: 'timestamptz',
  wire: 'bigint',
  sql: "timestamptz 'epoch' + (v / 1000000) * interval '1 second' + (v % 1000000) * interval '1 microsecond'",
});
const col = (name: string, wire: SeriesColumn['wire']): SeriesColumn => ({ name, stored: wire, wire });
const arr = (name: string, type: string): SeriesColumn => ({ name, stored: type, wire: 'text', sql: `v::${type}` });

const dimension = (table: string, columns: SeriesColumn[]): SeriesTable => ({ table, columns, timePartitioned: false });
const timed = (table: string, columns: SeriesColumn[]): SeriesTable => ({ table, columns, timePartitioned: true });

export const RESOURCES = dimension('resources', [
  col('id', 'bigint'),
  col('service_name', 'text'),
  col('attributes', 'jsonb'),
  col('schema_url', 'text'),
]);
export const SCOPES = dimension('scopes', [col('id', 'bigint'), col('name', 'text'), col('version', 'text'), col('attributes', 'jsonb')]);
export const SERIES = dimension('series', [
  col('id', 'bigint'),
  col('metric_name', 'text'),
  col('metric_type', 'text'),
  col('unit', 'text'),
  col('description', 'text'),
  col('temporality', 'text'),
  col('monotonic', 'boolean'),
  col('labels', 'jsonb'),
  col('resource_id', 'bigint'),
  col('scope_id', 'bigint'),
]);
export const BOUNDS = dimension('histogram_bounds', [col('id', 'bigint'), arr('bounds', 'double precision[]')]);

const pointHead = [us('time'), col('series_id', 'bigint'), us('start_time'), col('flags', 'integer')];

export const NUMBER_POINTS = timed('number_points', [...pointHead, col('value', 'double precision'), col('value_int', 'bigint')]);
export const HISTOGRAM_POINTS = timed('histogram_points', [
  ...pointHead,
  col('count', 'bigint'),
  col('sum', 'double precision'),
  col('min', 'double precision'),
  col('max', 'double precision'),
  col('bounds_id', 'bigint'),
  arr('bucket_counts', 'bigint[]'),
]);
export const EXP_HISTOGRAM_POINTS = timed('exp_histogram_points', [
  ...pointHead,
  col('count', 'bigint'),
  col('sum', 'double precision'),
  col('min', 'double precision'),
  col('max', 'double precision'),
  col('scale', 'integer'),
  col('zero_count', 'bigint'),
  col('zero_threshold', 'double precision'),
  col('positive_offset', 'integer'),
  arr('positive_bucket_counts', 'bigint[]'),
  col('negative_offset', 'integer'),
  arr('negative_bucket_counts', 'bigint[]'),
]);
export const SUMMARY_POINTS = timed('summary_points', [
  ...pointHead,
  col('count', 'bigint'),
  col('sum', 'double precision'),
  arr('quantiles', 'double precision[]'),
  arr('quantile_values', 'double precision[]'),
]);
export const EXEMPLARS = timed('exemplars', [
  us('time'),
  col('series_id', 'bigint'),
  col('exemplar_index', 'integer'),
  us('exemplar_time'),
  col('value', 'double precision'),
  col('value_int', 'bigint'),
  col('trace_id', 'bytea'),
  col('span_id', 'bytea'),
  col('filtered_attributes', 'jsonb'),
]);
export const TRACE_SPANS = timed('trace_spans', [
  us('time'),
  us('end_time'),
  col('duration_ns', 'bigint'),
  col('trace_id', 'bytea'),
  col('span_id', 'bytea'),
  col('parent_span_id', 'bytea'),
  col('trace_state', 'text'),
  col('flags', 'bigint'),
  col('service_name', 'text'),
  col('name', 'text'),
  col('kind', 'text'),
  col('status_code', 'text'),
  col('status_message', 'text'),
  col('resource_id', 'bigint'),
  col('scope_id', 'bigint'),
  col('attributes', 'jsonb'),
  col('dropped_attributes_count', 'integer'),
  col('dropped_events_count', 'integer'),
  col('dropped_links_count', 'integer'),
]);
export const SPAN_EVENTS = timed('span_events', [
  us('time'),
  col('trace_id', 'bytea'),
  col('span_id', 'bytea'),
  col('event_index', 'integer'),
  us('event_time'),
  col('name', 'text'),
  col('attributes', 'jsonb'),
  col('dropped_attributes_count', 'integer'),
]);
export const SPAN_LINKS = timed('span_links', [
  us('time'),
  col('trace_id', 'bytea'),
  col('span_id', 'bytea'),
  col('link_index', 'integer'),
  col('linked_trace_id', 'bytea'),
  col('linked_span_id', 'bytea'),
  col('trace_state', 'text'),
  col('flags', 'bigint'),
  col('attributes', 'jsonb'),
  col('dropped_attributes_count', 'integer'),
]);

/** In write order: what points and spans refer to goes first (no foreign keys; the views join). */
export const SERIES_TABLES: readonly SeriesTable[] = [
  RESOURCES,
  SCOPES,
  BOUNDS,
  SERIES,
  NUMBER_POINTS,
  HISTOGRAM_POINTS,
  EXP_HISTOGRAM_POINTS,
  SUMMARY_POINTS,
  EXEMPLARS,
  TRACE_SPANS,
  SPAN_EVENTS,
  SPAN_LINKS,
];

export const POINT_TABLES: readonly SeriesTable[] = [NUMBER_POINTS, HISTOGRAM_POINTS, EXP_HISTOGRAM_POINTS, SUMMARY_POINTS];
