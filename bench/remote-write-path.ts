/**
 * The remote-write adapter's whole write path without the network, as delivery drives it: a write is several
 * queue jobs (each one request's points, encoded with the queue codec), decoded and joined
 * (src/delivery/worker.ts), then what PrometheusAdapter.encode does before sending: catalog trim, translate,
 * partition by series, cut into requests, encode and compress each. The same series recur from job to job
 * (later timestamps), so a write sees each series several times. A live heap of `ballastMb` of small objects
 * stands for the gateway's own, so minor and major GCs cost what they would there; GC counts come from
 * PerformanceObserver. Used by bench/remote-write-micro.ts.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import type { PrometheusConfig } from '../src/adapters/prometheus/config.js';
import { CumulativeState } from '../src/adapters/prometheus/delta.js';
import { encodeWriteRequest, splitRequests } from '../src/adapters/prometheus/encode.js';
import { SeriesCatalog } from '../src/adapters/prometheus/series.js';
import { partitionBySeries } from '../src/adapters/prometheus/shards.js';
import { Translator } from '../src/adapters/prometheus/translate.js';
import type { MetricPoint } from '../src/model/index.js';
import { decodeBatch, encodeBatch } from '../src/queue/codec.js';

export interface WritePathOptions {
  /** The benchmark's batch for a round: same series, later timestamps. */
  readonly batch: (round: number) => MetricPoint[];
  readonly jobs: number;
  readonly ballastMb: number;
  readonly config: PrometheusConfig;
}

const WRITES = 8;
const WARMUP = 2;

/** Small objects with strings and arrays, about `mb` MB of them, kept alive until the measurement ends. */
function ballast(mb: number): unknown[] {
  const objects: unknown[] = [];
  for (let i = 0; i < (mb * 1e6) / 120; i++) objects.push({ key: `k${i % 5000}`, value: i * 1.5, tags: [i, `t${i}`] });
  return objects;
}

const cpuMsBetween = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage): number => (b.user - a.user + b.system - a.system) / 1000;

export async function measureWritePath(options: WritePathOptions): Promise<string> {
  const { config, jobs } = options;
  const live = ballast(options.ballastMb);
  const catalog = new SeriesCatalog(config.translation);
  const translator = new Translator(
    config,
    catalog,
    new CumulativeState(config.delta_to_cumulative.max_series, config.delta_to_cumulative.max_stale),
    new Map(),
  );
  const limits = { maxSamples: config.max_samples_per_request, maxBytes: config.max_bytes_per_request };
  // GC entries arrive later, asynchronously: kept with their start times, counted when they fall in a timed write.
  const entries: { start: number; duration: number; minor: boolean }[] = [];
  const windows: [number, number][] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      entries.push({ start: entry.startTime, duration: entry.duration, minor: kind === 1 }); // 1: NODE_PERFORMANCE_GC_MINOR
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let decodeMs = 0,
    translateMs = 0;
  let cpuMs = 0,
    wallMs = 0,
    points = 0,
    samples = 0,
    requests = 0,
    bytes = 0;
  for (let write = 0; write < WRITES + WARMUP; write++) {
    // The queue holds encoded payloads; building them is not part of the write.
    const payloads = Array.from({ length: jobs }, (_, j) => encodeBatch({ metrics: options.batch(1000 + write * jobs + j), spans: [], logs: [] }));
    const timed = write >= WARMUP;
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const metrics: MetricPoint[] = [];
    for (const payload of payloads) for (const point of decodeBatch(payload).metrics) metrics.push(point);
    const c1 = process.cpuUsage();
    catalog.trim();
    const translation = translator.translate(metrics);
    const c2 = process.cpuUsage();
    let writeSamples = 0;
    for (const series of translation.series) writeSamples += series.sampleCount;
    for (const stream of partitionBySeries(translation.series, 1)) {
      for (const request of splitRequests(stream, limits)) {
        const { body } = encodeWriteRequest(request);
        if (timed) {
          requests++;
          bytes += body.length;
        }
      }
    }
    const cpu = process.cpuUsage(c0);
    if (timed) {
      decodeMs += cpuMsBetween(c0, c1);
      translateMs += cpuMsBetween(c1, c2);
    }
    const wall = performance.now() - w0;
    await new Promise((resolve) => setImmediate(resolve));
    if (!timed) continue;
    windows.push([w0, w0 + wall]);
    cpuMs += (cpu.user + cpu.system) / 1000;
    wallMs += wall;
    points += metrics.length;
    samples += writeSamples;
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
  observer.disconnect();
  const gcs = { minor: 0, major: 0, ms: 0 };
  for (const entry of entries) {
    if (!windows.some(([from, to]) => entry.start >= from && entry.start < to)) continue;
    if (entry.minor) gcs.minor++;
    else gcs.major++;
    gcs.ms += entry.duration;
  }
  void live.length;
  const perWrite = (value: number): string => (value / WRITES).toFixed(1);
  const rate = (ms: number): string => Math.round(points / (ms / 1000)).toLocaleString('en');
  return [
    `adapter write path (queue decode + translate + split + encode + snappy), ${jobs} jobs x 10,000 points per write, ${WRITES} writes, ${options.ballastMb} MB live heap:`,
    `  ${(points / WRITES).toLocaleString('en')} points = ${Math.round(samples / WRITES).toLocaleString('en')} samples per write, ${(requests / WRITES).toFixed(0)} requests, ${(bytes / WRITES / 1e6).toFixed(2)} MB compressed`,
    `  CPU ms/write: queue decode ${perWrite(decodeMs)}, translate ${perWrite(translateMs)}, split + encode + snappy ${perWrite(cpuMs - decodeMs - translateMs)}; adapter alone (without the decode) ${rate(cpuMs - decodeMs)} points/s per core`,
    `  CPU ${perWrite(cpuMs)} ms/write  ${rate(cpuMs)} points/s per core   wall ${perWrite(wallMs)} ms/write  ${rate(wallMs)} points/s`,
    `  GC per write: ${(gcs.minor / WRITES).toFixed(1)} minor, ${(gcs.major / WRITES).toFixed(1)} major, ${perWrite(gcs.ms)} ms`,
  ].join('\n');
}
