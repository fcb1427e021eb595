/**
 * Model points → remote-write time series (the protobufjs object shape), grouped per series within the
 * request, samples in time order, one target_info per resource. Everything Prometheus would refuse with a
 * 500 (no name, native histograms it cannot take) is left out here and counted, never sent.
 */
import {
  type Exemplar,
  type ExponentialHistogramPoint,
  FLAG_NO_RECORDED_VALUE,
  type HistogramPoint,
  type MetricPoint,
  type NumberPoint,
  type SummaryPoint,
  attributeToString,
  numericValue,
} from '../../model/index.js';
import type { PrometheusConfig } from './config.js';
import type { CumulativeState, DeltaTransaction } from './delta.js';
import { sanitizeLabelName } from './labels.js';
import type { ExemplarOut, Label, TimeSeriesOut } from './series-out.js';
import { type NativeHistogram, toNativeHistogram } from './native-histogram.js';
import { SampleRecorder, SampleStore } from './samples.js';
import { NO_SERIES, type SeriesCatalog } from './series.js';
import { grown } from './label-arena.js';
import { STALE_NAN, nsToMs } from './values.js';

export type { Sample } from './samples.js';

export type { ExemplarOut, TimeSeriesOut } from './series-out.js';

export interface Translation {
  /**
   * The batch's series. The TimeSeriesOut objects are the translator's, reused from batch to batch (one per
   * position in the list), and the samples are in its reused arrays: valid until the next translate() on the
   * same translator (encode it before that).
   */
  readonly series: TimeSeriesOut[];
  /** Model points turned into series. */
  readonly points: number;
  /** Points left out, by reason. */
  readonly skipped: Map<string, number>;
  readonly delta: DeltaTransaction | undefined;
  /** target_info identities and their timestamps, remembered once the batch is written. */
  readonly targetInfo: Map<string, number>;
}

export const SKIP_REASONS = {
  noName: 'metric name has no valid characters',
  deltaOff: 'delta temporality (delta_to_cumulative off)',
  nativeOff: 'exponential histogram (native_histograms off)',
} as const;

interface TargetInfo {
  readonly key: string;
  /** Its series' sid. */
  readonly series: number;
  ms: number;
}

/** Shared empty lists: most series carry no exemplars or native histograms, so don't allocate two arrays each. */
const NO_EXEMPLARS: ExemplarOut[] = [];
const NO_HISTOGRAMS: NativeHistogram[] = [];

/** Prometheus refuses exemplars whose labels exceed 128 UTF-8 characters in total (names and values). */
const MAX_EXEMPLAR_LABEL_CHARS = 128;

