/**
 * Writes queue payload format version 4 (the layout: binary-format.ts): the model over the byte-level writer in
 * binary-primitive-writer.ts, into one buffer reused across payloads. Held equal to a msgpack round trip (the
 * reference in test/queue/msgpack-reference.ts) by test/queue/codec.test.ts.
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
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
} from '../model/index.js';
import {
  BINARY_VERSION,
  TAG_NULL,
  TAG_FALSE,
  TAG_TRUE,
  TAG_STRING,
  TAG_DOUBLE,
  TAG_BYTES,
  TAG_ARRAY,
  TAG_KVLIST,
  POINT_CODES,
  TEMPORALITY_CODES,
  HAS_SUM,
  HAS_MIN,
  HAS_MAX,
  HAS_EXEMPLARS,
} from './binary-format.js';
import { Interner } from './interner.js';
import { MAX_KEPT_BYTES, PrimitiveWriter } from './binary-primitive-writer.js';

class Writer extends PrimitiveWriter {
  private resources = new Interner<Resource>();
  private scopes = new Interner<InstrumentationScope>();
  private descriptors = new Interner<MetricDescriptor>();
  private pointAttributeSets = new Interner<Attributes>();
  private boundsLists = new Interner<readonly number[]>();

  override begin(): void {
    super.begin();
    this.resources = new Interner();
    this.scopes = new Interner();
    this.descriptors = new Interner();
    this.pointAttributeSets = new Interner();
    this.boundsLists = new Interner();
  }

  /** Writes the reference of `value` (binary-format.ts); true when it is new here, and its fields must follow. */
  private isNew<T extends object>(interner: Interner<T>, value: T): boolean {
    const known = interner.items.length;
    const index = interner.of(value);
    this.varuint(index);
    return index === known;
  }

  /** A histogram's explicit bounds: a reference, in full at first use, as the attribute sets. */
  bounds(values: readonly number[]): void {
    if (this.isNew(this.boundsLists, values)) this.doubles(values);
  }

  /** A point's attribute set: a reference, in full at its first use. */
  pointAttributes(attributes: Attributes): void {
    if (this.isNew(this.pointAttributeSets, attributes)) this.attributes(attributes);
  }

  attributes(attributes: Attributes): void {
    for (const key in attributes) {
      this.attributeKey(key);
      this.value(attributes[key]!);
    }
    this.byte(0);
  }

  value(value: AttributeValue): void {
    switch (typeof value) {
      case 'string':
        this.byte(TAG_STRING);
        this.text(value);
        return;
      case 'number':
        this.ensure(9);
        this.buf[this.pos++] = TAG_DOUBLE;
        this.double(value);
        return;
      case 'bigint':
        this.bigint(value);
        return;
      case 'boolean':
        this.byte(value ? TAG_TRUE : TAG_FALSE);
        return;
      default:
        if (value === null) this.byte(TAG_NULL);
        else if (value instanceof Uint8Array) {
          this.byte(TAG_BYTES);
          this.varuint(value.length);
          this.ensure(value.length);
          this.buf.set(value, this.pos);
          this.pos += value.length;
        } else if (Array.isArray(value)) {
          this.byte(TAG_ARRAY);
          this.varuint(value.length);
          for (let i = 0; i < value.length; i++) this.value(value[i]!);
        } else {
          this.byte(TAG_KVLIST);
          this.attributes(value);
        }
    }
  }

  resource(resource: Resource): void {
    if (!this.isNew(this.resources, resource)) return;
    this.attributes(resource.attributes);
    this.int(resource.droppedAttributesCount);
    this.string(resource.schemaUrl);
  }

  scope(scope: InstrumentationScope): void {
    if (!this.isNew(this.scopes, scope)) return;
    this.string(scope.name);
    this.string(scope.version);
    this.attributes(scope.attributes);
    this.int(scope.droppedAttributesCount);
    this.string(scope.schemaUrl);
  }

  descriptor(metric: MetricDescriptor): void {
    if (!this.isNew(this.descriptors, metric)) return;
    this.string(metric.name);
    this.string(metric.description);
    this.string(metric.unit);
    this.byte(POINT_CODES[metric.type]);
    this.byte(TEMPORALITY_CODES[metric.temporality]);
    this.byte(metric.monotonic ? 1 : 0);
    this.attributes(metric.metadata);
  }

  doubles(values: readonly number[]): void {
    this.varuint(values.length);
    this.ensure(values.length * 8);
    for (let i = 0; i < values.length; i++) this.double(values[i]!);
  }

  ints(values: readonly number[]): void {
    this.varuint(values.length);
    for (let i = 0; i < values.length; i++) this.int(values[i]!);
  }

  exemplar(e: Exemplar): void {
    this.attributes(e.filteredAttributes);
    this.bigint(e.timeUnixNano);
    this.numberOrBigint(e.value);
    this.id(e.traceId);
    this.id(e.spanId);
  }

  point(p: MetricPoint): void {
    const type = p.type;
    // A switch, not POINT_CODES[type]: a keyed load by string measured at a sixth of the point's encoding.
    let header = type === 'sum' ? 1 : type === 'gauge' ? 0 : type === 'histogram' ? 2 : type === 'exponential_histogram' ? 3 : 4;
    if (p.exemplars.length > 0) header |= HAS_EXEMPLARS;
    if (type === 'histogram' || type === 'exponential_histogram') {
      if (p.sum !== undefined) header |= HAS_SUM;
      if (p.min !== undefined) header |= HAS_MIN;
      if (p.max !== undefined) header |= HAS_MAX;
    }
    this.byte(header);
    this.resource(p.resource);
    this.scope(p.scope);
    this.descriptor(p.metric);
    this.pointAttributes(p.attributes);
    this.bigint(p.startTimeUnixNano);
    this.bigint(p.timeUnixNano);
    this.int(p.flags);
    if (p.exemplars.length > 0) {
      this.varuint(p.exemplars.length);
      for (let i = 0; i < p.exemplars.length; i++) this.exemplar(p.exemplars[i]!);
    }
    switch (p.type) {
      case 'gauge':
      case 'sum':
        this.numberOrBigint(p.value);
        return;
      case 'histogram':
        this.int(p.count);
        if (p.sum !== undefined) this.double(p.sum);
        this.ints(p.bucketCounts);
        this.bounds(p.explicitBounds);
        if (p.min !== undefined) this.double(p.min);
        if (p.max !== undefined) this.double(p.max);
        return;
      case 'exponential_histogram':
        this.int(p.count);
        if (p.sum !== undefined) this.double(p.sum);
        this.int(p.scale);
        this.int(p.zeroCount);
        this.double(p.zeroThreshold);
        this.int(p.positive.offset);
        this.ints(p.positive.bucketCounts);
        this.int(p.negative.offset);
        this.ints(p.negative.bucketCounts);
        if (p.min !== undefined) this.double(p.min);
        if (p.max !== undefined) this.double(p.max);
        return;
      case 'summary':
        this.int(p.count);
        this.double(p.sum);
        this.varuint(p.quantileValues.length);
        for (const q of p.quantileValues) {
          this.double(q.quantile);
          this.double(q.value);
        }
        return;
    }
  }

  span(s: Span): void {
    this.resource(s.resource);
    this.scope(s.scope);
    this.id(s.traceId);
    this.id(s.spanId);
    this.id(s.parentSpanId);
    this.text(s.traceState);
    this.int(s.flags);
    this.text(s.name);
    this.int(s.kind);
    this.bigint(s.startTimeUnixNano);
    this.bigint(s.endTimeUnixNano);
    this.attributes(s.attributes);
    this.int(s.droppedAttributesCount);
    this.varuint(s.events.length);
    for (let i = 0; i < s.events.length; i++) {
      const e = s.events[i]!;
      this.bigint(e.timeUnixNano);
      this.text(e.name);
      this.attributes(e.attributes);
      this.int(e.droppedAttributesCount);
    }
    this.int(s.droppedEventsCount);
    this.varuint(s.links.length);
    for (let i = 0; i < s.links.length; i++) {
      const l = s.links[i]!;
      this.id(l.traceId);
      this.id(l.spanId);
      this.text(l.traceState);
      this.attributes(l.attributes);
      this.int(l.droppedAttributesCount);
      this.int(l.flags);
    }
    this.int(s.droppedLinksCount);
    this.int(s.status.code);
    this.text(s.status.message);
  }

  logRecord(r: LogRecord): void {
    this.resource(r.resource);
    this.scope(r.scope);
    this.bigint(r.timeUnixNano);
    this.bigint(r.observedTimeUnixNano);
    this.int(r.severityNumber);
    this.text(r.severityText);
    this.value(r.body);
    this.attributes(r.attributes);
    this.int(r.droppedAttributesCount);
    this.int(r.flags);
    this.id(r.traceId);
    this.id(r.spanId);
    this.text(r.eventName);
  }
}

