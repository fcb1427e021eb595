/**
 * The model → line protocol: metric points in the Collector's telegraf-prometheus-v1 or -v2 schema, spans
 * (with their events and links) in the Collector's `spans` / `logs` / `span-links` measurements, log records in
 * its `logs` measurement (log-lines.ts).
 * The README in this folder shows every shape with an example line.
 */
import {
  type AttributeValue,
  type Attributes,
  FLAG_NO_RECORDED_VALUE,
  type InstrumentationScope,
  type LogRecord,
  logTime,
  type MetricPoint,
  type Resource,
  SPAN_KIND_NAMES,
  STATUS_CODE_NAMES,
  type Span,
  attributeToString,
  toJsonValue,
} from '../../model/index.js';
import type { InfluxConfig, MetricsSchema } from './config.js';
import { type LineBuilder, type TagList, cleanName, formatFloat, writableTime } from './line.js';
import { LineWriter } from './line-writer.js';
import { SKIP_EMPTY_LOG, logLine } from './log-lines.js';

export const SKIP_EXPONENTIAL = 'exponential histogram (no representation in the telegraf-prometheus schemas)';
export const SKIP_NO_VALUE = 'no recorded value (flag set)';
export const SKIP_NOT_FINITE = 'NaN or ±Inf value (line protocol cannot carry it)';
export const SKIP_NO_NAME = 'metric without a name';
export const SKIP_TIME = "timestamp outside InfluxDB's range (int64 ns)";
export const SKIP_LONG_KEY = 'series key over 65,535 bytes (InfluxDB refuses it)';

/** Scope tags, as the Collector names them. */
const SCOPE_NAME = 'otel.library.name';
const SCOPE_VERSION = 'otel.library.version';

export interface Translation {
  readonly lines: string[];
  /** Metric points, spans and log records that became lines. */
  readonly written: number;
  readonly skipped: Map<string, number>;
  readonly droppedFields: number;
  readonly droppedLines: number;
}

/** A tag value as the Collector writes it: doubles without an exponent, arrays and maps as JSON. */
function tagValue(value: AttributeValue): string {
  return typeof value === 'number' ? formatFloat(value) : attributeToString(value);
}

function attributeTags(attributes: Attributes): [string, string][] {
  const tags: [string, string][] = [];
  for (const key in attributes) tags.push([key, tagValue(attributes[key] as AttributeValue)]);
  return tags;
}

/** Why a point wrote no line: no finite value left, or a series key InfluxDB refuses. */
function refusalReason(builder: LineBuilder): string {
  return builder.refusal === 'long_key' ? SKIP_LONG_KEY : SKIP_NOT_FINITE;
}

export class Translator {
  /** Resource + scope tags, one list per pair of shared objects: a batch has few of them and many points. */
  private readonly sharedTags = new WeakMap<Resource, WeakMap<InstrumentationScope, TagList>>();
  private readonly resourceJsons = new WeakMap<Resource, Map<string, string | undefined>>();
  private readonly schema: MetricsSchema;
  private readonly dimensions: readonly string[];
  private readonly measurements: InfluxConfig['measurements'];

  constructor(
    config: Pick<InfluxConfig, 'metrics_schema' | 'span_dimensions' | 'measurements'>,
    /** The encoder: the hand-written writer; tests and the benchmark pass Point's (test/adapters/influxdb/point-encoder-reference.ts). */
    private readonly newBuilder: () => LineBuilder = () => new LineWriter(),
  ) {
    this.schema = config.metrics_schema;
    this.dimensions = config.span_dimensions;
    this.measurements = config.measurements;
  }

  translate(metrics: readonly MetricPoint[], spans: readonly Span[], logs: readonly LogRecord[] = []): Translation {
    const builder = this.newBuilder();
    const skipped = new Map<string, number>();
    const skip = (reason: string): void => void skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
    let written = 0;
    for (const point of metrics) {
      const reason = this.schema === 'telegraf-prometheus-v1' ? this.metricV1(builder, point) : this.metricV2(builder, point);
      if (reason === undefined) written++;
      else skip(reason);
    }
    for (const span of spans) {
      if (!writableTime(span.startTimeUnixNano)) {
        skip(SKIP_TIME);
        continue;
      }
      if (this.span(builder, span)) written++;
      else skip(SKIP_LONG_KEY);
    }
    for (const record of logs) {
      if (!writableTime(logTime(record))) {
        skip(SKIP_TIME);
        continue;
      }
      const line = builder.begin(this.measurements.logs).baseTags(this.tagsOf(record.resource, record.scope));
      if (logLine(line, record, jsonWithout(record.attributes))) written++;
      else skip(builder.refusal === 'long_key' ? SKIP_LONG_KEY : SKIP_EMPTY_LOG);
    }
    return { lines: builder.lines, written, skipped, droppedFields: builder.droppedFields, droppedLines: builder.droppedLines };
  }

