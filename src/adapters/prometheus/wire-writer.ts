/**
 * prometheus.WriteRequest written by hand, straight into one growable Buffer reused across requests.
 *
 * Why not protobufjs (the project's rule is to use the library): bench/remote-write-micro.ts showed its encode
 * at half the adapter's CPU and most of its garbage (about 40 small objects per series: one writer operation
 * per field, forks per submessage). This writer allocates nothing per series or sample. It is held equal to
 * protobufjs by test/adapters/prometheus/wire-writer.test.ts (byte-for-byte differential cases and a seeded fuzz);
 * protobufjs stays the reference there and in the benchmark.
 *
 * It writes exactly what protobufjs writes for the objects the translator makes, in the same order (fields by
 * number): every scalar field that is set is written, zeros included (protobufjs writes a proto3 field whenever
 * the property exists); unset oneof members and empty repeated fields are left out; repeated scalars packed.
 * 64-bit integers given as JS numbers are converted as protobufjs's LongBits.fromNumber does (truncation and
 * two's complement), so even odd inputs encode the same. One deliberate difference: strings are written as
 * well-formed UTF-8 (a lone surrogate becomes U+FFFD, as Buffer and TextEncoder do), where protobufjs writes a
 * lone surrogate as three invalid bytes in strings under 40 bytes and as U+FFFD in longer ones.
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import type { BucketSpan, NativeHistogram } from './native-histogram.js';
import type { LabelSource } from './label-arena.js';
import type { ExemplarOut, Label, TimeSeriesOut } from './series-out.js';

const TWO_32 = 4294967296;

/** Bytes of a uint32 varint. */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Bytes of a JS string as well-formed UTF-8; ASCII counted inline, the rest by Buffer. */
function utf8Size(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return Buffer.byteLength(text, 'utf8');
  return text.length;
}

const INITIAL_BYTES = 1 << 20;

let labelWriter: WireWriter | undefined;

/**
 * A sorted label set encoded once as the `labels` field of a TimeSeries: each prometheus.Label with its tag
 * and length, back to back. The writer copies the block into every request the series is in.
 */
export function encodeLabelBlock(labels: readonly Label[]): Uint8Array {
  return new Uint8Array(labelBlockView(labels));
}

/** encodeLabelBlock without the copy: a view valid until the next call (the catalog copies it into its arena). */
export function labelBlockView(labels: readonly Label[]): Uint8Array {
  labelWriter ??= new WireWriter(4096);
  return labelWriter.labelBlock(labels);
}

