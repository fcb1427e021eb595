/**
 * Model items to INSERT bodies in the OpenTelemetry Collector exporter's column layout, as
 * JSONCompactEachRow: one JSON array per row, in the order of the table's column list below (the INSERT
 * names its columns, so a later migration that adds a column with a default does not break it).
 *
 * Resource, scope and metric descriptor are shared by reference by every item under them (src/model):
 * their JSON is built once per object and reused, so a span with 14 resource attributes does not
 * serialize them again. Numbers that JSON cannot carry exactly go as strings ClickHouse parses exactly:
 * DateTime64(9) as "seconds.nanoseconds" from the bigint, NaN and infinities as "nan", "inf", "-inf".
 * Map(LowCardinality(String), String) values are strings, as the Collector writes them: int64 in full
 * decimal digits, bytes in base64, arrays and kvlists as JSON.
 */
import {
  attributeToString,
  serviceName,
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  type AttributeValue,
  type Attributes,
  type Exemplar,
  type ExponentialHistogramPoint,
  type HistogramPoint,
  type InstrumentationScope,
  type MetricDescriptor,
  type MetricPoint,
  type NumberPoint,
  type Resource,
  type Span,
  type SummaryPoint,
  type Temporality,
} from '../../model/index.js';

/** One INSERT: a table, its column list, and one JSON line per row. */
export interface TableInsert {
  readonly table: string;
  readonly columns: readonly string[];
  readonly lines: string[];
}

const RESOURCE_COLUMNS = ['ResourceAttributes', 'ResourceSchemaUrl', 'ServiceName'];
const SCOPE_COLUMNS = ['ScopeName', 'ScopeVersion', 'ScopeAttributes', 'ScopeDroppedAttrCount', 'ScopeSchemaUrl'];
/** The columns every metric table has, in metricLine's order. */
const POINT_COLUMNS = [
  ...RESOURCE_COLUMNS, ...SCOPE_COLUMNS, 'MetricName', 'MetricDescription', 'MetricUnit',
  'Attributes', 'StartTimeUnix', 'TimeUnix', 'Flags',
];
/** Every metric table but the summary one (OTLP summaries carry no exemplars). */
const EXEMPLAR_COLUMNS = ['Exemplars.FilteredAttributes', 'Exemplars.TimeUnix', 'Exemplars.Value', 'Exemplars.SpanId', 'Exemplars.TraceId'];

/** Every table this adapter writes, with its columns in the order the encoders below emit them. */
export const TABLES = {
  traces: {
    table: 'otel_traces',
    columns: [
      'ServiceName', 'ResourceAttributes', 'ScopeName', 'ScopeVersion',
      'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'SpanAttributes',
      'Duration', 'StatusCode', 'StatusMessage',
      'Events.Timestamp', 'Events.Name', 'Events.Attributes',
      'Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes',
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
      ...POINT_COLUMNS, ...EXEMPLAR_COLUMNS, 'Count', 'Sum', 'Scale', 'ZeroCount', 'PositiveOffset', 'PositiveBucketCounts',
      'NegativeOffset', 'NegativeBucketCounts', 'Min', 'Max', 'AggregationTemporality',
    ],
  },
  summary: { table: 'otel_metrics_summary', columns: [...POINT_COLUMNS, 'Count', 'Sum', 'ValueAtQuantiles.Quantile', 'ValueAtQuantiles.Value'] },
} as const satisfies Record<string, { table: string; columns: readonly string[] }>;

/** One INSERT per table that has rows, metric tables first, in TABLES order. */
export function encodeBatch(metrics: readonly MetricPoint[], spans: readonly Span[]): TableInsert[] {
  const byType: Record<MetricPoint['type'], string[]> = { gauge: [], sum: [], histogram: [], exponential_histogram: [], summary: [] };
  for (const point of metrics) byType[point.type].push(metricLine(point));
  const inserts: TableInsert[] = [];
  for (const type of ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'] as const) {
    if (byType[type].length > 0) inserts.push({ ...TABLES[type], lines: byType[type] });
  }
  if (spans.length > 0) inserts.push({ ...TABLES.traces, lines: spans.map(spanLine) });
  return inserts;
}

