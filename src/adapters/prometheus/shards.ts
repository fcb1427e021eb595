/**
 * A batch's series over `count` parallel request streams. A series (its encoded label set) always lands in the
 * same stream, whose requests go out one after another, so its samples still reach the server oldest first;
 * only different series travel side by side (Prometheus's own remote-write shards work the same way).
 */
import { type TimeSeriesOut, labelsView } from './translate.js';

export function partitionBySeries(series: readonly TimeSeriesOut[], count: number): TimeSeriesOut[][] {
  if (count <= 1) return [series as TimeSeriesOut[]];
  const shards: TimeSeriesOut[][] = Array.from({ length: count }, () => []);
  for (const one of series) shards[labelHash(labelsView(one)) % count]!.push(one);
  return shards.filter((shard) => shard.length > 0);
}

/** FNV-1a over the label bytes: stable across batches and processes, so a series keeps its stream. */
function labelHash(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}