export class Translator {
  private out: TimeSeriesOut[] = [];
  private readonly samples = new SampleRecorder();
  /** This translation's number: a series (sid) is in it when batchOf[sid] holds it, at slotOf[sid]. */
  private batch = 0;
  private batchOf = new Int32Array(1024);
  private slotOf = new Int32Array(1024);
  /**
   * The series objects, by slot, reused from batch to batch, and the sid (and catalog generation) each one's
   * label view was made for: series tend to come in the same order every batch, so the view is mostly kept.
   */
  private readonly pool: TimeSeriesOut[] = [];
  private poolSid = new Int32Array(1024).fill(NO_SERIES);
  private poolGeneration = -1;
  private skipped = new Map<string, number>();
  private delta: DeltaTransaction | undefined;
  private targets = new Map<string, TargetInfo>();
  /** The target_info of the last point's resource (points come in runs of one resource). */
  private lastTarget: TargetInfo | undefined;
  /** Points translated since begin(). */
  private translated = 0;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly catalog: SeriesCatalog,
    private readonly state: CumulativeState,
    /** The last target_info timestamp written per identity: never send an older one (Prometheus would refuse the request). */
    private readonly targetInfoWritten: ReadonlyMap<string, number>,
  ) {}

  translate(points: readonly MetricPoint[]): Translation {
    this.begin();
    this.add(points);
    return this.finish();
  }

  /**
   * The same translation fed in parts (a write's queued jobs, each decoded only when reached), so the points of
   * one part can be garbage before the next is decoded: begin(), add() per part in order, finish(). The result
   * is the one translate() gives for the parts joined.
   */
  begin(): void {
    this.out = [];
    this.batch++;
    if (this.poolGeneration !== this.catalog.generation) {
      this.poolSid.fill(NO_SERIES);
      this.batchOf.fill(0);
      this.poolGeneration = this.catalog.generation;
    }
    this.skipped = new Map();
    this.targets = new Map();
    this.lastTarget = undefined;
    this.translated = 0;
    this.samples.begin();
    this.delta = this.config.delta_to_cumulative.enabled ? this.state.begin() : undefined;
  }

  /**
   * Points [from, to) of one part. A part may come in consecutive slices (the adapter yields to the event loop
   * between them): the catalog's memory of the part's objects is kept from its first slice to its last.
   */
  add(points: readonly MetricPoint[], from = 0, to = points.length): void {
    let translated = 0;
    if (from === 0) this.catalog.forgetObjects();
    let done = false;
    try {
      for (let i = from; i < to; i++) if (this.point(points[i]!)) translated++;
      done = true;
    } finally {
      if (to >= points.length || !done) this.catalog.forgetObjects(); // the part's objects may be garbage now
    }
    this.translated += translated;
  }

  finish(): Translation {
    const targetInfo = new Map<string, number>();
    for (const [key, target] of this.targets) {
      if (target.ms < (this.targetInfoWritten.get(key) ?? -Infinity)) continue;
      this.sample(target.series, 1, target.ms);
      targetInfo.set(key, target.ms);
    }
    this.samples.finish(this.out);
    for (const series of this.out) if (series.unsorted) sortHistograms(series);
    return { series: this.out, points: this.translated, skipped: this.skipped, delta: this.delta, targetInfo };
  }

  private skip(reason: string): false {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
    return false;
  }

  private point(point: MetricPoint): boolean {
    const series = this.catalog.series(point.metric, point.resource, point.scope, point.attributes);
    if (series === NO_SERIES) return this.skip(SKIP_REASONS.noName);
    const ms = nsToMs(point.timeUnixNano);
    const stale = (point.flags & FLAG_NO_RECORDED_VALUE) !== 0;
    switch (point.type) {
      case 'gauge':
      case 'sum':
        if (!this.number(point, series, ms, stale)) return false;
        break;
      case 'histogram':
        if (!this.histogram(point, series, ms, stale)) return false;
        break;
      case 'summary':
        this.summary(point, series, ms, stale);
        break;
      case 'exponential_histogram':
        if (!this.exponential(point, series, ms, stale)) return false;
        break;
    }
    this.noteResource(point, ms);
    return true;
  }

  private noteResource(point: MetricPoint, ms: number): void {
    const info = this.catalog.resourceInfo(point.resource);
    if (info.targetInfo === NO_SERIES) return;
    let target = this.lastTarget;
    if (target === undefined || target.key !== info.targetKey) {
      target = this.targets.get(info.targetKey);
      if (target === undefined) this.targets.set(info.targetKey, (target = { key: info.targetKey, series: info.targetInfo, ms }));
      this.lastTarget = target;
    }
    if (ms > target.ms) target.ms = ms;
  }

  /** `series`: the point's fsid in the catalog. */
  private number(point: NumberPoint, series: number, ms: number, stale: boolean): boolean {
    let value = stale ? STALE_NAN : numericValue(point.value);
    if (point.type === 'sum' && point.metric.temporality === 'delta' && !stale) {
      if (this.delta === undefined) return this.skip(SKIP_REASONS.deltaOff);
      const total = this.delta.addSum(this.catalog.identity(series), point.startTimeUnixNano, point.timeUnixNano, value);
      if (typeof total === 'string') return this.skip(total);
      value = total.value;
    }
    const out = this.sample(this.catalog.main(series), value, ms);
    if (point.exemplars.length > 0 && this.config.send_exemplars) addExemplars(out, point.exemplars);
    return true;
  }

  private histogram(point: HistogramPoint, series: number, ms: number, stale: boolean): boolean {
    let counts = point.bucketCounts;
    let count = point.count;
    let sum = point.sum;
    if (point.metric.temporality === 'delta' && !stale) {
      if (this.delta === undefined) return this.skip(SKIP_REASONS.deltaOff);
      const total = this.delta.addHistogram(
        this.catalog.identity(series),
        point.startTimeUnixNano,
        point.timeUnixNano,
        point.explicitBounds,
        counts,
        count,
        sum ?? 0,
      );
      if (typeof total === 'string') return this.skip(total);
      counts = total.bucketCounts;
      count = total.count;
      sum = sum === undefined ? undefined : total.sum;
    }
    const bounds = point.explicitBounds;
    const buckets = this.catalog.buckets(series, bounds);
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += counts[i] ?? 0;
      this.sample(buckets[i]!, stale ? STALE_NAN : cumulative, ms);
    }
    // +Inf is the total count, even when the buckets don't add up to it.
    const inf = this.sample(buckets[bounds.length]!, stale ? STALE_NAN : count, ms);
    if (sum !== undefined) this.sample(this.catalog.sum(series), stale ? STALE_NAN : sum, ms);
    this.sample(this.catalog.count(series), stale ? STALE_NAN : count, ms);
    if (point.exemplars.length > 0 && this.config.send_exemplars) {
      for (const exemplar of point.exemplars) {
        const value = numericValue(exemplar.value);
        const bucket = bounds.findIndex((bound) => value <= bound);
        const target = bucket < 0 ? inf : this.sample(buckets[bucket]!, Number.NaN, ms, true);
        addExemplars(target, [exemplar]);
      }
    }
    return true;
  }

  private summary(point: SummaryPoint, series: number, ms: number, stale: boolean): void {
    const quantiles = point.quantileValues;
    const sids = this.catalog.quantiles(series, quantiles);
    for (let i = 0; i < quantiles.length; i++) this.sample(sids[i]!, stale ? STALE_NAN : quantiles[i]!.value, ms);
    this.sample(this.catalog.sum(series), stale ? STALE_NAN : point.sum, ms);
    this.sample(this.catalog.count(series), stale ? STALE_NAN : point.count, ms);
  }

  private exponential(point: ExponentialHistogramPoint, series: number, ms: number, stale: boolean): boolean {
    if (!this.config.native_histograms) return this.skip(SKIP_REASONS.nativeOff);
    let source = point;
    if (point.metric.temporality === 'delta' && !stale) {
      if (this.delta === undefined) return this.skip(SKIP_REASONS.deltaOff);
      const total = this.delta.addExponential(this.catalog.identity(series), point.startTimeUnixNano, point.timeUnixNano, {
        scale: point.scale,
        zeroCount: point.zeroCount,
        zeroThreshold: point.zeroThreshold,
        positive: point.positive,
        negative: point.negative,
        count: point.count,
        sum: point.sum ?? 0,
      });
      if (typeof total === 'string') return this.skip(total);
      source = { ...point, ...total, sum: point.sum === undefined ? undefined : total.sum };
    }
    const histogram = toNativeHistogram(source, ms, stale);
    if (typeof histogram === 'string') return this.skip(histogram);
    const out = this.sample(this.catalog.main(series), 0, 0, true);
    if (out.histograms === NO_HISTOGRAMS) out.histograms = [];
    out.histograms.push(histogram);
    if (point.exemplars.length > 0 && this.config.send_exemplars) addExemplars(out, point.exemplars);
    return true;
  }

  /**
   * The series `sid`, new in this batch: the next slot (its index in this batch's series, see samples.ts) and
   * that slot's reused TimeSeriesOut, emptied. A known series then costs its samples' values and nothing allocated.
   */
  private newSeries(sid: number): TimeSeriesOut {
    const slot = this.out.length;
    let series = this.pool[slot];
    if (series === undefined) {
      series = {
        labelBlock: EMPTY_BLOCK,
        labelStart: 0,
        labelBytes: 0,
        labelSource: undefined,
        labelSid: NO_SERIES,
        store: EMPTY_STORE,
        sampleStart: 0,
        sampleCount: 0,
        exemplars: NO_EXEMPLARS,
        histograms: NO_HISTOGRAMS,
        unsorted: false,
      };
      this.pool.push(series);
      if (slot === this.poolSid.length) this.poolSid = grown(this.poolSid, slot * 2, NO_SERIES);
    } else {
      series.exemplars = NO_EXEMPLARS;
      series.histograms = NO_HISTOGRAMS;
      series.unsorted = false;
    }
    if (this.poolSid[slot] !== sid) {
      const arena = this.catalog.arena;
      if (arena.isComposed(sid)) {
        series.labelSource = arena;
        series.labelBlock = EMPTY_BLOCK;
        series.labelStart = 0;
      } else {
        series.labelSource = undefined;
        series.labelBlock = arena.chunk(sid);
        series.labelStart = arena.start(sid);
      }
      series.labelSid = sid;
      series.labelBytes = arena.length(sid);
      this.poolSid[slot] = sid;
    }
    if (sid >= this.batchOf.length) {
      const size = Math.max(sid + 1, this.batchOf.length * 2);
      this.batchOf = grown(this.batchOf, size);
      this.slotOf = grown(this.slotOf, size);
    }
    this.batchOf[sid] = this.batch;
    this.slotOf[sid] = slot;
    this.out.push(series);
    return series;
  }

  /**
   * Records a sample for the series `sid` (or, with `lookupOnly`, just finds it). Same series and timestamp:
   * the last value wins (samples.ts lays them out when the translation ends).
   */
  private sample(sid: number, value: number, timestamp: number, lookupOnly = false): TimeSeriesOut {
    const series = sid < this.batchOf.length && this.batchOf[sid] === this.batch ? this.out[this.slotOf[sid]!]! : this.newSeries(sid);
    if (!lookupOnly) this.samples.add(this.slotOf[sid]!, value, timestamp);
    return series;
  }
}