export function spanLine(span: Span): string {
  const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
  let events = '[],[],[]';
  if (span.events.length > 0) {
    const times: string[] = [];
    const names: string[] = [];
    const attributes: string[] = [];
    for (const event of span.events) {
      times.push(dateTime64(event.timeUnixNano));
      names.push(JSON.stringify(event.name));
      attributes.push(mapJson(event.attributes));
    }
    events = `[${times.join(',')}],[${names.join(',')}],[${attributes.join(',')}]`;
  }
  let links = '[],[],[],[]';
  if (span.links.length > 0) {
    const traceIds: string[] = [];
    const spanIds: string[] = [];
    const states: string[] = [];
    const attributes: string[] = [];
    for (const link of span.links) {
      traceIds.push(`"${link.traceId}"`);
      spanIds.push(`"${link.spanId}"`);
      states.push(JSON.stringify(link.traceState));
      attributes.push(mapJson(link.attributes));
    }
    links = `[${traceIds.join(',')}],[${spanIds.join(',')}],[${states.join(',')}],[${attributes.join(',')}]`;
  }
  return (
    `[${spanResourceJson(span.resource)},${spanScopeJson(span.scope)},${dateTime64(span.startTimeUnixNano)},` +
    // Ids are lower-case hex (src/model): nothing to escape.
    `"${span.traceId}","${span.spanId}","${span.parentSpanId}",${JSON.stringify(span.traceState)},${JSON.stringify(span.name)},` +
    `"${SPAN_KIND_NAMES[span.kind] ?? 'Unspecified'}",${mapJson(span.attributes)},${uint64(duration)},` +
    `"${STATUS_CODE_NAMES[span.status.code] ?? 'Unset'}",${JSON.stringify(span.status.message)},${events},${links}]\n`
  );
}

export function metricLine(point: MetricPoint): string {
  const head =
    `[${pointResourceJson(point.resource)},${pointScopeJson(point.scope)},${descriptorJson(point.metric)},${mapJson(point.attributes)},` +
    `${dateTime64(point.startTimeUnixNano)},${dateTime64(point.timeUnixNano)},${point.flags}`;
  switch (point.type) {
    case 'gauge':
      return `${head},${exemplarsJson(point.exemplars)},${float(point.value)}]\n`;
    case 'sum':
      return `${head},${exemplarsJson(point.exemplars)},${float(point.value)},${temporality(point.metric.temporality)},${point.metric.monotonic}]\n`;
    case 'histogram':
      return histogramLine(`${head},${exemplarsJson(point.exemplars)}`, point);
    case 'exponential_histogram':
      return exponentialLine(`${head},${exemplarsJson(point.exemplars)}`, point);
    case 'summary':
      return summaryLine(head, point);
  }
}

function histogramLine(head: string, p: HistogramPoint): string {
  return (
    `${head},${p.count},${float(p.sum ?? 0)},[${p.bucketCounts.join(',')}],[${p.explicitBounds.map(float).join(',')}],` +
    `${float(p.min ?? 0)},${float(p.max ?? 0)},${temporality(p.metric.temporality)}]\n`
  );
}

function exponentialLine(head: string, p: ExponentialHistogramPoint): string {
  return (
    `${head},${p.count},${float(p.sum ?? 0)},${p.scale},${p.zeroCount},${p.positive.offset},[${p.positive.bucketCounts.join(',')}],` +
    `${p.negative.offset},[${p.negative.bucketCounts.join(',')}],${float(p.min ?? 0)},${float(p.max ?? 0)},${temporality(p.metric.temporality)}]\n`
  );
}

function summaryLine(head: string, p: SummaryPoint): string {
  const quantiles = p.quantileValues.map((q) => float(q.quantile)).join(',');
  const values = p.quantileValues.map((q) => float(q.value)).join(',');
  return `${head},${p.count},${float(p.sum)},[${quantiles}],[${values}]]\n`;
}

