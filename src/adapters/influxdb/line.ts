/**
 * Building lines of line protocol: the rules every line follows, whichever encoder writes it. The encoders
 * (test/adapters/influxdb/point-encoder-reference.ts: @influxdata/influxdb-client's Point, the reference; line-writer.ts: hand-written, what the
 * adapter uses) escape measurement, tag keys and values, field keys and string values, sort tags and fields
 * and omit empty tag values. What Point leaves to its caller is done here, so no line we send can be refused
 * for its syntax:
 * - a name or tag value ending in a backslash has no valid spelling (InfluxDB reads `x\ ` as an escaped
 *   space): trailing backslashes are removed;
 * - `time` (InfluxDB 1.x and 2.x), `_measurement` and `_field` (2.x) are reserved as tag and field keys: a
 *   trailing `_` is added to them;
 * - a timestamp outside InfluxDB's int64 range makes the whole line unparsable: the line is not sent, counted;
 * - NaN and ±Inf cannot be written: the field is left out and counted; a line left without fields is not sent;
 * - int64 values go out exactly, from bigint (Point.intField goes through a JS number and rounds above 2^53).
 */
import { formatFloatLikeGo } from '../../util/format-float.js';

/** InfluxDB's time range (models.MinNanoTime / MaxNanoTime): a timestamp outside it makes the line unparsable. */
export const MIN_TIME_NS = -9_223_372_036_854_775_806n;
export const MAX_TIME_NS = 9_223_372_036_854_775_806n;

export function writableTime(timeUnixNano: bigint): boolean {
  return timeUnixNano >= MIN_TIME_NS && timeUnixNano <= MAX_TIME_NS;
}

const RESERVED_KEYS: ReadonlySet<string> = new Set(['time', '_measurement', '_field']);

/** A name or tag value as it can be written: no trailing backslash. */
export function cleanName(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 92 /* \ */) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** A tag or field key as it can be written: no trailing backslash, not a reserved key. */
export function cleanKey(text: string): string {
  const key = cleanName(text);
  return RESERVED_KEYS.has(key) ? `${key}_` : key;
}

/**
 * Tags shared by many lines (a resource's attributes and its scope), as [key, value] in the order they are
 * applied (a later key wins). The translator keeps one array per resource and scope, so an encoder may cache
 * what it makes of it by identity.
 */
export type TagList = readonly (readonly [string, string])[];

/**
 * Collects the lines of a batch and what had to be left out of them. Within a line: tags and fields are a
 * map (the last value for a key wins), written sorted by key; an empty tag value is left out.
 */
export abstract class LineBuilder {
  readonly lines: string[] = [];
  /** Fields left out because their value was NaN or ±Inf. */
  droppedFields = 0;
  /** Span event / link lines left out because their timestamp is outside InfluxDB's range or their series key too long. */
  droppedLines = 0;
  /** Why the last end() wrote nothing: a metric point or span counts as skipped for this reason. */
  refusal: 'no_field' | 'long_key' = 'no_field';
  private valueFields = 0;

  begin(measurement: string): this {
    this.valueFields = 0;
    this.startLine(cleanName(measurement));
    return this;
  }

  /** Shared tags, applied in order before the line's own (which win on a clash). */
  baseTags(tags: TagList): this {
    this.putBaseTags(tags);
    return this;
  }

  tag(key: string, value: string): this {
    this.putTag(cleanKey(key), cleanName(value));
    return this;
  }

  float(key: string, value: number): this {
    if (Number.isFinite(value)) {
      this.putFloat(cleanKey(key), value);
      this.valueFields++;
    } else {
      this.droppedFields++;
    }
    return this;
  }

  /** An integer field (`i`), exact for bigint; a JS number must be a safe integer. */
  int(key: string, value: bigint | number): this {
    this.putInt(cleanKey(key), typeof value === 'bigint' ? value.toString() : String(Math.trunc(value)));
    this.valueFields++;
    return this;
  }

  /** An integer field that does not make a line worth writing on its own (e.g. start_time_unix_nano). */
  meta(key: string, value: bigint): this {
    this.putInt(cleanKey(key), value.toString());
    return this;
  }

  /** A gauge/counter value: int64 stays an integer field, a double a float field. */
  number(key: string, value: bigint | number): this {
    return typeof value === 'bigint' ? this.int(key, value) : this.float(key, value);
  }

  string(key: string, value: string): this {
    this.putString(cleanKey(key), value);
    this.valueFields++;
    return this;
  }

  bool(key: string, value: boolean): this {
    this.putBool(cleanKey(key), value);
    this.valueFields++;
    return this;
  }

  /** Ends the line at `timeUnixNano`. False when nothing was written (no field left, no measurement, time out of range). */
  end(timeUnixNano: bigint): boolean {
    this.refusal = 'no_field';
    if (this.valueFields === 0) {
      this.abandonLine();
      return false;
    }
    if (!writableTime(timeUnixNano)) {
      this.abandonLine();
      this.droppedLines++;
      return false;
    }
    const line = this.finishLine(timeUnixNano.toString());
    if (line === undefined) return false;
    if (seriesKeyTooLong(line)) {
      // InfluxDB refuses the line ("max key length exceeded") and with it the request: one such point would
      // dead-letter its whole batch. It cannot be stored anywhere in InfluxDB, so it is left out and counted.
      this.refusal = 'long_key';
      this.droppedLines++;
      return false;
    }
    this.lines.push(line);
    return true;
  }

  protected abstract startLine(measurement: string): void;
  protected abstract putBaseTags(tags: TagList): void;
  /** Keys and values arrive cleaned (cleanKey / cleanName). */
  protected abstract putTag(key: string, value: string): void;
  /** A finite number. */
  protected abstract putFloat(key: string, value: number): void;
  /** Decimal digits of an int64, without the `i`. */
  protected abstract putInt(key: string, digits: string): void;
  protected abstract putString(key: string, value: string): void;
  protected abstract putBool(key: string, value: boolean): void;
  /** The line, or undefined when it has no measurement or no field. */
  protected abstract finishLine(time: string): string | undefined;
  protected abstract abandonLine(): void;
}

/** InfluxDB's limit on a series key (measurement and tags as written, escapes included): models.MaxKeyLength. */
export const MAX_SERIES_KEY_BYTES = 65_535;

/** Whether the line's series key (the text before its first unescaped space) is longer than InfluxDB takes. */
export function seriesKeyTooLong(line: string): boolean {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short lines (nearly all) need no scan.
  if (line.length * 3 <= MAX_SERIES_KEY_BYTES) return false;
  let end = 0;
  while (end < line.length && line[end] !== ' ') end += line[end] === '\\' ? 2 : 1;
  return Buffer.byteLength(line.slice(0, end), 'utf8') > MAX_SERIES_KEY_BYTES;
}

/** A histogram bound or summary quantile as the Collector's field key or tag value (formatFloatLikeGo). */
export function formatFloat(value: number): string {
  // Bounds and quantiles repeat on every point of a metric: remember the last texts.
  let text = formatted.get(value);
  if (text === undefined) {
    if (formatted.size >= 4_096) formatted.clear();
    formatted.set(value, (text = formatFloatLikeGo(value)));
  }
  return text;
}

const formatted = new Map<number, string>();
