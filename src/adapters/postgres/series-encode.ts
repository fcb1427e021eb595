/**
 * The series layout's CPU half: a batch → the rows of each table, already in the form they travel in (binary
 * COPY, series-binary.ts, or unnest array literals), plus the series, resources, scopes and bucket bounds not
 * known to be stored yet and the time partitions the rows fall in. No I/O here; series-send.ts sends what this
 * returns.
 *
 * The encoder hands each table's sink (series-row-sink.ts) one value per column, as the model has it (times as
 * bigint nanoseconds, numbers, hex ids, number arrays, storable text and JSON); the sink writes it as the column's
 * type travels.
 * Hot path (bench/postgres-series-micro.ts): series ids and bucket bounds come from caches (series-id.ts), and
 * the unnest sink keeps each column's last time conversion (times repeat point after point).
 */
import type { Exemplar, InstrumentationScope, MetricPoint, Resource, Span } from '../../model/index.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, serviceName } from '../../model/index.js';
import { attributesJson } from './json.js';
import { cachedJson } from './cache.js';
import type { KnownRows } from './known-rows.js';

export type { BulkMode, EncodedTable } from './series-row-sink.js';
import { boundsIdOf, resourceId, scopeId, seriesIdOf } from './series-id.js';
import {
  BOUNDS,
  EXEMPLARS,
  EXP_HISTOGRAM_POINTS,
  HISTOGRAM_POINTS,
  NUMBER_POINTS,
  RESOURCES,
  SCOPES,
  SERIES,
  SERIES_TABLES,
  SPAN_EVENTS,
  SPAN_LINKS,
  SUMMARY_POINTS,
  TRACE_SPANS,
  type SeriesTable,
} from './series-tables.js';
import { RowSink, type BulkMode, type EncodedTable } from './series-row-sink.js';
import { storableText } from './storable.js';

export interface KnownSets {
  readonly resources: KnownRows;
  readonly scopes: KnownRows;
  readonly series: KnownRows;
  readonly bounds: KnownRows;
}

export interface EncodeOptions {
  readonly mode: BulkMode;
  readonly known: KnownSets;
  readonly metrics: boolean;
  readonly traces: boolean;
  /** Partition width in microseconds when the tables are partitioned by the gateway (plain PostgreSQL); 0 otherwise. */
  readonly partitionUs: number;
}

export interface EncodedSeriesBatch {
  readonly tables: readonly EncodedTable[];
  /** Ids to remember as stored once the transaction committed. */
  readonly newIds: readonly (readonly [KnownRows, string])[];
  /** Points and spans this backend takes from the batch. */
  readonly items: number;
  /** Points and spans of signals this backend does not take. */
  readonly skipped: number;
}

export function encodeSeriesBatch(
  batch: { readonly metrics: readonly MetricPoint[]; readonly spans: readonly Span[] },
  options: EncodeOptions,
): EncodedSeriesBatch {
  const enc = new Encoder(options);
  let items = 0;
  let skipped = 0;
  if (options.metrics) {
    for (const p of batch.metrics) enc.point(p);
    items += batch.metrics.length;
  } else skipped += batch.metrics.length;
  if (options.traces) {
    for (const s of batch.spans) enc.span(s);
    items += batch.spans.length;
  } else skipped += batch.spans.length;
  return { tables: enc.finish(), newIds: enc.newIds, items, skipped };
}

class Encoder {
  readonly newIds: [KnownRows, string][] = [];
  private readonly pending = new Set<string>();
  private readonly sinks = new Map<SeriesTable, RowSink>();

  constructor(private readonly options: EncodeOptions) {}

  private sink(table: SeriesTable): RowSink {
    let sink = this.sinks.get(table);
    if (!sink) this.sinks.set(table, (sink = new RowSink(table, this.options.mode, this.options.partitionUs)));
    return sink;
  }

  /** The row's partitioning time in microseconds, where the gateway partitions (plain PostgreSQL); 0 otherwise. */
  private partitionTime(ns: bigint): number {
    return this.options.partitionUs > 0 ? Number(ns / 1000n) : 0;
  }

  /** True the first time an id not known to be stored is seen in this batch: its row goes with the batch. */
  private isNew(known: KnownRows, kind: string, id: string): boolean {
    if (known.has(id)) return false;
    const key = kind + id;
    if (this.pending.has(key)) return false;
    this.pending.add(key);
    this.newIds.push([known, id]);
    return true;
  }

  private resource(resource: Resource): string {
    const id = resourceId(resource);
    if (this.isNew(this.options.known.resources, 'r', id)) {
      this.sink(RESOURCES).add([id, text(serviceName(resource)), cachedJson(resource), text(resource.schemaUrl)], 0);
    }
    return id;
  }

  private scope(scope: InstrumentationScope): string {
    const id = scopeId(scope);
    if (this.isNew(this.options.known.scopes, 's', id)) {
      this.sink(SCOPES).add([id, text(scope.name), text(scope.version), cachedJson(scope)], 0);
    }
    return id;
  }