const EMPTY_BLOCK = new Uint8Array(0);
const EMPTY_STORE = new SampleStore();

/** A series' encoded `labels` field (tests, benchmark): a view on the arena, or a copy of a composed block. */
export function labelsOf(series: TimeSeriesOut): Uint8Array {
  const source = series.labelSource;
  if (source !== undefined) return source.view(series.labelSid!).slice();
  return series.labelBlock.subarray(series.labelStart, series.labelStart + series.labelBytes);
}

/** labelsOf without the copy (request sharding): valid until the next call. */
export function labelsView(series: TimeSeriesOut): Uint8Array {
  const source = series.labelSource;
  if (source !== undefined) return source.view(series.labelSid!);
  return series.labelBlock.subarray(series.labelStart, series.labelStart + series.labelBytes);
}

/** A series whose samples arrived out of time order: its native histograms go in time order too. */
function sortHistograms(series: TimeSeriesOut): void {
  series.histograms.sort((a, b) => a.timestamp - b.timestamp);
  series.unsorted = false;
}

function addExemplars(series: TimeSeriesOut, exemplars: readonly Exemplar[]): void {
  if (series.exemplars === NO_EXEMPLARS) series.exemplars = [];
  for (const exemplar of exemplars) series.exemplars.push(exemplarOut(exemplar));
}

function exemplarOut(exemplar: Exemplar): ExemplarOut {
  const labels: Label[] = [];
  let chars = 0;
  const add = (name: string, value: string): void => {
    if (value === '' || name === '') return;
    const size = name.length + value.length;
    if (chars + size > MAX_EXEMPLAR_LABEL_CHARS) return;
    chars += size;
    labels.push({ name, value });
  };
  add('trace_id', exemplar.traceId);
  add('span_id', exemplar.spanId);
  for (const key of Object.keys(exemplar.filteredAttributes).sort()) {
    const name = sanitizeLabelName(key);
    if (name !== 'trace_id' && name !== 'span_id') add(name, attributeToString(exemplar.filteredAttributes[key]!));
  }
  labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels, value: numericValue(exemplar.value), timestamp: nsToMs(exemplar.timeUnixNano) };
}
