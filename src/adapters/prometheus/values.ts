/** Sample values and timestamps as remote write wants them. */

/**
 * Prometheus's staleness marker: a NaN with this exact payload (value.StaleNaN). A plain NaN is a value,
 * this one ends the series. Made once through a typed array so the bits are exact.
 */
export const STALE_NAN: number = (() => {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, 0x7ff0000000000002n);
  return view.getFloat64(0);
})();

export function isStaleNaN(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0) === 0x7ff0000000000002n;
}

const NS_PER_MS = 1_000_000n;
let lastNs = -1n;
let lastMs = 0;

/**
 * Nanoseconds (bigint) → whole milliseconds, exactly: bigint division, never ns / 1e6 in floats (which
 * is off by one for some values near 2^53 ns). Points of one collection share timestamps, so the last
 * conversion is remembered.
 */
export function nsToMs(ns: bigint): number {
  if (ns === lastNs) return lastMs;
  lastNs = ns;
  lastMs = Number(ns / NS_PER_MS);
  return lastMs;
}

/**
 * A bound or quantile as a label value, as Go's strconv.FormatFloat(x, 'f', -1, 64) writes it (what the
 * Collector does): shortest round-trip digits, never exponent notation; `+Inf`/`-Inf`/`NaN`.
 */
export function formatFloat(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  const text = String(value);
  const e = text.indexOf('e');
  if (e < 0) return text;
  const sign = text.startsWith('-') ? '-' : '';
  const mantissa = text.slice(sign.length, e);
  const exponent = Number(text.slice(e + 1));
  const digits = mantissa.replace('.', '');
  const point = (mantissa.indexOf('.') < 0 ? mantissa.length : mantissa.indexOf('.')) + exponent;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
