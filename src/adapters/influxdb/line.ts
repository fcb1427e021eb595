/**
 * One line of line protocol, built with @influxdata/influxdb-client's Point (which escapes measurement, tag
 * keys and values, field keys and string values, sorts tags and fields, and omits empty tag values). What
 * Point leaves to its caller is done here, so that no line we send can be refused for its syntax:
 * - a name or tag value ending in a backslash has no valid spelling (InfluxDB reads `x\ ` as an escaped
 *   space): trailing backslashes are removed;
 * - `time` (InfluxDB 1.x and 2.x), `_measurement` and `_field` (2.x) are reserved as tag and field keys: a
 *   trailing `_` is added to them;
 * - NaN and ±Inf cannot be written: the field is left out and counted; a line left without fields is not sent;
 * - int64 values go out exactly, from bigint (Point.intField goes through a JS number and rounds above 2^53).
 */
import { Point } from '@influxdata/influxdb-client';

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

/** Collects the lines of a batch and what had to be left out of them. */
export class LineBuilder {
  readonly lines: string[] = [];
  /** Fields left out because their value was NaN or ±Inf. */
  droppedFields = 0;
  private point: Point | undefined;
  private fieldCount = 0;

  begin(measurement: string): this {
    this.point = new Point(cleanName(measurement));
    this.fieldCount = 0;
    return this;
  }

  /** Empty values are left out (by Point). Later calls with the same key win. */
  tag(key: string, value: string): this {
    this.point!.tag(cleanKey(key), cleanName(value));
    return this;
  }

  float(key: string, value: number): this {
    if (Number.isFinite(value)) {
      this.point!.floatField(cleanKey(key), value);
      this.fieldCount++;
    } else {
      this.droppedFields++;
    }
    return this;
  }

  /** An integer field (`i`), exact for bigint; a JS number must be a safe integer. */
  int(key: string, value: bigint | number): this {
    // Point.fields holds already-encoded values; intField would round a bigint above 2^53 through a number.
    this.point!.fields[cleanKey(key)] = `${typeof value === 'bigint' ? value : Math.trunc(value)}i`;
    this.fieldCount++;
    return this;
  }

  /** An integer field that does not make a line worth writing on its own (e.g. start_time_unix_nano). */
  meta(key: string, value: bigint): this {
    this.point!.fields[cleanKey(key)] = `${value}i`;
    return this;
  }

  /** A gauge/counter value: int64 stays an integer field, a double a float field. */
  number(key: string, value: bigint | number): this {
    return typeof value === 'bigint' ? this.int(key, value) : this.float(key, value);
  }

  string(key: string, value: string): this {
    this.point!.stringField(cleanKey(key), value);
    this.fieldCount++;
    return this;
  }

  /** Ends the line at `timeUnixNano`. False when it had no field left (nothing is written). */
  end(timeUnixNano: bigint): boolean {
    const point = this.point!;
    this.point = undefined;
    if (this.fieldCount === 0) return false;
    const line = point.timestamp(timeUnixNano.toString()).toLineProtocol();
    if (line === undefined) return false; // empty measurement name
    this.lines.push(line);
    return true;
  }
}

/**
 * A float as Go's strconv.FormatFloat(x, 'f', -1, 64) writes it (the shortest digits that read back as x,
 * never an exponent): the collector's field keys for histogram bounds and summary quantiles.
 */
export function formatFloat(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const negative = text.startsWith('-');
  const mantissa = text.slice(negative ? 1 : 0, e);
  const exponent = Number(text.slice(e + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + exponent; // position of the decimal point in `digits`
  const body = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : point >= digits.length ? digits + '0'.repeat(point - digits.length) : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${body}` : body;
}
