/**
 * Reads queue payload format versions 3 and 4 (the layout: binary-format.ts; version 3 is version 4 without the
 * log records): the model over binary-context-reader.ts (references, attributes, resources, scopes), which reads
 * over binary-primitive-reader.ts; points and spans here, log records in binary-log-reader.ts.
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import type { Attributes, Exemplar, LogRecord, MetricDescriptor, MetricPoint, Span, SpanEvent, SpanLink, TelemetryBatch } from '../model/index.js';
import { POINT_TYPES, TEMPORALITIES, HAS_SUM, HAS_MIN, HAS_MAX, HAS_EXEMPLARS, LOGS_SINCE_VERSION } from './binary-format.js';
import { ContextReader } from './binary-context-reader.js';
import { readLogRecord } from './binary-log-reader.js';
import type { NodeBuffer } from './binary-primitive-reader.js';

/** Points and spans over the shared context reader (binary-context-reader.ts); log records: binary-log-reader.ts. */
class Reader extends ContextReader {
  private readonly descriptors: MetricDescriptor[] = [];
  private readonly pointAttributeSets: Attributes[] = [];
  private readonly boundsLists: number[][] = [];

  /** A histogram's explicit bounds (see the writer): decoded once, shared by the points that refer to them. */
  bounds(): number[] {
    const known = this.decodedBefore(this.boundsLists, 'bounds');
    if (known !== undefined) return known;
    const bounds = this.doubles();
    this.boundsLists.push(bounds);
    return bounds;
  }

  /** A point's attribute set (see the writer): decoded once, shared by the points that refer to it. */
  pointAttributes(): Attributes {
    const known = this.decodedBefore(this.pointAttributeSets, 'attribute set');
    if (known !== undefined) return known;
    const attributes = this.attributes();
    this.pointAttributeSets.push(attributes);
    return attributes;
  }

  descriptor(): MetricDescriptor {
    const known = this.decodedBefore(this.descriptors, 'metric descriptor');
    if (known !== undefined) return known;
    const name = this.string();
    const description = this.string();
    const unit = this.string();
    const type = POINT_TYPES[this.byte()];
    const temporality = TEMPORALITIES[this.byte()];
    if (type === undefined || temporality === undefined) throw new Error(`bad metric descriptor at byte ${this.pos}`);
    const monotonic = this.byte() === 1;
    const metadata = this.attributes();
    const metric: MetricDescriptor = { name, description, unit, type, temporality, monotonic, metadata };
    this.descriptors.push(metric);
    return metric;
  }

  doubles(): number[] {
    const length = this.varuint();
    if (length * 8 > this.end - this.pos) this.truncated();
    const values: number[] = [];
    for (let i = 0; i < length; i++) values.push(this.double());
    return values;
  }

  ints(): number[] {
    const length = this.varuint();
    if (length > this.end - this.pos) this.truncated();
    const values: number[] = [];
    for (let i = 0; i < length; i++) values.push(this.int());
    return values;
  }

  exemplar(): Exemplar {
    const filteredAttributes = this.attributes();
    const timeUnixNano = this.bigint();
    const value = this.numberOrBigint();
    const traceId = this.id();
    const spanId = this.id();
    return { filteredAttributes, timeUnixNano, value, traceId, spanId };
  }

