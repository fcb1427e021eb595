/** Metric points → the four metric tables of migrations/postgres/0001_init.up.sql. */
import type { ExponentialHistogramPoint, Exemplar, HistogramPoint, MetricPoint, NumberPoint, SummaryPoint } from '../../model/index.js';
import { serviceName } from '../../model/index.js';
import { type Column, type TableSpec, nsToTimestamptz } from './bulk.js';
import { cachedJson } from './cache.js';
import { attributesJson, numberJson } from './json.js';
import { jsonString } from './storable.js';
import { seriesId, seriesInfo } from './series.js';

type Point = MetricPoint;

const pointColumns: Column<Point>[] = [
  { name: 'time_unix_nano', type: 'bigint', value: (p) => p.timeUnixNano.toString() },
  { name: 'start_time_unix_nano', type: 'bigint', value: (p) => p.startTimeUnixNano.toString() },
  { name: 'series_id', type: 'bigint', value: seriesId },
  { name: 'attributes', type: 'jsonb', value: (p) => seriesInfo(p).attributesJson },
  { name: 'flags', type: 'bigint', value: (p) => p.flags },
];
const exemplarColumn: Column<Point> = { name: 'exemplars', type: 'jsonb', value: (p) => exemplarsJson(p.exemplars) };

const descriptorColumns = (withType: boolean, withTemporality: boolean, withMonotonic: boolean): Column<Point>[] => [
  { name: 'metric_name', type: 'text', value: (p) => p.metric.name },
  ...(withType ? [{ name: 'metric_type', type: 'text', value: (p: Point) => p.metric.type }] : []),
  { name: 'metric_unit', type: 'text', value: (p) => p.metric.unit },
  { name: 'metric_description', type: 'text', value: (p) => p.metric.description },
  ...(withTemporality ? [{ name: 'temporality', type: 'text', value: (p: Point) => p.metric.temporality }] : []),
  ...(withMonotonic ? [{ name: 'monotonic', type: 'boolean', value: (p: Point) => p.metric.monotonic }] : []),
  { name: 'service_name', type: 'text', value: (p) => serviceName(p.resource) },
  { name: 'resource_attributes', type: 'jsonb', value: (p) => cachedJson(p.resource) },
  { name: 'scope_name', type: 'text', value: (p) => p.scope.name },
  { name: 'scope_version', type: 'text', value: (p) => p.scope.version },
  { name: 'scope_attributes', type: 'jsonb', value: (p) => cachedJson(p.scope) },
];

const times: TableSpec<Point>['computed'] = [
  ['time', nsToTimestamptz('u.time_unix_nano')],
  ['start_time', nsToTimestamptz('nullif(u.start_time_unix_nano, 0)')],
];
const contextOf = (p: Point): readonly object[] => [p.metric, p.resource, p.scope];

export const numberTable: TableSpec<NumberPoint> = {
  table: 'otel_metrics_number',
  rowColumns: [
    ...pointColumns,
    exemplarColumn,
    { name: 'value', type: 'double precision', value: (p) => Number(p.value) },
    { name: 'value_int', type: 'bigint', value: (p) => (typeof p.value === 'bigint' ? p.value.toString() : null) },
  ],
  contextColumns: descriptorColumns(true, true, true),
  contextOf,
  computed: times,
};

export const histogramTable: TableSpec<HistogramPoint> = {
  table: 'otel_metrics_histogram',
  rowColumns: [
    ...pointColumns,
    exemplarColumn,
    { name: 'count', type: 'bigint', value: (p) => p.count },
    { name: 'sum', type: 'double precision', value: (p) => p.sum },
    { name: 'min', type: 'double precision', value: (p) => p.min },
    { name: 'max', type: 'double precision', value: (p) => p.max },
    { name: 'bucket_counts', type: 'text', cast: 'bigint[]', value: (p) => numbers(p.bucketCounts) },
    { name: 'explicit_bounds', type: 'text', cast: 'double precision[]', value: (p) => numbers(p.explicitBounds) },
  ],
  contextColumns: descriptorColumns(false, true, false),
  contextOf,
  computed: times,
};

export const exponentialHistogramTable: TableSpec<ExponentialHistogramPoint> = {
  table: 'otel_metrics_exponential_histogram',
  rowColumns: [
    ...pointColumns,
    exemplarColumn,
    { name: 'count', type: 'bigint', value: (p) => p.count },
    { name: 'sum', type: 'double precision', value: (p) => p.sum },
    { name: 'min', type: 'double precision', value: (p) => p.min },
    { name: 'max', type: 'double precision', value: (p) => p.max },
    { name: 'scale', type: 'integer', value: (p) => p.scale },
    { name: 'zero_count', type: 'bigint', value: (p) => p.zeroCount },
    { name: 'zero_threshold', type: 'double precision', value: (p) => p.zeroThreshold },
    { name: 'positive_offset', type: 'integer', value: (p) => p.positive.offset },
    { name: 'positive_bucket_counts', type: 'text', cast: 'bigint[]', value: (p) => numbers(p.positive.bucketCounts) },
    { name: 'negative_offset', type: 'integer', value: (p) => p.negative.offset },
    { name: 'negative_bucket_counts', type: 'text', cast: 'bigint[]', value: (p) => numbers(p.negative.bucketCounts) },
  ],
  contextColumns: descriptorColumns(false, true, false),
  contextOf,
  computed: times,
};

export const summaryTable: TableSpec<SummaryPoint> = {
  table: 'otel_metrics_summary',
  rowColumns: [
    ...pointColumns,
    { name: 'count', type: 'bigint', value: (p) => p.count },
    { name: 'sum', type: 'double precision', value: (p) => p.sum },
    { name: 'quantiles', type: 'text', cast: 'double precision[]', value: (p) => numbers(p.quantileValues.map((q) => q.quantile)) },
    { name: 'quantile_values', type: 'text', cast: 'double precision[]', value: (p) => numbers(p.quantileValues.map((q) => q.value)) },
  ],
  contextColumns: descriptorColumns(false, false, false),
  contextOf,
  computed: times,
};

/** Splits points by table, keeping their order. */
export function splitMetrics(points: readonly MetricPoint[]) {
  const number: NumberPoint[] = [];
  const histogram: HistogramPoint[] = [];
  const exponential: ExponentialHistogramPoint[] = [];
  const summary: SummaryPoint[] = [];
  for (const p of points) {
    if (p.type === 'gauge' || p.type === 'sum') number.push(p);
    else if (p.type === 'histogram') histogram.push(p);
    else if (p.type === 'exponential_histogram') exponential.push(p);
    else if (p.type === 'summary') summary.push(p);
  }
  return [
    [numberTable, number],
    [histogramTable, histogram],
    [exponentialHistogramTable, exponential],
    [summaryTable, summary],
  ] as const;
}

/** Element text for a nested array literal ('{1,2.5,NaN}'), quoted again as one element by bulk.ts. */
function numbers(values: readonly number[]): string {
  return `{${values.join(',')}}`;
}

function exemplarsJson(exemplars: readonly Exemplar[]): string | null {
  if (exemplars.length === 0) return null;
  return (
    '[' +
    exemplars
      .map(
        (e) =>
          `{"time_unix_nano":${e.timeUnixNano.toString()},"value":${numberJson(e.value)},` +
          `"trace_id":${jsonString(e.traceId)},"span_id":${jsonString(e.spanId)},` +
          `"filtered_attributes":${attributesJson(e.filteredAttributes)}}`,
      )
      .join(',') +
    ']'
  );
}
