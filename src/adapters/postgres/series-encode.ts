/**
 * The series layout's CPU half: a batch → the rows of each table, already in the form they travel in (COPY text
 * or unnest array literals), plus the series, resources, scopes and bucket bounds not known to be stored yet and
 * the time partitions the rows fall in. No I/O here; series-send.ts sends what this returns.
 *
 * Hot path (bench/postgres-series-micro.ts): per row only what differs from the row before is converted. Times
 * repeat (every point of one export shares its time and start time), so the last conversion is kept; series ids
 * and bucket bounds come from caches (series-id.ts); COPY text is escaped only in text and jsonb columns.
 */
import type { Exemplar, InstrumentationScope, MetricPoint, Resource, Span } from '../../model/index.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, serviceName } from '../../model/index.js';
import { attributesJson } from './json.js';
import { cachedJson } from './cache.js';
import type { KnownRows } from './known-rows.js';
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
import { storableText } from './storable.js';

export type BulkMode = 'copy' | 'unnest';

/**
 * Rows per unnest statement: the parameters stay a few MB, and the PGlite stores (which run on an event loop, the
 * embedded one on this process's) pause briefly; 2,000-row statements crashed the WASM of the
 * TimescaleDB build of PGlite.
 */
export const UNNEST_CHUNK_ROWS = 500;
type Field = string | null;

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

export interface EncodedTable {
  readonly table: SeriesTable;
  readonly rows: number;
  /** COPY … FROM STDIN text, for mode copy. */
  readonly copy?: Buffer;
  /** For mode unnest: chunks of at most UNNEST_CHUNK_ROWS rows, one array literal per column each. */
  readonly chunks?: string[][];
  /** Partition numbers (time / partitionUs) the rows fall in. */
  readonly partitions: ReadonlySet<number>;
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
  /** Row times, start times, other times (exemplars, events): each keeps its last conversion. */
  private readonly times: Times;
  private readonly starts: Times;
  private readonly others: Times;
  private readonly bytea: (hex: string) => string;

  constructor(private readonly options: EncodeOptions) {
    const copy = options.mode === 'copy';
    this.times = new Times(copy);
    this.starts = new Times(copy);
    this.others = new Times(copy);
    this.bytea = copy ? copyBytea : unnestBytea;
  }

