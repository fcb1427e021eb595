/** Sample values and timestamps as remote write wants them. */
import { formatFloatLikeGo } from '../../util/format-float.js';

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

/** A bound or quantile as a label value (`le`, `quantile`), as the Collector writes it. */
export const formatFloat = formatFloatLikeGo;