function exemplarsJson(exemplars: readonly Exemplar[]): string {
  if (exemplars.length === 0) return '[],[],[],[],[]';
  const attributes: string[] = [];
  const times: string[] = [];
  const values: string[] = [];
  const spanIds: string[] = [];
  const traceIds: string[] = [];
  for (const e of exemplars) {
    attributes.push(mapJson(e.filteredAttributes));
    times.push(dateTime64(e.timeUnixNano));
    values.push(float(e.value));
    spanIds.push(`"${e.spanId}"`);
    traceIds.push(`"${e.traceId}"`);
  }
  return `[${attributes.join(',')}],[${times.join(',')}],[${values.join(',')}],[${spanIds.join(',')}],[${traceIds.join(',')}]`;
}

// JSON fragments of the objects items share, built once per object (they are immutable, src/model).
const spanResources = new WeakMap<Resource, string>();
const pointResources = new WeakMap<Resource, string>();
const spanScopes = new WeakMap<InstrumentationScope, string>();
const pointScopes = new WeakMap<InstrumentationScope, string>();
const descriptors = new WeakMap<MetricDescriptor, string>();

function cached<K extends object>(cache: WeakMap<K, string>, key: K, build: (key: K) => string): string {
  let json = cache.get(key);
  if (json === undefined) {
    json = build(key);
    cache.set(key, json);
  }
  return json;
}

/** ServiceName, ResourceAttributes. */
const spanResourceJson = (r: Resource) => cached(spanResources, r, () => `${JSON.stringify(serviceName(r))},${mapJson(r.attributes)}`);
/** ScopeName, ScopeVersion. */
const spanScopeJson = (s: InstrumentationScope) => cached(spanScopes, s, () => `${JSON.stringify(s.name)},${JSON.stringify(s.version)}`);
/** RESOURCE_COLUMNS. */
const pointResourceJson = (r: Resource) =>
  cached(pointResources, r, () => `${mapJson(r.attributes)},${JSON.stringify(r.schemaUrl)},${JSON.stringify(serviceName(r))}`);
/** SCOPE_COLUMNS. */
const pointScopeJson = (s: InstrumentationScope) =>
  cached(pointScopes, s, () => `${JSON.stringify(s.name)},${JSON.stringify(s.version)},${mapJson(s.attributes)},${s.droppedAttributesCount},${JSON.stringify(s.schemaUrl)}`);
/** MetricName, MetricDescription, MetricUnit. */
const descriptorJson = (m: MetricDescriptor) =>
  cached(descriptors, m, () => `${JSON.stringify(m.name)},${JSON.stringify(m.description)},${JSON.stringify(m.unit)}`);

/** A Map(LowCardinality(String), String) as a JSON object. */
export function mapJson(attributes: Attributes): string {
  let out = '';
  for (const key in attributes) out += `${out === '' ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(attributeText(attributes[key] as AttributeValue))}`;
  return `{${out}}`;
}

/** As the Collector's pcommon.Value.AsString(): bytes as plain base64 (not a quoted JSON string). */
export function attributeText(value: AttributeValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  return attributeToString(value);
}

/** DateTime64(9) exactly, as the text "seconds.nanoseconds" (a JSON number would pass through a double). */
export function dateTime64(ns: bigint): string {
  const digits = (ns < 0n ? 0n : ns).toString();
  return digits.length > 9 ? `"${digits.slice(0, -9)}.${digits.slice(-9)}"` : `"0.${digits.padStart(9, '0')}"`;
}

/** A Float64 value; ClickHouse reads "nan", "inf" and "-inf" in quotes. int64 values become the nearest double, as in the Collector. */
export function float(value: number | bigint): string {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (Number.isFinite(n)) return String(n);
  return Number.isNaN(n) ? '"nan"' : n > 0 ? '"inf"' : '"-inf"';
}

/** A UInt64 beyond 2^53 goes as a string so JSON does not round it. */
function uint64(value: bigint): string {
  return value <= 9_007_199_254_740_991n ? String(value) : `"${value}"`;
}

/** OTLP AggregationTemporality numbers, as the Collector stores them. */
function temporality(t: Temporality): number {
  return t === 'delta' ? 1 : t === 'cumulative' ? 2 : 0;
}