  private sink(table: SeriesTable): RowSink {
    let sink = this.sinks.get(table);
    if (!sink) this.sinks.set(table, (sink = new RowSink(table, this.options.mode, this.options.partitionUs)));
    return sink;
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
          m.monotonic ? 't' : 'f',
          attributesJson(p.attributes),
          this.resource(p.resource),
          this.scope(p.scope),
        ],
        0,
      );
    }
    const time = this.times.text(p.timeUnixNano);
    const tn = this.times.us;
    const start = p.startTimeUnixNano === 0n ? null : this.starts.text(p.startTimeUnixNano);
    const flags = String(p.flags);
    switch (p.type) {
      case 'gauge':
      case 'sum': {
        const v = p.value;
        this.sink(NUMBER_POINTS).add([time, id, start, flags, float(Number(v)), typeof v === 'bigint' ? v.toString() : null], tn);
        break;
      }
      case 'histogram': {
        const bounds = boundsIdOf(p.explicitBounds);
        if (this.isNew(this.options.known.bounds, 'b', bounds.id)) this.sink(BOUNDS).add([bounds.id, `{${bounds.key}}`], 0);
        this.sink(HISTOGRAM_POINTS).add(
          [time, id, start, flags, String(p.count), optFloat(p.sum), optFloat(p.min), optFloat(p.max), bounds.id, `{${p.bucketCounts.join(',')}}`],
          tn,
        );
        break;
      }
      case 'exponential_histogram':
        this.sink(EXP_HISTOGRAM_POINTS).add(
          [
            time,
            id,
            start,
            flags,
            String(p.count),
            optFloat(p.sum),
            optFloat(p.min),
            optFloat(p.max),
            String(p.scale),
            String(p.zeroCount),
            float(p.zeroThreshold),
            String(p.positive.offset),
            `{${p.positive.bucketCounts.join(',')}}`,
            String(p.negative.offset),
            `{${p.negative.bucketCounts.join(',')}}`,
          ],
          tn,
        );
        break;
      case 'summary':
        this.sink(SUMMARY_POINTS).add(
          [
            time,
            id,
            start,
            flags,
            String(p.count),
            float(p.sum),
            `{${p.quantileValues.map((q) => float(q.quantile)).join(',')}}`,
            `{${p.quantileValues.map((q) => float(q.value)).join(',')}}`,
          ],
          tn,
        );
        break;
    }
    if (p.exemplars.length > 0) this.exemplars(p.exemplars, time, tn, id);
  }

  private exemplars(exemplars: readonly Exemplar[], time: string, tn: number, seriesId: string): void {
    const sink = this.sink(EXEMPLARS);
    for (let i = 0; i < exemplars.length; i++) {
      const e = exemplars[i] as Exemplar;
      sink.add(
        [
          time,
          seriesId,
          String(i),
          this.others.text(e.timeUnixNano),
          float(Number(e.value)),
          typeof e.value === 'bigint' ? e.value.toString() : null,
          e.traceId === '' ? null : this.bytea(e.traceId),
          e.spanId === '' ? null : this.bytea(e.spanId),
          attributesJson(e.filteredAttributes),
        ],
        tn,
      );
    }
  }

  span(s: Span): void {
    const time = this.times.text(s.startTimeUnixNano);
    const tn = this.times.us;
    const traceId = this.bytea(s.traceId);
    const spanId = this.bytea(s.spanId);
    this.sink(TRACE_SPANS).add(
      [
        time,
        this.starts.text(s.endTimeUnixNano),
        (s.endTimeUnixNano - s.startTimeUnixNano).toString(),
        traceId,
        spanId,
        s.parentSpanId === '' ? null : this.bytea(s.parentSpanId),
        text(s.traceState),
        String(s.flags),
        text(serviceName(s.resource)),
        text(s.name),
        SPAN_KIND_NAMES[s.kind] ?? String(s.kind),
        STATUS_CODE_NAMES[s.status.code] ?? String(s.status.code),
        text(s.status.message),
        this.resource(s.resource),
        this.scope(s.scope),
        attributesJson(s.attributes),
        String(s.droppedAttributesCount),
        String(s.droppedEventsCount),
        String(s.droppedLinksCount),
      ],
      tn,
    );
    for (let i = 0; i < s.events.length; i++) {
      const e = s.events[i]!;
      this.sink(SPAN_EVENTS).add(
        [
          time,
          traceId,
          spanId,
          String(i),
          this.others.text(e.timeUnixNano),
          text(e.name),
          attributesJson(e.attributes),
          String(e.droppedAttributesCount),
        ],
        tn,
      );
    }
    for (let i = 0; i < s.links.length; i++) {
      const l = s.links[i]!;
      this.sink(SPAN_LINKS).add(
        [
          time,
          traceId,
          spanId,
          String(i),
          this.bytea(l.traceId),
          this.bytea(l.spanId),
          text(l.traceState),
          String(l.flags),
          attributesJson(l.attributes),
          String(l.droppedAttributesCount),
        ],
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

/**
 * Rows of one table in the form they travel in. COPY text: tab-separated, \N for NULL, backslash, tab, newline and
 * carriage return escaped in text and jsonb columns (the others are numbers, timestamps, array literals of numbers
 * and bytea already written escaped). Array literals: text-like elements quoted with \ and " escaped.
 */
class RowSink {
  rows = 0;
  /** COPY text so far: lines written as they come, so no joined string of the whole table is made. */
  private copyText = Buffer.allocUnsafe(0);
  private copyBytes = 0;
  private readonly columns: string[][];
  /** Per column: COPY text that may need escaping (copy), an element to quote (unnest). */
  private readonly textLike: boolean[];
  private readonly partitions = new Set<number>();

  constructor(
    private readonly table: SeriesTable,
    private readonly mode: BulkMode,
    private readonly partitionUs: number,
  ) {
    this.columns = mode === 'unnest' ? table.columns.map(() => []) : [];
    this.textLike = table.columns.map((c) =>
      mode === 'copy' ? c.stored === 'text' || c.stored === 'jsonb' : c.wire === 'text' || c.wire === 'jsonb' || c.wire === 'bytea',
    );
  }

  /** `timeUs`: the row's partitioning time (µs), for partitioned tables. */
  add(fields: Field[], timeUs: number): void {
    this.rows++;
    if (this.partitionUs > 0 && this.table.timePartitioned) this.partitions.add(Math.floor(timeUs / this.partitionUs));
    if (this.mode === 'copy') {
      let line = '';
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        line +=
          (i > 0 ? '\t' : '') +
          (f === null || f === undefined ? '\\N' : this.textLike[i] && COPY_SPECIAL.test(f) ? f.replace(COPY_SPECIAL_G, copyEscape) : f);
      }
      this.write(line);
    } else {
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        (this.columns[i] as string[]).push(
          f === null || f === undefined ? 'NULL' : this.textLike[i] ? `"${ARRAY_SPECIAL.test(f) ? f.replace(ARRAY_SPECIAL_G, '\\$&') : f}"` : f,
        );
      }
    }
  }

  /** One line and its newline; UTF-8 takes at most 3 bytes per UTF-16 unit, so that much room is made first. */
  private write(line: string): void {
    const need = this.copyBytes + line.length * 3 + 1;
    if (need > this.copyText.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.copyText.length * 2, 64 * 1024));
      this.copyText.copy(grown, 0, 0, this.copyBytes);
      this.copyText = grown;
    }
    this.copyBytes += this.copyText.write(line, this.copyBytes, 'utf8');
    this.copyText[this.copyBytes++] = 0x0a;
  }

  finish(): EncodedTable {
    const base = { table: this.table, rows: this.rows, partitions: this.partitions };
    if (this.mode === 'copy') return { ...base, copy: this.copyText.subarray(0, this.copyBytes) };
    const chunks: string[][] = [];
    for (let i = 0; i < this.rows; i += UNNEST_CHUNK_ROWS) chunks.push(this.columns.map((c) => `{${c.slice(i, i + UNNEST_CHUNK_ROWS).join(',')}}`));
    return { ...base, chunks };
  }
}

