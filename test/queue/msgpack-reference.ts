/**
 * The reference the queue's binary format (src/queue/binary-format.ts) is held equal to: one TelemetryBatch as
 * msgpack through msgpackr, a library made for the job (it was the queue format of the first 0.1 development
 * builds, version byte 1). Only test/queue/codec.test.ts and bench/codec-micro.ts use it; the gateway neither
 * writes nor reads it.
 *
 * Layout: [resources, scopes, descriptors, points, spans, log records] (the log records are not in what those
 * builds wrote: the reference carries them for the differential). Resources, scopes and metric
 * descriptors are shared by reference across items in the model, so they are written once into tables
 * and items refer to them by index; decoding rebuilds one shared object per table entry. Items are
 * positional tuples (no key names per point).
 *
 * msgpackr with `int64AsType: 'bigint'` keeps int64 (bigint) and double (number) apart, NaN/±Inf exact;
 * `useRecords` writes each attribute-key set once per payload. Known loss: -0 decodes as 0.
 */
import { Packr } from 'msgpackr';
import { Interner } from '../../src/queue/interner.js';
import type {
  AttributeValue,
  Attributes,
  Exemplar,
  InstrumentationScope,
  LogRecord,
  MetricDescriptor,
  MetricPoint,
  Resource,
  Span,
  TelemetryBatch,
} from '../../src/model/index.js';

export const MSGPACK_VERSION = 1;

// No structures shared across payloads on purpose: each payload decodes on its own, in any process, after any restart.
const packr = new Packr({ useRecords: true, int64AsType: 'bigint' });

/** A batch as a version-1 payload (the version byte first). */
export function encodeMsgpack(batch: TelemetryBatch): Uint8Array {
  const resources = new Interner<Resource>();
  const scopes = new Interner<InstrumentationScope>();
  const descriptors = new Interner<MetricDescriptor>();
  const refs = {
    resource: (r: Resource) => resources.of(r),
    scope: (s: InstrumentationScope) => scopes.of(s),
    metric: (m: MetricDescriptor) => descriptors.of(m),
  };
  const points = batch.metrics.map((p) => pointToTuple(p, refs));
  const spans = batch.spans.map((s) => spanToTuple(s, refs));
  const logs = batch.logs.map((r) => logRecordToTuple(r, refs));
  const body = packr.pack([
    resources.items.map((r) => [r.attributes, r.droppedAttributesCount, r.schemaUrl]),
    scopes.items.map((s) => [s.name, s.version, s.attributes, s.droppedAttributesCount, s.schemaUrl]),
    descriptors.items.map((m) => [m.name, m.description, m.unit, m.type, m.temporality, m.monotonic, m.metadata]),
    points,
    spans,
    logs,
  ]);
  const out = new Uint8Array(body.length + 1);
  out[0] = MSGPACK_VERSION;
  out.set(body, 1);
  return out;
}

/** A version-1 payload (version byte included) back into the model; throws a plain Error on malformed bytes. */
export function decodeMsgpack(bytes: Uint8Array): TelemetryBatch {
  // A plain Uint8Array view (not a Buffer), so bytes attributes decode as Uint8Array as the model says.
  const body = new Uint8Array(bytes.buffer, bytes.byteOffset + 1, bytes.byteLength - 1);
  const decoded: unknown = packr.unpack(body);
  if (!Array.isArray(decoded) || decoded.length !== 6) throw new Error('not a telemetry batch');
  const [resources, scopes, descriptors, points, spans, logs] = decoded as unknown[][];
  const tables: Tables = {
    resources: resources!.map((r) => {
      const [attributes, droppedAttributesCount, schemaUrl] = r as [Attributes, number, string];
      return { attributes, droppedAttributesCount, schemaUrl };
    }),
    scopes: scopes!.map((s) => {
      const [name, version, attributes, droppedAttributesCount, schemaUrl] = s as [string, string, Attributes, number, string];
      return { name, version, attributes, droppedAttributesCount, schemaUrl };
    }),
    descriptors: descriptors!.map((m) => {
      const [name, description, unit, type, temporality, monotonic, metadata] = m as [
        string,
        string,
        string,
        MetricDescriptor['type'],
        MetricDescriptor['temporality'],
        boolean,
        Attributes,
      ];
      return { name, description, unit, type, temporality, monotonic, metadata };
    }),
  };
  return {
    metrics: points!.map((t) => tupleToPoint(t as unknown[], tables)),
    spans: spans!.map((t) => tupleToSpan(t as unknown[], tables)),
    logs: logs!.map((t) => tupleToLogRecord(t as unknown[], tables)),
  };
}