  point(p: MetricPoint): void {
    const id = seriesIdOf(p);
    if (this.isNew(this.options.known.series, 'm', id)) {
      const m = p.metric;
      this.sink(SERIES).add(
        [
          id,
          text(m.name),
          m.type,
          text(m.unit),
          text(m.description),
          m.temporality,
          m.monotonic,
          attributesJson(p.attributes),
          this.resource(p.resource),
          this.scope(p.scope),
        ],
        0,
      );
    }
    const time = p.timeUnixNano;
    const tn = this.partitionTime(time);
    const start = p.startTimeUnixNano === 0n ? null : p.startTimeUnixNano;
    const flags = p.flags;
    switch (p.type) {
      case 'gauge':
      case 'sum': {
        const v = p.value;
        this.sink(NUMBER_POINTS).add([time, id, start, flags, Number(v), typeof v === 'bigint' ? v : null], tn);
        break;
      }
      case 'histogram': {
        const bounds = boundsIdOf(p.explicitBounds);
        if (this.isNew(this.options.known.bounds, 'b', bounds.id)) this.sink(BOUNDS).add([bounds.id, p.explicitBounds], 0);
        this.sink(HISTOGRAM_POINTS).add([time, id, start, flags, p.count, opt(p.sum), opt(p.min), opt(p.max), bounds.id, p.bucketCounts], tn);
        break;
      }
      case 'exponential_histogram':
        this.sink(EXP_HISTOGRAM_POINTS).add(
          [
            time,
            id,
            start,
            flags,
            p.count,
            opt(p.sum),
            opt(p.min),
            opt(p.max),
            p.scale,
            p.zeroCount,
            p.zeroThreshold,
            p.positive.offset,
            p.positive.bucketCounts,
            p.negative.offset,
            p.negative.bucketCounts,
          ],
          tn,
        );
        break;
      case 'summary':
        this.sink(SUMMARY_POINTS).add(
          [time, id, start, flags, p.count, p.sum, p.quantileValues.map((q) => q.quantile), p.quantileValues.map((q) => q.value)],
          tn,
        );
        break;
    }
    if (p.exemplars.length > 0) this.exemplars(p.exemplars, time, tn, id);
  }

  private exemplars(exemplars: readonly Exemplar[], time: bigint, tn: number, seriesId: string): void {
    const sink = this.sink(EXEMPLARS);
    for (let i = 0; i < exemplars.length; i++) {
      const e = exemplars[i] as Exemplar;
      sink.add(
        [
          time,
          seriesId,
          i,
          e.timeUnixNano,
          Number(e.value),
          typeof e.value === 'bigint' ? e.value : null,
          e.traceId === '' ? null : e.traceId,
          e.spanId === '' ? null : e.spanId,
          attributesJson(e.filteredAttributes),
        ],
        tn,
      );
    }
  }

  span(s: Span): void {
    const time = s.startTimeUnixNano;
    const tn = this.partitionTime(time);
    const traceId = s.traceId;
    const spanId = s.spanId;
    this.sink(TRACE_SPANS).add(
      [
        time,
        s.endTimeUnixNano,
        s.endTimeUnixNano - s.startTimeUnixNano,
        traceId,
        spanId,
        s.parentSpanId === '' ? null : s.parentSpanId,
        text(s.traceState),
        s.flags,
        text(serviceName(s.resource)),
        text(s.name),
        SPAN_KIND_NAMES[s.kind] ?? String(s.kind),
        STATUS_CODE_NAMES[s.status.code] ?? String(s.status.code),
        text(s.status.message),
        this.resource(s.resource),
        this.scope(s.scope),
        attributesJson(s.attributes),
        s.droppedAttributesCount,
        s.droppedEventsCount,
        s.droppedLinksCount,
      ],
      tn,
    );
    for (let i = 0; i < s.events.length; i++) {
      const e = s.events[i]!;
      this.sink(SPAN_EVENTS).add(
        [time, traceId, spanId, i, e.timeUnixNano, text(e.name), attributesJson(e.attributes), e.droppedAttributesCount],
        tn,
      );
    }
    for (let i = 0; i < s.links.length; i++) {
      const l = s.links[i]!;
      this.sink(SPAN_LINKS).add(
        [time, traceId, spanId, i, l.traceId, l.spanId, text(l.traceState), l.flags, attributesJson(l.attributes), l.droppedAttributesCount],
        tn,
      );
    }
  }

  finish(): EncodedTable[] {
    const out: EncodedTable[] = [];
    for (const table of SERIES_TABLES) {
      const sink = this.sinks.get(table);
      if (sink && sink.rows > 0) out.push(sink.finish());
    }
    return out;
  }
}

/** Text PostgreSQL can store (NUL and lone surrogates become U+FFFD: storable.ts). */
const text = (value: string): string => storableText(value);
const opt = (value: number | undefined): number | null => (value === undefined ? null : value);