const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_G = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const copyEscape = (c: string): string => COPY_ESCAPES[c] as string;
const ARRAY_SPECIAL = /[\\"]/;
const ARRAY_SPECIAL_G = /[\\"]/g;

/** Text PostgreSQL can store (NUL and lone surrogates become U+FFFD: storable.ts). */
const text = (value: string): string => storableText(value);
/** NaN and ±Infinity print as PostgreSQL reads them. */
const float = (value: number): string => String(value);
const optFloat = (value: number | undefined): Field => (value === undefined ? null : String(value));
/**
 * A hex id as bytea input (COPY text doubles the backslash); an odd or non-hex id would be refused by the server,
 * so the receiver's validation matters.
 */
const unnestBytea = (hex: string): string => `\\x${hex}`;
const copyBytea = (hex: string): string => `\\\\x${COPY_SPECIAL.test(hex) ? hex.replace(COPY_SPECIAL_G, copyEscape) : hex}`;

/**
 * The model's bigint nanoseconds → microseconds (truncated, as timestamptz holds them), as unnest text (bigint
 * microseconds, turned into timestamptz in SQL) or COPY text (an ISO timestamp in UTC, which the column reads
 * exactly). The last conversion is kept: times repeat point after point.
 */
class Times {
  private lastNs: bigint | undefined;
  private lastText = '';
  /** Microseconds of the last time converted, as a number (for partition numbers). */
  us = 0;

  constructor(private readonly iso: boolean) {}

  text(ns: bigint): string {
    if (ns === this.lastNs) return this.lastText;
    const us = ns / 1000n;
    this.lastNs = ns;
    this.us = Number(us);
    this.lastText = this.iso ? timestampText(us) : us.toString();
    return this.lastText;
  }
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);
let lastSecond = Number.NaN;
let lastSecondText = '';

/** Microseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffff+00`; exact: integer arithmetic only. */
export function timestampText(us: bigint): string {
  let second: number;
  let fraction: number;
  if (us <= MAX_EXACT && us >= -MAX_EXACT) {
    const n = Number(us);
    fraction = n % 1e6;
    if (fraction < 0) fraction += 1e6;
    second = (n - fraction) / 1e6;
  } else {
    let s = us / 1_000_000n;
    let f = us % 1_000_000n;
    if (f < 0n) {
      f += 1_000_000n;
      s -= 1n;
    }
    second = Number(s);
    fraction = Number(f);
  }
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = new Date(second * 1000).toISOString().slice(0, 20); // YYYY-MM-DDTHH:MM:SS.
  }
  return `${lastSecondText}${String(fraction + 1e6).slice(1)}+00`;
}