// ---- item tuples: field order is the layout ----

interface Refs {
  resource(r: Resource): number;
  scope(s: InstrumentationScope): number;
  metric(m: MetricDescriptor): number;
}

interface Tables {
  readonly resources: Resource[];
  readonly scopes: InstrumentationScope[];
  readonly descriptors: MetricDescriptor[];
}

const POINT_TYPE_CODES: Record<MetricPoint['type'], number> = { gauge: 0, sum: 1, histogram: 2, exponential_histogram: 3, summary: 4 };

function table<T>(items: readonly T[], index: unknown, what: string): T {
  const item = items[index as number];
  if (item === undefined) throw new Error(`${what} reference ${String(index)} is out of range`);
  return item;
}

const exemplarToTuple = (e: Exemplar): unknown[] => [e.filteredAttributes, e.timeUnixNano, e.value, e.traceId, e.spanId];
function tupleToExemplar(t: unknown[]): Exemplar {
  const [filteredAttributes, timeUnixNano, value, traceId, spanId] = t as [Attributes, bigint, number | bigint, string, string];
  return { filteredAttributes, timeUnixNano, value, traceId, spanId };
}

function pointToTuple(p: MetricPoint, refs: Refs): unknown[] {
  const code = POINT_TYPE_CODES[p.type];
  const r = refs.resource(p.resource);
  const s = refs.scope(p.scope);
  const m = refs.metric(p.metric);
  const ex = p.exemplars.length === 0 ? 0 : p.exemplars.map(exemplarToTuple);
  // One array literal per type: growing a tuple with push() was measured 3x slower.
  switch (p.type) {
    case 'gauge':
    case 'sum':
      return [code, r, s, m, p.attributes, p.startTimeUnixNano, p.timeUnixNano, p.flags, ex, p.value];
    case 'histogram':
      return [
        code,
        r,
        s,
        m,
        p.attributes,
        p.startTimeUnixNano,
        p.timeUnixNano,
        p.flags,
        ex,
        p.count,
        p.sum,
        p.bucketCounts,
        p.explicitBounds,
        p.min,
        p.max,
      ];
    case 'exponential_histogram':
      return [
        code,
        r,
        s,
        m,
        p.attributes,
        p.startTimeUnixNano,
        p.timeUnixNano,
        p.flags,
        ex,
        p.count,
        p.sum,
        p.scale,
        p.zeroCount,
        p.zeroThreshold,
        p.positive.offset,
        p.positive.bucketCounts,
        p.negative.offset,
        p.negative.bucketCounts,
        p.min,
        p.max,
      ];
    case 'summary': {
      const flat: number[] = [];
      for (const q of p.quantileValues) flat.push(q.quantile, q.value);
      return [code, r, s, m, p.attributes, p.startTimeUnixNano, p.timeUnixNano, p.flags, ex, p.count, p.sum, flat];
    }
  }
}

// Object literals written out in full (no spread of a shared base): V8 builds them with one fixed shape, fast.
function tupleToPoint(t: unknown[], tables: Tables): MetricPoint {
  const resource = table(tables.resources, t[1], 'resource');
  const scope = table(tables.scopes, t[2], 'scope');
  const metric = table(tables.descriptors, t[3], 'metric descriptor');
  const attributes = t[4] as Attributes;
  const startTimeUnixNano = t[5] as bigint;
  const timeUnixNano = t[6] as bigint;
  const flags = t[7] as number;
  const exemplars = t[8] === 0 ? [] : (t[8] as unknown[][]).map(tupleToExemplar);
  const code = t[0];
  switch (code) {
    case 0:
    case 1:
      return {
        type: code === 0 ? 'gauge' : 'sum',
        resource,
        scope,
        metric,
        attributes,
        startTimeUnixNano,
        timeUnixNano,
        flags,
        exemplars,
        value: t[9] as number | bigint,
      };
    case 2:
      return {
        type: 'histogram',
        resource,
        scope,
        metric,
        attributes,
        startTimeUnixNano,
        timeUnixNano,
        flags,
        exemplars,
        count: t[9] as number,
        sum: t[10] as number | undefined,
        bucketCounts: t[11] as number[],
        explicitBounds: t[12] as number[],
        min: t[13] as number | undefined,
        max: t[14] as number | undefined,
      };
    case 3:
      return {
        type: 'exponential_histogram',
        resource,
        scope,
        metric,
        attributes,
        startTimeUnixNano,
        timeUnixNano,
        flags,
        exemplars,
        count: t[9] as number,
        sum: t[10] as number | undefined,
        scale: t[11] as number,
        zeroCount: t[12] as number,
        zeroThreshold: t[13] as number,
        positive: { offset: t[14] as number, bucketCounts: t[15] as number[] },
        negative: { offset: t[16] as number, bucketCounts: t[17] as number[] },
        min: t[18] as number | undefined,
        max: t[19] as number | undefined,
      };
    case 4: {
      const flat = t[11] as number[];
      const quantileValues = [];
      for (let i = 0; i < flat.length; i += 2) quantileValues.push({ quantile: flat[i] as number, value: flat[i + 1] as number });
      return {
        type: 'summary',
        resource,
        scope,
        metric,
        attributes,
        startTimeUnixNano,
        timeUnixNano,
        flags,
        exemplars,
        count: t[9] as number,
        sum: t[10] as number,
        quantileValues,
      };
    }
    default:
      throw new Error(`unknown point type code ${String(code)}`);
  }
}