  private commonTags(builder: LineBuilder, point: MetricPoint): void {
    builder.baseTags(this.tagsOf(point.resource, point.scope));
    // Point attributes last: on a key clash they win over resource attributes.
    for (const key in point.attributes) builder.tag(key, tagValue(point.attributes[key] as AttributeValue));
  }

  private unwritable(point: MetricPoint): string | undefined {
    if (cleanName(point.metric.name) === '') return SKIP_NO_NAME;
    if ((point.flags & FLAG_NO_RECORDED_VALUE) !== 0) return SKIP_NO_VALUE;
    if (point.type === 'exponential_histogram') return SKIP_EXPONENTIAL;
    if (!writableTime(point.timeUnixNano)) return SKIP_TIME;
    return undefined;
  }

  /** measurement = metric name; fields gauge | counter | count, sum, min, max, <bound>… | count, sum, <quantile>…. */
  private metricV1(builder: LineBuilder, point: MetricPoint): string | undefined {
    const unwritable = this.unwritable(point);
    if (unwritable !== undefined) return unwritable;
    builder.begin(point.metric.name);
    this.commonTags(builder, point);
    switch (point.type) {
      case 'gauge':
        builder.number('gauge', point.value);
        break;
      case 'sum':
        builder.number(point.metric.monotonic ? 'counter' : 'gauge', point.value);
        break;
      case 'histogram': {
        builder.float('count', point.count);
        if (point.sum !== undefined) builder.float('sum', point.sum);
        if (point.min !== undefined) builder.float('min', point.min);
        if (point.max !== undefined) builder.float('max', point.max);
        let cumulative = 0;
        for (let i = 0; i < point.explicitBounds.length; i++) {
          cumulative += point.bucketCounts[i] ?? 0;
          builder.float(formatFloat(point.explicitBounds[i]!), cumulative);
        }
        break;
      }
      case 'summary':
        builder.float('count', point.count);
        builder.float('sum', point.sum);
        for (const { quantile, value } of point.quantileValues) builder.float(formatFloat(quantile), value);
        break;
      case 'exponential_histogram':
        break;
    }
    if (point.startTimeUnixNano !== 0n) builder.meta('start_time_unix_nano', point.startTimeUnixNano);
    return builder.end(point.timeUnixNano) ? undefined : refusalReason(builder);
  }

  /**
   * measurement `prometheus`; field = metric name (`_bucket` with an `le` tag per bucket, `_sum`, `_count`;
   * `quantile` tags for summaries). A point is written when at least one of its lines is.
   */
  private metricV2(builder: LineBuilder, point: MetricPoint): string | undefined {
    const unwritable = this.unwritable(point);
    if (unwritable !== undefined) return unwritable;
    const name = point.metric.name;
    const line = (extraTag?: readonly [string, string]): LineBuilder => {
      builder.begin('prometheus');
      this.commonTags(builder, point);
      if (extraTag) builder.tag(extraTag[0], extraTag[1]);
      return builder;
    };
    // No start_time_unix_nano here: every metric of a series shares one point of `prometheus` at a timestamp.
    const end = (): boolean => builder.end(point.timeUnixNano);
    let any = false;
    switch (point.type) {
      case 'gauge':
      case 'sum':
        line().number(name, point.value);
        any = end();
        break;
      case 'histogram': {
        const summary = line().float(`${name}_count`, point.count);
        if (point.sum !== undefined) summary.float(`${name}_sum`, point.sum);
        if (point.min !== undefined) summary.float(`${name}_min`, point.min);
        if (point.max !== undefined) summary.float(`${name}_max`, point.max);
        any = end();
        let cumulative = 0;
        for (let i = 0; i < point.explicitBounds.length; i++) {
          cumulative += point.bucketCounts[i] ?? 0;
          line(['le', formatFloat(point.explicitBounds[i]!)]).float(`${name}_bucket`, cumulative);
          any = end() || any;
        }
        line(['le', '+Inf']).float(`${name}_bucket`, point.count);
        any = end() || any;
        break;
      }
      case 'summary': {
        line().float(`${name}_count`, point.count).float(`${name}_sum`, point.sum);
        any = end();
        for (const { quantile, value } of point.quantileValues) {
          line(['quantile', formatFloat(quantile)]).float(name, value);
          any = end() || any;
        }
        break;
      }
      case 'exponential_histogram':
        break;
    }
    return any ? undefined : refusalReason(builder);
  }

