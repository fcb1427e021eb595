/**
 * The shapes of decoded OTLP messages, as both decoders hand them to the converters: protobufjs message
 * instances (protobuf) or instances of the same classes filled from JSON (json.ts). Absent scalars read as
 * their proto3 default from the prototype, absent messages and oneof members as null.
 */
import type Long from 'long';

/** 64-bit integers: Long from the protobuf reader, bigint from JSON. */
export type Int64 = Long | bigint;
/** Ids: bytes from protobuf, a hex string from JSON (OTLP/JSON sends trace and span ids as hex). */
export type Id = Uint8Array | string;

export interface AnyValueMsg {
  stringValue: string | null;
  boolValue: boolean | null;
  intValue: Int64 | null;
  doubleValue: number | null;
  arrayValue: { values: AnyValueMsg[] } | null;
  kvlistValue: { values: KeyValueMsg[] } | null;
  bytesValue: Uint8Array | null;
}

export interface KeyValueMsg {
  key: string;
  value: AnyValueMsg | null;
}

export interface ResourceMsg {
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
}

export interface ScopeMsg {
  name: string;
  version: string;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
}

export interface EventMsg {
  timeUnixNano: Int64;
  name: string;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
}

export interface LinkMsg {
  traceId: Id;
  spanId: Id;
  traceState: string;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
  flags: number;
}

export interface SpanMsg {
  traceId: Id;
  spanId: Id;
  traceState: string;
  parentSpanId: Id;
  flags: number;
  name: string;
  kind: number;
  startTimeUnixNano: Int64;
  endTimeUnixNano: Int64;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
  events: EventMsg[];
  droppedEventsCount: number;
  links: LinkMsg[];
  droppedLinksCount: number;
  status: { code: number; message: string } | null;
}

export interface TraceRequestMsg {
  resourceSpans: {
    resource: ResourceMsg | null;
    schemaUrl: string;
    scopeSpans: { scope: ScopeMsg | null; schemaUrl: string; spans: SpanMsg[] }[];
  }[];
}

export interface ExemplarMsg {
  filteredAttributes: KeyValueMsg[];
  timeUnixNano: Int64;
  asDouble: number | null;
  asInt: Int64 | null;
  spanId: Id;
  traceId: Id;
}

export interface PointBaseMsg {
  attributes: KeyValueMsg[];
  startTimeUnixNano: Int64;
  timeUnixNano: Int64;
  flags: number;
}

export interface PointWithExemplarsMsg extends PointBaseMsg {
  exemplars: ExemplarMsg[];
}

export interface NumberPointMsg extends PointWithExemplarsMsg {
  asDouble: number | null;
  asInt: Int64 | null;
}

export interface HistogramPointMsg extends PointWithExemplarsMsg {
  count: Int64;
  sum: number | null;
  bucketCounts: Int64[];
  explicitBounds: number[];
  min: number | null;
  max: number | null;
}

export interface BucketsMsg {
  offset: number;
  bucketCounts: Int64[];
}

export interface ExpHistogramPointMsg extends PointWithExemplarsMsg {
  count: Int64;
  sum: number | null;
  scale: number;
  zeroCount: Int64;
  positive: BucketsMsg | null;
  negative: BucketsMsg | null;
  min: number | null;
  max: number | null;
  zeroThreshold: number;
}

export interface SummaryPointMsg extends PointBaseMsg {
  count: Int64;
  sum: number;
  quantileValues: { quantile: number; value: number }[];
}

export interface MetricMsg {
  name: string;
  description: string;
  unit: string;
  metadata: KeyValueMsg[];
  gauge: { dataPoints: NumberPointMsg[] } | null;
  sum: { dataPoints: NumberPointMsg[]; aggregationTemporality: number; isMonotonic: boolean } | null;
  histogram: { dataPoints: HistogramPointMsg[]; aggregationTemporality: number } | null;
  exponentialHistogram: { dataPoints: ExpHistogramPointMsg[]; aggregationTemporality: number } | null;
  summary: { dataPoints: SummaryPointMsg[] } | null;
}

export interface MetricsRequestMsg {
  resourceMetrics: {
    resource: ResourceMsg | null;
    schemaUrl: string;
    scopeMetrics: { scope: ScopeMsg | null; schemaUrl: string; metrics: MetricMsg[] }[];
  }[];
}

export interface LogRecordMsg {
  timeUnixNano: Int64;
  observedTimeUnixNano: Int64;
  severityNumber: number;
  severityText: string;
  body: AnyValueMsg | null;
  attributes: KeyValueMsg[];
  droppedAttributesCount: number;
  flags: number;
  traceId: Id;
  spanId: Id;
  eventName: string;
}

export interface LogsRequestMsg {
  resourceLogs: {
    resource: ResourceMsg | null;
    schemaUrl: string;
    scopeLogs: { scope: ScopeMsg | null; schemaUrl: string; logRecords: LogRecordMsg[] }[];
  }[];
}