function spanToTuple(s: Span, refs: Refs): unknown[] {
  return [
    refs.resource(s.resource),
    refs.scope(s.scope),
    s.traceId,
    s.spanId,
    s.parentSpanId,
    s.traceState,
    s.flags,
    s.name,
    s.kind,
    s.startTimeUnixNano,
    s.endTimeUnixNano,
    s.attributes,
    s.droppedAttributesCount,
    s.events.length === 0 ? 0 : s.events.map((e) => [e.timeUnixNano, e.name, e.attributes, e.droppedAttributesCount]),
    s.droppedEventsCount,
    s.links.length === 0 ? 0 : s.links.map((l) => [l.traceId, l.spanId, l.traceState, l.attributes, l.droppedAttributesCount, l.flags]),
    s.droppedLinksCount,
    s.status.code,
    s.status.message,
  ];
}

function tupleToSpan(t: unknown[], tables: Tables): Span {
  const events =
    t[13] === 0
      ? []
      : (t[13] as unknown[][]).map((e) => {
          const [timeUnixNano, name, attributes, droppedAttributesCount] = e as [bigint, string, Attributes, number];
          return { timeUnixNano, name, attributes, droppedAttributesCount };
        });
  const links =
    t[15] === 0
      ? []
      : (t[15] as unknown[][]).map((l) => {
          const [traceId, spanId, traceState, attributes, droppedAttributesCount, flags] = l as [string, string, string, Attributes, number, number];
          return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
        });
  return {
    resource: table(tables.resources, t[0], 'resource'),
    scope: table(tables.scopes, t[1], 'scope'),
    traceId: t[2] as string,
    spanId: t[3] as string,
    parentSpanId: t[4] as string,
    traceState: t[5] as string,
    flags: t[6] as number,
    name: t[7] as string,
    kind: t[8] as Span['kind'],
    startTimeUnixNano: t[9] as bigint,
    endTimeUnixNano: t[10] as bigint,
    attributes: t[11] as Attributes,
    droppedAttributesCount: t[12] as number,
    events,
    droppedEventsCount: t[14] as number,
    links,
    droppedLinksCount: t[16] as number,
    status: { code: t[17] as Span['status']['code'], message: t[18] as string },
  };
}

function logRecordToTuple(r: LogRecord, refs: Refs): unknown[] {
  return [
    refs.resource(r.resource),
    refs.scope(r.scope),
    r.timeUnixNano,
    r.observedTimeUnixNano,
    r.severityNumber,
    r.severityText,
    r.body,
    r.attributes,
    r.droppedAttributesCount,
    r.flags,
    r.traceId,
    r.spanId,
    r.eventName,
  ];
}

function tupleToLogRecord(t: unknown[], tables: Tables): LogRecord {
  return {
    resource: table(tables.resources, t[0], 'resource'),
    scope: table(tables.scopes, t[1], 'scope'),
    timeUnixNano: t[2] as bigint,
    observedTimeUnixNano: t[3] as bigint,
    severityNumber: t[4] as number,
    severityText: t[5] as string,
    body: t[6] as AttributeValue,
    attributes: t[7] as Attributes,
    droppedAttributesCount: t[8] as number,
    flags: t[9] as number,
    traceId: t[10] as string,
    spanId: t[11] as string,
    eventName: t[12] as string,
  };
}