  /** One `spans` line at the start time, one `logs` line per event, one `span-links` line per link. False when the span's own line could not be written. */
  private span(builder: LineBuilder, span: Span): boolean {
    const promoted = new Set<string>();
    builder.begin(this.measurements.spans).tag('trace_id', span.traceId).tag('span_id', span.spanId);
    for (const dimension of this.dimensions) {
      const value = this.dimension(span, dimension, promoted);
      if (value !== undefined) builder.tag(dimension, value);
    }
    builder.string('name', span.name).string('kind', SPAN_KIND_NAMES[span.kind] ?? String(span.kind));
    if (span.parentSpanId !== '') builder.string('parent_span_id', span.parentSpanId);
    if (span.traceState !== '') builder.string('trace_state', span.traceState);
    builder.int('end_time_unix_nano', span.endTimeUnixNano).int('duration_nano', span.endTimeUnixNano - span.startTimeUnixNano);
    if (span.status.code !== 0) builder.string('otel.status_code', STATUS_CODE_NAMES[span.status.code] ?? String(span.status.code));
    if (span.status.message !== '') builder.string('otel.status_description', span.status.message);
    if (span.scope.name !== '') builder.string(SCOPE_NAME, span.scope.name);
    if (span.scope.version !== '') builder.string(SCOPE_VERSION, span.scope.version);
    const attributes = jsonWithout(span.attributes, promoted, 'span.');
    if (attributes !== undefined) builder.string('attributes', attributes);
    const resourceAttributes = this.resourceJson(span.resource, promoted);
    if (resourceAttributes !== undefined) builder.string('resource_attributes', resourceAttributes);
    if (span.droppedAttributesCount > 0) builder.int('dropped_attributes_count', span.droppedAttributesCount);
    if (span.droppedEventsCount > 0) builder.int('dropped_events_count', span.droppedEventsCount);
    if (span.droppedLinksCount > 0) builder.int('dropped_links_count', span.droppedLinksCount);
    if (!builder.end(span.startTimeUnixNano)) return false;

    for (const event of span.events) {
      builder.begin(this.measurements.span_events).tag('trace_id', span.traceId).tag('span_id', span.spanId).string('name', event.name);
      const json = jsonWithout(event.attributes);
      if (json !== undefined) builder.string('attributes', json);
      if (event.droppedAttributesCount > 0) builder.int('dropped_attributes_count', event.droppedAttributesCount);
      builder.end(event.timeUnixNano);
    }
    for (const link of span.links) {
      builder
        .begin(this.measurements.span_links)
        .tag('trace_id', span.traceId)
        .tag('span_id', span.spanId)
        .tag('linked_trace_id', link.traceId)
        .tag('linked_span_id', link.spanId)
        .string('attributes', jsonWithout(link.attributes) ?? '{}');
      if (link.traceState !== '') builder.string('trace_state', link.traceState);
      if (link.droppedAttributesCount > 0) builder.int('dropped_attributes_count', link.droppedAttributesCount);
      builder.end(span.startTimeUnixNano);
    }
    return true;
  }

  /** `span.name`, `span.kind`, else a span attribute, else a resource attribute. Records which was used. */
  private dimension(span: Span, key: string, promoted: Set<string>): string | undefined {
    if (key === 'span.name') return span.name;
    if (key === 'span.kind') return SPAN_KIND_NAMES[span.kind];
    if (Object.hasOwn(span.attributes, key)) {
      promoted.add(`span.${key}`);
      return tagValue(span.attributes[key] as AttributeValue);
    }
    if (Object.hasOwn(span.resource.attributes, key)) {
      promoted.add(`resource.${key}`);
      return tagValue(span.resource.attributes[key] as AttributeValue);
    }
    return undefined;
  }

  /** The resource's attributes as JSON, without those promoted to tags: once per resource and promoted set, not per span. */
  private resourceJson(resource: Resource, promoted: ReadonlySet<string>): string | undefined {
    let byPromoted = this.resourceJsons.get(resource);
    if (byPromoted === undefined) this.resourceJsons.set(resource, (byPromoted = new Map()));
    let key = '';
    for (const entry of promoted) if (entry.startsWith('resource.')) key += `${entry}\u0000`;
    if (!byPromoted.has(key)) byPromoted.set(key, jsonWithout(resource.attributes, promoted, 'resource.'));
    return byPromoted.get(key);
  }

  private tagsOf(resource: Resource, scope: InstrumentationScope): TagList {
    let byScope = this.sharedTags.get(resource);
    if (byScope === undefined) this.sharedTags.set(resource, (byScope = new WeakMap()));
    let tags = byScope.get(scope);
    if (tags === undefined) {
      const list = attributeTags(resource.attributes);
      if (scope.name !== '') list.push([SCOPE_NAME, scope.name]);
      if (scope.version !== '') list.push([SCOPE_VERSION, scope.version]);
      byScope.set(scope, (tags = list));
    }
    return tags;
  }
}

/** Attributes as one JSON object (int64 beyond 2^53 as strings, bytes as base64), without promoted keys; undefined when empty. */
function jsonWithout(attributes: Attributes, promoted?: ReadonlySet<string>, prefix = ''): string | undefined {
  let json: Record<string, unknown> | undefined;
  for (const key in attributes) {
    if (promoted?.has(prefix + key)) continue;
    json ??= {};
    json[key] = toJsonValue(attributes[key] as AttributeValue);
  }
  return json === undefined ? undefined : JSON.stringify(json);
}