export class WireWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;
  /** The last composed label block written in this request, and where its bytes are (copyLabels may copy from them). */
  private previousSource: LabelSource | undefined;
  private previousSid = -1;
  private previousAt = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(initialBytes);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /**
   * One WriteRequest{timeseries}. The result is a view on the writer's buffer, valid until the next call:
   * compress or copy it before encoding again.
   */
  writeRequest(timeseries: readonly TimeSeriesOut[]): Buffer {
    this.pos = 0;
    this.previousSource = undefined;
    for (let i = 0; i < timeseries.length; i++) this.timeSeries(timeseries[i]!);
    return this.buf.subarray(0, this.pos);
  }

  /** One label set as the `labels` field of a TimeSeries (each Label with its tag and length): a view valid until the next call. */
  labelBlock(labels: readonly Label[]): Uint8Array {
    this.pos = 0;
    for (const label of labels) this.label(0x0a, label);
    return this.buf.subarray(0, this.pos);
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /**
   * Closes a length-delimited field whose body started at `start` with `reserved` bytes kept before it for
   * the length: writes the length there, moving the body when the length needs another number of bytes.
   * Where the body starts now.
   */
  private finishLength(start: number, reserved: number): number {
    const length = this.pos - start;
    const needed = varintSize(length);
    if (needed !== reserved) {
      this.ensure(needed - reserved);
      this.buf.copyWithin(start + needed - reserved, start, this.pos);
      this.pos += needed - reserved;
    }
    let at = start - reserved;
    let value = length;
    while (value > 127) {
      this.buf[at++] = (value & 127) | 128;
      value >>>= 7;
    }
    this.buf[at] = value;
    return start + needed - reserved;
  }

  private timeSeries(series: TimeSeriesOut): void {
    const count = series.sampleCount;
    const values = series.store.values;
    const timestamps = series.store.timestamps;
    const labelBytes = series.labelBytes;
    // Exact unless a timestamp's varint is longer than 6 bytes (before 1970 or after 2109) or there are
    // exemplars or histograms: then finishLength moves the body.
    const estimate = labelBytes + count * 18 + series.exemplars.length * 100 + series.histograms.length * 64;
    const reserved = varintSize(estimate);
    this.ensure(1 + reserved + labelBytes + count * 22);
    const buf = this.buf;
    buf[this.pos] = 0x0a; // WriteRequest.timeseries = 1
    const start = this.pos + 1 + reserved;
    const source = series.labelSource;
    if (source === undefined) buf.set(series.labelBlock.subarray(series.labelStart, series.labelStart + labelBytes), start);
    else if (source === this.previousSource) source.copyLabels(series.labelSid!, buf, start, this.previousSid, this.previousAt);
    else source.copyLabels(series.labelSid!, buf, start);
    this.pos = start + labelBytes;
    for (let i = series.sampleStart, end = i + count; i < end; i++) {
      const timestamp = timestamps[i]!;
      let pos = this.pos;
      buf[pos++] = 0x12; // TimeSeries.samples = 2
      pos++; // length, below
      const body = pos;
      buf[pos++] = 0x09; // Sample.value = 1, fixed64
      this.view.setFloat64(pos, values[i]!, true);
      pos += 8;
      buf[pos++] = 0x10; // Sample.timestamp = 2, varint
      if (timestamp >= 0 && timestamp < TWO_32 * 0x200000 && timestamp === Math.floor(timestamp)) {
        // Non-negative integer below 2^53: the common case, without LongBits.
        let lo = timestamp % TWO_32;
        let hi = (timestamp - lo) / TWO_32;
        while (hi !== 0) {
          buf[pos++] = (lo & 127) | 128;
          lo = ((lo >>> 7) | (hi << 25)) >>> 0;
          hi >>>= 7;
        }
        while (lo > 127) {
          buf[pos++] = (lo & 127) | 128;
          lo >>>= 7;
        }
        buf[pos++] = lo;
        this.pos = pos;
      } else {
        this.pos = pos;
        this.int64(timestamp);
        pos = this.pos;
      }
      buf[body - 1] = pos - body;
    }
    for (let i = 0; i < series.exemplars.length; i++) this.exemplar(series.exemplars[i]!);
    for (let i = 0; i < series.histograms.length; i++) this.histogram(series.histograms[i]!);
    const labelsAt = this.finishLength(start, reserved);
    if (source !== undefined) {
      this.previousSource = source;
      this.previousSid = series.labelSid!;
      this.previousAt = labelsAt;
    }
  }

  private exemplar(exemplar: ExemplarOut): void {
    this.ensure(1 + 1);
    this.buf[this.pos] = 0x1a; // TimeSeries.exemplars = 3
    this.pos += 2; // one byte for the length: exemplar labels are at most 128 characters
    const start = this.pos;
    for (const label of exemplar.labels) this.label(0x0a, label); // Exemplar.labels = 1
    this.ensure(1 + 8 + 1 + 10);
    this.buf[this.pos++] = 0x11; // Exemplar.value = 2, fixed64
    this.double(exemplar.value);
    this.buf[this.pos++] = 0x18; // Exemplar.timestamp = 3, varint
    this.int64(exemplar.timestamp);
    this.finishLength(start, 1);
  }

  private histogram(h: NativeHistogram): void {
    const reserved = varintSize(45 + (h.negativeSpans.length + h.positiveSpans.length) * 6 + (h.negativeDeltas.length + h.positiveDeltas.length) * 2);
    this.ensure(1 + reserved + 11 + 9 + 6 + 9 + 11);
    this.buf[this.pos] = 0x22; // TimeSeries.histograms = 4
    this.pos += 1 + reserved;
    const start = this.pos;
    const buf = this.buf;
    buf[this.pos++] = 0x08; // count_int = 1
    this.int64(h.countInt);
    buf[this.pos++] = 0x19; // sum = 3, fixed64
    this.double(h.sum);
    buf[this.pos++] = 0x20; // schema = 4, sint32
    this.uint32(((h.schema << 1) ^ (h.schema >> 31)) >>> 0);
    buf[this.pos++] = 0x29; // zero_threshold = 5, fixed64
    this.double(h.zeroThreshold);
    buf[this.pos++] = 0x30; // zero_count_int = 6
    this.int64(h.zeroCountInt);
    this.spans(0x42, h.negativeSpans); // negative_spans = 8
    this.deltas(0x4a, h.negativeDeltas); // negative_deltas = 9, packed sint64
    this.spans(0x5a, h.positiveSpans); // positive_spans = 11
    this.deltas(0x62, h.positiveDeltas); // positive_deltas = 12, packed sint64
    this.ensure(1 + 10 + 1 + 10);
    this.buf[this.pos++] = 0x70; // reset_hint = 14, enum (int32)
    if (h.resetHint < 0) this.int64(h.resetHint);
    else this.uint32(h.resetHint >>> 0);
    this.buf[this.pos++] = 0x78; // timestamp = 15
    this.int64(h.timestamp);
    this.finishLength(start, reserved);
  }

  private spans(tag: number, spans: readonly BucketSpan[]): void {
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i]!;
      this.ensure(2 + 1 + 5 + 1 + 5);
      this.buf[this.pos++] = tag;
      const lengthAt = this.pos++;
      this.buf[this.pos++] = 0x08; // BucketSpan.offset = 1, sint32
      this.uint32(((span.offset << 1) ^ (span.offset >> 31)) >>> 0);
      this.buf[this.pos++] = 0x10; // BucketSpan.length = 2, uint32
      this.uint32(span.length >>> 0);
      this.buf[lengthAt] = this.pos - lengthAt - 1; // at most 12
    }
  }

  private deltas(tag: number, deltas: readonly number[]): void {
    if (deltas.length === 0) return;
    this.ensure(1 + 3 + deltas.length * 10);
    this.buf[this.pos] = tag;
    const reserved = varintSize(deltas.length * 2);
    this.pos += 1 + reserved;
    const start = this.pos;
    for (let i = 0; i < deltas.length; i++) this.sint64(deltas[i]!);
    this.finishLength(start, reserved);
  }

  /** A Label message as a length-delimited field `tag`; name and value always written, as protobufjs does. */
  private label(tag: number, label: Label): void {
    const nameBytes = utf8Size(label.name);
    const valueBytes = utf8Size(label.value);
    const message = 2 + varintSize(nameBytes) + nameBytes + varintSize(valueBytes) + valueBytes;
    this.ensure(1 + varintSize(message) + message);
    this.buf[this.pos++] = tag;
    this.uint32(message);
    this.buf[this.pos++] = 0x0a; // Label.name = 1
    this.string(label.name, nameBytes);
    this.buf[this.pos++] = 0x12; // Label.value = 2
    this.string(label.value, valueBytes);
  }

  private string(text: string, bytes: number): void {
    this.uint32(bytes);
    if (bytes === text.length) {
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < text.length; i++) buf[pos++] = text.charCodeAt(i);
    } else {
      this.buf.write(text, this.pos, bytes, 'utf8');
    }
    this.pos += bytes;
  }

  private double(value: number): void {
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  private uint32(value: number): void {
    const buf = this.buf;
    while (value > 127) {
      buf[this.pos++] = (value & 127) | 128;
      value >>>= 7;
    }
    buf[this.pos++] = value;
  }

  /** int64/uint64 from a JS number, as protobufjs's LongBits.fromNumber makes it. */
  private int64(value: number): void {
    let lo = 0;
    let hi = 0;
    if (value !== 0) {
      const negative = value < 0;
      if (negative) value = -value;
      lo = value >>> 0;
      hi = ((value - lo) / TWO_32) >>> 0;
      if (negative) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
        if (++lo > 0xffffffff) {
          lo = 0;
          if (++hi > 0xffffffff) hi = 0;
        }
      }
    }
    this.varint64(lo, hi);
  }

  /** sint64 (zigzag) from a JS number, as protobufjs's LongBits.fromNumber(...).zzEncode() makes it. */
  private sint64(value: number): void {
    let lo = 0;
    let hi = 0;
    if (value !== 0) {
      const negative = value < 0;
      if (negative) value = -value;
      lo = value >>> 0;
      hi = ((value - lo) / TWO_32) >>> 0;
      if (negative) {
        hi = ~hi >>> 0;
        lo = ~lo >>> 0;
        if (++lo > 0xffffffff) {
          lo = 0;
          if (++hi > 0xffffffff) hi = 0;
        }
      }
    }
    const mask = hi >> 31;
    hi = (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0;
    lo = ((lo << 1) ^ mask) >>> 0;
    this.varint64(lo, hi);
  }

  private varint64(lo: number, hi: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (hi !== 0) {
      buf[pos++] = (lo & 127) | 128;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 127) {
      buf[pos++] = (lo & 127) | 128;
      lo >>>= 7;
    }
    buf[pos++] = lo;
    this.pos = pos;
  }
}
