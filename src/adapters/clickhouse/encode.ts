/**
 * Model items to rows in the OpenTelemetry Collector exporter's column layout, for JSONCompactEachRow:
 * one array per row, in the order of the table's column list below (the INSERT names its columns, so a
 * later migration that adds a column with a default does not break it). bench/micro/clickhouse-insert.ts
 * measured the choice: JSON.stringify of row arrays beats row objects (JSONEachRow: 1.4x the bytes) and
 * hand-joined JSON text (rope strings, GC).
 *
 * Resource and scope attribute maps are built once per shared object (src/model), not per item.
 * Numbers that JSON cannot carry exactly go as strings ClickHouse parses exactly: DateTime64(9) as
 * "seconds.nanoseconds" from the bigint, UInt64 beyond 2^53 in digits, NaN and infinities as "nan", "inf", "-inf".
 * Map(LowCardinality(String), String) values are strings, as the Collector writes them: int64 in full
 * decimal digits, bytes in base64, arrays and kvlists as JSON.
 */
import {
  serviceName,
  valueText,
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  type AttributeValue,
  type Attributes,
  type Exemplar,
  type InstrumentationScope,
  type MetricPoint,
  type Resource,
  type Span,
  type Temporality,
} from '../../model/index.js';
import { LOGS_TABLE } from './logs-table.js';

/** One INSERT: a table, its column list, and the rows, each an array in that order. */
export interface TableInsert {
  readonly table: string;
  readonly columns: readonly string[];
  readonly rows: unknown[][];
}

const RESOURCE_COLUMNS = ['ResourceAttributes', 'ResourceSchemaUrl', 'ServiceName'];
const SCOPE_COLUMNS = ['ScopeName', 'ScopeVersion', 'ScopeAttributes', 'ScopeDroppedAttrCount', 'ScopeSchemaUrl'];
/** The columns every metric table has, in metricRow's order. */
const POINT_COLUMNS = [
  ...RESOURCE_COLUMNS,
  ...SCOPE_COLUMNS,
  'MetricName',
  'MetricDescription',
  'MetricUnit',
  'Attributes',
  'StartTimeUnix',
  'TimeUnix',
  'Flags',
];
/** Every metric table but the summary one (OTLP summaries carry no exemplars). */
const EXEMPLAR_COLUMNS = ['Exemplars.FilteredAttributes', 'Exemplars.TimeUnix', 'Exemplars.Value', 'Exemplars.SpanId', 'Exemplars.TraceId'];

/** Every table this adapter writes, with its columns in the order the encoders below emit them. */
export const TABLES = {
  traces: {
    table: 'otel_traces',
    columns: [
      'ServiceName',
      'ResourceAttributes',
      'ScopeName',
      'ScopeVersion',
      'Timestamp',
      'TraceId',
      'SpanId',
      'ParentSpanId',
      'TraceState',
      'SpanName',
      'SpanKind',
      'SpanAttributes',
      'Duration',
      'StatusCode',
      'StatusMessage',
      'Events.Timestamp',
      'Events.Name',
      'Events.Attributes',
      'Links.TraceId',
      'Links.SpanId',
      'Links.TraceState',
      'Links.Attributes',
    ],
  },
  gauge: { table: 'otel_metrics_gauge', columns: [...POINT_COLUMNS, ...EXEMPLAR_COLUMNS, 'Value'] },
  sum: { table: 'otel_metrics_sum', columns: [...POINT_COLUMNS, ...EXEMPLAR_COLUMNS, 'Value', 'AggregationTemporality', 'IsMonotonic'] },
  histogram: {
    table: 'otel_metrics_histogram',
    columns: [...POINT_COLUMNS, ...EXEMPLAR_COLUMNS, 'Count', 'Sum', 'BucketCounts', 'ExplicitBounds', 'Min', 'Max', 'AggregationTemporality'],
  },
  exponential_histogram: {
    table: 'otel_metrics_exp_histogram',
    columns: [
      ...POINT_COLUMNS,
      ...EXEMPLAR_COLUMNS,
      'Count',
      'Sum',
      'Scale',
      'ZeroCount',
      'PositiveOffset',
      'PositiveBucketCounts',
      'NegativeOffset',
      'NegativeBucketCounts',
      'Min',
      'Max',
      'AggregationTemporality',
    ],
  },
  summary: { table: 'otel_metrics_summary', columns: [...POINT_COLUMNS, 'Count', 'Sum', 'ValueAtQuantiles.Quantile', 'ValueAtQuantiles.Value'] },
  logs: LOGS_TABLE,
} as const satisfies Record<string, { table: string; columns: readonly string[] }>;

/** One INSERT per table that has rows, metric tables first, in TABLES order. */
export function encodeBatch(metrics: readonly MetricPoint[], spans: readonly Span[]): TableInsert[] {
  const byType: Record<MetricPoint['type'], unknown[][]> = { gauge: [], sum: [], histogram: [], exponential_histogram: [], summary: [] };
  for (const point of metrics) byType[point.type].push(metricRow(point));
  const inserts: TableInsert[] = [];
  for (const type of ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const) {
    if (byType[type].length > 0) inserts.push({ ...TABLES[type], rows: byType[type] });
  }
  if (spans.length > 0) inserts.push({ ...TABLES.traces, rows: spans.map(spanRow) });
  return inserts;
}