  // Object literals written out in full, fields in the model's order: one fixed shape per type.
  point(): MetricPoint {
    const header = this.byte();
    const resource = this.resource();
    const scope = this.scope();
    const metric = this.descriptor();
    const attributes = this.pointAttributes();
    const startTimeUnixNano = this.bigint();
    const timeUnixNano = this.bigint();
    const flags = this.int();
    let exemplars: Exemplar[] = [];
    if ((header & HAS_EXEMPLARS) !== 0) {
      const count = this.varuint();
      if (count > this.end - this.pos) this.truncated();
      exemplars = [];
      for (let i = 0; i < count; i++) exemplars.push(this.exemplar());
    }
    switch (header & 7) {
      case 0:
      case 1:
        return {
          type: (header & 7) === 0 ? 'gauge' : 'sum',
          resource,
          scope,
          metric,
          attributes,
          startTimeUnixNano,
          timeUnixNano,
          flags,
          exemplars,
          value: this.numberOrBigint(),
        };
      case 2: {
        const count = this.int();
        const sum = (header & HAS_SUM) !== 0 ? this.double() : undefined;
        const bucketCounts = this.ints();
        const explicitBounds = this.bounds();
        const min = (header & HAS_MIN) !== 0 ? this.double() : undefined;
        const max = (header & HAS_MAX) !== 0 ? this.double() : undefined;
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
          count,
          sum,
          bucketCounts,
          explicitBounds,
          min,
          max,
        };
      }
      case 3: {
        const count = this.int();
        const sum = (header & HAS_SUM) !== 0 ? this.double() : undefined;
        const scale = this.int();
        const zeroCount = this.int();
        const zeroThreshold = this.double();
        const positive = { offset: this.int(), bucketCounts: this.ints() };
        const negative = { offset: this.int(), bucketCounts: this.ints() };
        const min = (header & HAS_MIN) !== 0 ? this.double() : undefined;
        const max = (header & HAS_MAX) !== 0 ? this.double() : undefined;
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
          count,
          sum,
          scale,
          zeroCount,
          zeroThreshold,
          positive,
          negative,
          min,
          max,
        };
      }
      case 4: {
        const count = this.int();
        const sum = this.double();
        const length = this.varuint();
        if (length * 16 > this.end - this.pos) this.truncated();
        const quantileValues = [];
        for (let i = 0; i < length; i++) quantileValues.push({ quantile: this.double(), value: this.double() });
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
          count,
          sum,
          quantileValues,
        };
      }
      default:
        throw new Error(`unknown point type code ${header & 7}`);
    }
  }

  span(): Span {
    const resource = this.resource();
    const scope = this.scope();
    const traceId = this.id();
    const spanId = this.id();
    const parentSpanId = this.id();
    const traceState = this.text();
    const flags = this.int();
    const name = this.text();
    const kind = this.int() as Span['kind'];
    const startTimeUnixNano = this.bigint();
    const endTimeUnixNano = this.bigint();
    const attributes = this.attributes();
    const droppedAttributesCount = this.int();
    const eventCount = this.varuint();
    if (eventCount > this.end - this.pos) this.truncated();
    const events: SpanEvent[] = [];
    for (let i = 0; i < eventCount; i++) {
      const timeUnixNano = this.bigint();
      const eventName = this.text();
      const eventAttributes = this.attributes();
      events.push({ timeUnixNano, name: eventName, attributes: eventAttributes, droppedAttributesCount: this.int() });
    }
    const droppedEventsCount = this.int();
    const linkCount = this.varuint();
    if (linkCount > this.end - this.pos) this.truncated();
    const links: SpanLink[] = [];
    for (let i = 0; i < linkCount; i++) {
      const linkTraceId = this.id();
      const linkSpanId = this.id();
      const linkTraceState = this.text();
      const linkAttributes = this.attributes();
      const linkDropped = this.int();
      links.push({
        traceId: linkTraceId,
        spanId: linkSpanId,
        traceState: linkTraceState,
        attributes: linkAttributes,
        droppedAttributesCount: linkDropped,
        flags: this.int(),
      });
    }
    const droppedLinksCount = this.int();
    const code = this.int() as Span['status']['code'];
    const message = this.text();
    return {
      resource,
      scope,
      traceId,
      spanId,
      parentSpanId,
      traceState,
      flags,
      name,
      kind,
      startTimeUnixNano,
      endTimeUnixNano,
      attributes,
      droppedAttributesCount,
      events,
      droppedEventsCount,
      links,
      droppedLinksCount,
      status: { code, message },
    };
  }

  /**
   * The payload's items in slices of at most `maxItems` points, spans and log records together (in that order),
   * read as they are taken: a consumer that yields to the event loop between slices never decodes more
   * than one slice in a task (a 10K-point payload decodes in ~5 ms: issue 13's long tasks). The last slice carries
   * what is left, possibly nothing, and comes only once the whole payload has been read and checked. `version`: the
   * payload's (3 or 4, checked by codec.ts); a version-3 payload has no log records.
   */
  *slices(version: number, maxItems: number): Generator<TelemetryBatch, void, undefined> {
    let slice: Slice = { metrics: [], spans: [], logs: [] };
    let size = 0; // items in `slice`
    const pointCount = this.varuint();
    if (pointCount > this.end - this.pos) this.truncated();
    for (let i = 0; i < pointCount; i++, size++) {
      if (size === maxItems) {
        yield slice;
        [slice, size] = [{ metrics: [], spans: [], logs: [] }, 0];
      }
      slice.metrics.push(this.point());
    }
    const spanCount = this.varuint();
    if (spanCount > this.end - this.pos) this.truncated();
    for (let i = 0; i < spanCount; i++, size++) {
      if (size === maxItems) {
        yield slice;
        [slice, size] = [{ metrics: [], spans: [], logs: [] }, 0];
      }
      slice.spans.push(this.span());
    }
    if (version >= LOGS_SINCE_VERSION) {
      const logCount = this.varuint();
      if (logCount > this.end - this.pos) this.truncated();
      for (let i = 0; i < logCount; i++, size++) {
        if (size === maxItems) {
          yield slice;
          [slice, size] = [{ metrics: [], spans: [], logs: [] }, 0];
        }
        slice.logs.push(readLogRecord(this));
      }
    }
    if (this.pos !== this.end) throw new Error(`${this.end - this.pos} bytes after the batch`);
    yield slice;
  }
}

/** A slice as it is filled. */
interface Slice {
  metrics: MetricPoint[];
  spans: Span[];
  logs: LogRecord[];
}

function reader(bytes: Uint8Array): Reader {
  // A plain Uint8Array view (not a Buffer), so bytes attributes decode as Uint8Array as the model says.
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as NodeBuffer;
  return new Reader(plain, text);
}

/**
 * A version-3 or -4 payload (version byte included; codec.ts refuses the others) back into the model; throws a
 * plain Error on malformed bytes.
 */
export function decodeBinary(bytes: Uint8Array): TelemetryBatch {
  for (const whole of decodeBinarySlices(bytes, Number.POSITIVE_INFINITY)) return whole;
  throw new Error('unreachable: the last slice always comes');
}

/** The same, in slices of at most `maxItems` items (Reader.slices); throws a plain Error on malformed bytes. */
export function decodeBinarySlices(bytes: Uint8Array, maxItems: number): Generator<TelemetryBatch, void, undefined> {
  return reader(bytes).slices(bytes[0]!, maxItems);
}