/** One writer per thread: encoding is synchronous and the result is copied out. */
let writer: Writer | undefined;

/**
 * A batch as a version-4 payload (the version byte first), handed to `use` as a view of the writer's own buffer:
 * valid only during the call (the next payload overwrites it). What `use` returns is returned.
 */
export function withEncodedBinary<R>(batch: TelemetryBatch, use: (payload: Uint8Array) => R): R {
  return withWriter((w) => {
    w.varuint(batch.metrics.length);
    for (let i = 0; i < batch.metrics.length; i++) w.point(batch.metrics[i]!);
    w.varuint(batch.spans.length);
    for (let i = 0; i < batch.spans.length; i++) w.span(batch.spans[i]!);
    w.varuint(batch.logs.length);
    for (let i = 0; i < batch.logs.length; i++) w.logRecord(batch.logs[i]!);
    return use(w.buf.subarray(0, w.pos));
  });
}

/** The thread's writer, begun on a payload with its version byte written, for `write`; what `write` returns. */
function withWriter<R>(write: (w: Writer) => R): R {
  writer ??= new Writer();
  const w = writer;
  w.begin();
  w.byte(BINARY_VERSION);
  const result = write(w);
  if (w.buf.length > MAX_KEPT_BYTES) writer = undefined; // one huge payload should not hold its buffer for ever
  return result;
}