export function spanRow(span: Span): unknown[] {
  const resource = sharedResource(span.resource);
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  const row: unknown[] = [
    resource.service,
    resource.attributes,
    span.scope.name,
    span.scope.version,
    dateTime64(span.startTimeUnixNano),
    span.traceId,
    span.spanId,
    span.parentSpanId,
    span.traceState,
    span.name,
    SPAN_KIND_NAMES[span.kind] ?? 'Unspecified',
    attributeMap(span.attributes),
    uint64(duration),
    STATUS_CODE_NAMES[span.status.code] ?? 'Unset',
    span.status.message,
  ];
  const events = span.events;
  if (events.length === 0) row.push(NONE, NONE, NONE);
  else
    row.push(
      events.map((e) => dateTime64(e.timeUnixNano)),
      events.map((e) => e.name),
      events.map((e) => attributeMap(e.attributes)),
    );
  const links = span.links;
  if (links.length === 0) row.push(NONE, NONE, NONE, NONE);
  else
    row.push(
      links.map((l) => l.traceId),
      links.map((l) => l.spanId),
      links.map((l) => l.traceState),
      links.map((l) => attributeMap(l.attributes)),
    );
  return row;
}

export function metricRow(point: MetricPoint): unknown[] {
  const resource = sharedResource(point.resource);
  const scope = sharedScope(point.scope);
  const m = point.metric;
  const row: unknown[] = [
    resource.attributes,
    point.resource.schemaUrl,
    resource.service,
    point.scope.name,
    point.scope.version,
    scope,
    point.scope.droppedAttributesCount,
    point.scope.schemaUrl,
    m.name,
    m.description,
    m.unit,
    attributeMap(point.attributes),
    startTime(point.startTimeUnixNano),
    dateTime64(point.timeUnixNano),
    point.flags,
  ];
  if (point.type !== 'summary') pushExemplars(row, point.exemplars);
  switch (point.type) {
    case 'gauge':
      row.push(float(point.value));
      break;
    case 'sum':
      row.push(float(point.value), temporality(m.temporality), m.monotonic);
      break;
    case 'histogram':
      row.push(
        point.count,
        float(point.sum ?? 0),
        point.bucketCounts,
        floats(point.explicitBounds),
        float(point.min ?? 0),
        float(point.max ?? 0),
        temporality(m.temporality),
      );
      break;
    case 'exponential_histogram':
      row.push(
        point.count,
        float(point.sum ?? 0),
        point.scale,
        point.zeroCount,
        point.positive.offset,
        point.positive.bucketCounts,
        point.negative.offset,
        point.negative.bucketCounts,
        float(point.min ?? 0),
        float(point.max ?? 0),
        temporality(m.temporality),
      );
      break;
    case 'summary':
      row.push(
        point.count,
        float(point.sum),
        point.quantileValues.map((q) => float(q.quantile)),
        point.quantileValues.map((q) => float(q.value)),
      );
      break;
  }
  return row;
}

/** Shared by every row without exemplars, events or links: serialized as [] all the same, allocated once. */
const NONE: readonly never[] = Object.freeze([]);

function pushExemplars(row: unknown[], exemplars: readonly Exemplar[]): void {
  if (exemplars.length === 0) {
    row.push(NONE, NONE, NONE, NONE, NONE);
    return;
  }
  row.push(
    exemplars.map((e) => attributeMap(e.filteredAttributes)),
    exemplars.map((e) => dateTime64(e.timeUnixNano)),
    exemplars.map((e) => float(e.value)),
    exemplars.map((e) => e.spanId),
    exemplars.map((e) => e.traceId),
  );
}

// The maps of the objects items share, built once per object (they are immutable, src/model).
const resources = new WeakMap<Resource, { service: string; attributes: Record<string, string> }>();
const scopes = new WeakMap<InstrumentationScope, Record<string, string>>();

export function sharedResource(resource: Resource): { service: string; attributes: Record<string, string> } {
  let shared = resources.get(resource);
  if (shared === undefined) {
    shared = { service: serviceName(resource), attributes: attributeMap(resource.attributes) };
    resources.set(resource, shared);
  }
  return shared;
}

export function sharedScope(scope: InstrumentationScope): Record<string, string> {
  let shared = scopes.get(scope);
  if (shared === undefined) {
    shared = attributeMap(scope.attributes);
    scopes.set(scope, shared);
  }
  return shared;
}

/** A Map(LowCardinality(String), String) as a JSON object of strings. */
export function attributeMap(attributes: Attributes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key in attributes) out[key] = valueText(attributes[key] as AttributeValue);
  return out;
}

/** DateTime64(9) exactly, as the text "seconds.nanoseconds" (a JSON number would pass through a double). */
export function dateTime64(ns: bigint): string {
  const digits = (ns < 0n ? 0n : ns).toString();
  return digits.length > 9 ? `${digits.slice(0, -9)}.${digits.slice(-9)}` : `0.${digits.padStart(9, '0')}`;
}

let lastStart = -1n;
let lastStartText = '';

/** dateTime64 for start times, keeping the last: the points of a cumulative series share theirs. */
function startTime(ns: bigint): string {
  if (ns !== lastStart) {
    lastStartText = dateTime64(ns);
    lastStart = ns;
  }
  return lastStartText;
}

/** A Float64 value; ClickHouse reads "nan", "inf" and "-inf" in quotes. int64 values become the nearest double, as in the Collector. */
export function float(value: number | bigint): number | string {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (Number.isFinite(n)) return n;
  return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
}

/** Float64 values, copied only when one needs a text form (NaN, ±Inf). */
function floats(values: readonly number[]): readonly (number | string)[] {
  for (const v of values) if (!Number.isFinite(v)) return values.map(float);
  return values;
}

/** A UInt64 beyond 2^53 goes as a string so JSON does not round it. */
function uint64(value: bigint): number | string {
  return value <= 9_007_199_254_740_991n ? Number(value) : String(value);
}

/** OTLP AggregationTemporality numbers, as the Collector stores them. */
function temporality(t: Temporality): number {
  return t === 'delta' ? 1 : t === 'cumulative' ? 2 : 0;
}
