/**
 * Remote write 1.0 bodies: series cut into requests by sample count and size (in order: a series' samples
 * never go out of time order across requests), each a protobuf WriteRequest (wire-writer.ts, held equal to
 * protobufjs's encoding of proto/prometheus/remote.proto by its tests) compressed with snappy's block format (napi).
 */
import snappy from 'snappy';
import type { TimeSeriesOut } from './translate.js';
import { WireWriter } from './wire-writer.js';

/** Encoded sizes, to cut requests before encoding; labels exact, the rest generous upper bounds. */
const SAMPLE_BYTES = 22;
const EXEMPLAR_BYTES = 120;
function histogramBytes(series: TimeSeriesOut): number {
  let size = 0;
  for (const h of series.histograms)
    size += 64 + (h.positiveDeltas.length + h.negativeDeltas.length) * 10 + (h.positiveSpans.length + h.negativeSpans.length) * 12;
  return size;
}

export interface RequestLimits {
  readonly maxSamples: number;
  readonly maxBytes: number;
}

/**
 * Series → requests of at most `maxSamples` samples (native histograms and exemplars count one each) and about
 * `maxBytes` uncompressed. A series bigger than one request is split into consecutive parts, oldest first.
 */
export function splitRequests(series: readonly TimeSeriesOut[], limits: RequestLimits): TimeSeriesOut[][] {
  const requests: TimeSeriesOut[][] = [];
  let current: TimeSeriesOut[] = [];
  let samples = 0;
  let bytes = 0;
  const flush = (): void => {
    if (current.length > 0) requests.push(current);
    current = [];
    samples = 0;
    bytes = 0;
  };
  for (const whole of series) {
    const count = whole.sampleCount + whole.histograms.length + whole.exemplars.length;
    const size = whole.labelBytes + whole.sampleCount * SAMPLE_BYTES + whole.exemplars.length * EXEMPLAR_BYTES + histogramBytes(whole);
    if (samples + count <= limits.maxSamples && bytes + size <= limits.maxBytes) {
      current.push(whole);
      samples += count;
      bytes += size;
      continue;
    }
    if (count <= limits.maxSamples && size <= limits.maxBytes) {
      flush();
      current.push(whole);
      samples = count;
      bytes = size;
      continue;
    }
    for (const part of splitSeries(whole, limits)) {
      flush();
      current.push(part);
      samples = limits.maxSamples; // a part fills its request
    }
  }
  flush();
  return requests;
}

/** A part of a series: its labels and sample store, a range of its samples or some of its native histograms. */
function seriesPart(series: TimeSeriesOut, sampleStart: number, sampleCount: number, histograms: TimeSeriesOut['histograms']): TimeSeriesOut {
  const { labelBlock, labelStart, labelBytes, labelSource, labelSid, store } = series;
  return { labelBlock, labelStart, labelBytes, labelSource, labelSid, store, sampleStart, sampleCount, exemplars: [], histograms };
}

/** One oversized series as parts, each within one request's bounds, in time order. */
function splitSeries(series: TimeSeriesOut, limits: RequestLimits): TimeSeriesOut[] {
  const perSample = SAMPLE_BYTES + (series.histograms.length > 0 ? histogramBytes(series) / series.histograms.length : 0);
  const room = Math.max(1, Math.min(limits.maxSamples, Math.floor((limits.maxBytes - series.labelBytes) / perSample)));
  const parts: TimeSeriesOut[] = [];
  for (let i = 0; i < series.sampleCount; i += room) {
    parts.push(seriesPart(series, series.sampleStart + i, Math.min(room, series.sampleCount - i), []));
  }
  for (let i = 0; i < series.histograms.length; i += room) parts.push(seriesPart(series, 0, 0, series.histograms.slice(i, i + room)));
  // Exemplars ride with the last part: they are optional extras, not samples that must be ordered.
  const last = parts[parts.length - 1];
  if (last !== undefined) last.exemplars = series.exemplars.slice(0, limits.maxSamples);
  return parts;
}

/** One writer per process: encoding is synchronous and its buffer is compressed before the next request. */
let writer: WireWriter | undefined;

/** One request's protobuf WriteRequest, uncompressed: a view valid until the next call (tests, benchmark). */
export function writeRequestBytes(timeseries: readonly TimeSeriesOut[]): Buffer {
  writer ??= new WireWriter();
  return writer.writeRequest(timeseries);
}

const SNAPPY_OPTIONS = { copyOutputData: true } as const;

/**
 * Snappy block format. `copyOutputData`: the compressed bytes are copied into a Buffer V8 allocates, and the
 * binding's own output buffer (max_compress_len(input), about 1.17× the input) is freed at once. Without it the
 * binding hands that buffer to V8 as external memory, freed only when a GC collects the Buffer, so its
 * allocator (mimalloc) takes fresh pages for every call and the kernel zeroes them (transparent huge pages):
 * on this machine 70% of the call was clear_page in the kernel, ~150 MB/s instead of ~2-3 GB/s
 * (bench/NOTES.md, "Remote-write encoder").
 */
export function compressBody(raw: Uint8Array): Buffer {
  return snappy.compressSync(raw, SNAPPY_OPTIONS);
}

/** One request body: protobuf WriteRequest, snappy block format. */
export function encodeWriteRequest(timeseries: readonly TimeSeriesOut[]): { body: Buffer; uncompressedBytes: number } {
  const raw = writeRequestBytes(timeseries);
  return { body: compressBody(raw), uncompressedBytes: raw.length };
}