/** The writer's methods a payload written straight from OTLP bytes uses (src/ingest/logs-one-pass.ts). */
export interface LogsLayoutWriter {
  resource(resource: Resource): void;
  scope(scope: InstrumentationScope): void;
  byte(value: number): void;
  int(value: number): void;
  /** Returns the string's index in the payload's string table (-1: not in it), for textRef(). */
  text(text: string): number;
  textRef(index: number): void;
  value(value: AttributeValue): void;
  stringValue(text: string): number;
  stringValueRef(index: number): void;
  /** An attribute's key (its value() follows, and byte(0) ends the set); its index as text() gives it. */
  attributeKey(key: string): number;
  attributeKeyRef(index: number): void;
  longAsciiValue(src: Uint8Array, start: number, end: number): boolean;
  idBytes(src: Uint8Array, start: number, end: number): void;
  uint64Bytes(src: Uint8Array, at: number): void;
}

/**
 * A version-4 payload of log records only, its records written by `writeRecords` (each as logRecord() writes one:
 * the same bytes as withEncodedBinary() gives for the batch of those records), which returns how many it wrote.
 * As withEncodedBinary(), the payload is handed to `use` (with that count) as a view of the writer's buffer. If
 * `writeRecords` throws, so does this, and the next payload starts afresh.
 */
export function withLogsLayout<R>(writeRecords: (w: LogsLayoutWriter) => number, use: (payload: Uint8Array, records: number) => R): R {
  return withWriter((w) => {
    w.varuint(0); // points
    w.varuint(0); // spans
    // The record count goes first but is known last: a 5-byte slot, closed up once it is written.
    const countAt = w.pos;
    w.ensure(5);
    w.pos += 5;
    const count = writeRecords(w);
    const end = w.pos;
    w.pos = countAt;
    w.varuint(count);
    w.buf.copyWithin(w.pos, countAt + 5, end);
    w.pos += end - countAt - 5;
    return use(w.buf.subarray(0, w.pos), count);
  });
}

/**
 * A batch as a version-4 payload in a buffer of its own; with `into`, a payload that fits is copied there and
 * returned as a view of its start (no new buffer).
 */
export function encodeBinary(batch: TelemetryBatch, into?: Uint8Array): Uint8Array {
  return withEncodedBinary(batch, (payload) => {
    const out = into !== undefined && payload.length <= into.length ? into.subarray(0, payload.length) : new Uint8Array(payload.length);
    out.set(payload);
    return out;
  });
}
