/**
 * Ingest: the gateway accepting and durably enqueueing (its backend paused) next to the ceiling server, in
 * the same run. Each run measures both at full load (closed loop), then both at half of the load each just
 * reached (open loop, rate-limited) for ack latency. The order alternates between runs.
 */
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { LoadGenerator } from '../load/client.js';
import { measure, type Measurement, type RunShape } from '../measure.js';
import type { Payload } from '../payloads.js';
import { pausedBackends, scrape, startCeiling, startGateway, type ServerProcess } from '../servers.js';
import { median } from '../stats.js';
import type { MergeStamp } from '../report-format.js';

export interface IngestOptions {
  name: string;
  payload: Payload;
  runs: number;
  full: RunShape;
  half: RunShape;
  warmupSec: number;
  nodeFlags: string[];
  /** Extra flags for the gateway only (e.g. --cpu-prof). */
  gatewayFlags: string[];
  dir: string;
  /** The gateway's queue config; default embedded. Hook for the Redis queue scenario. */
  queue?: Record<string, unknown>;
  /** receivers.otlp.decode_threads for the gateway (the scaling cases); default the gateway's own. */
  decodeThreads?: number;
  log: (line: string) => void;
  /** Keep the gateway's queue folder after the scenario (default: removed; it can hold hundreds of MB). */
  keepData?: boolean;
}

export interface TargetSummary {
  itemsPerSec: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  halfRateItemsPerSec: number;
  halfP50Ms: number;
  halfP99Ms: number;
  cpuMsPer100K: number;
  itemsPerCpuSec: number;
  cpuPercent: number;
  rssMB: number;
  hwmMB: number;
  refusedOrFailed: number;
}

/** Stamped (MergeStamp) when measured by a `--merge` run. */
export interface IngestResult extends MergeStamp {
  name: string;
  /** Node flags both servers ran with. */
  nodeFlags: string[];
  signal: Payload['signal'];
  contentEncoding: Payload['contentEncoding'];
  itemsPerRequest: number;
  bytesPerRequest: number;
  runs: number;
  ceiling: TargetSummary;
  gateway?: TargetSummary;
  /** Median over runs of gateway / ceiling items per second measured in the same run. */
  ratio?: number;
  ratioPerRun?: number[];
  /** Median over runs of gateway / ceiling items per server CPU-second. */
  cpuEfficiencyRatio?: number;
  gatewayError?: string;
  /** Cross-checks from the gateway's own /metrics and its queue folder after the runs. */
  gatewayCheck?: {
    receivedAccepted: number;
    sentAccepted: number;
    queueItems: number;
    queueBytes: number;
    queueDiskBytes: number;
    diskBytesPerItem: number;
  };
  measurements: Measurement[];
}

export async function ingestScenario(o: IngestOptions): Promise<IngestResult> {
  const generator = LoadGenerator.start();
  // Both start at once (they are idle while starting); one failing to start does not stop the other's figures.
  const [ceilingStart, gatewayStart] = await Promise.allSettled([
    startCeiling(o.nodeFlags),
    startGateway({
      dir: path.join(o.dir, `gateway-${o.name}`),
      nodeFlags: [...o.nodeFlags, ...o.gatewayFlags],
      ...(o.queue ? { queue: o.queue } : {}),
      backends: pausedBackends(o.payload.signal),
      decodeThreads: o.decodeThreads,
    }),
  ]);
  if (ceilingStart.status === 'rejected') {
    if (gatewayStart.status === 'fulfilled') await gatewayStart.value.stop();
    generator.close();
    throw ceilingStart.reason;
  }
  const ceiling = ceilingStart.value;
  let gateway: ServerProcess | undefined;
  let gatewayError: string | undefined;
  if (gatewayStart.status === 'fulfilled') gateway = gatewayStart.value;
  else {
    gatewayError = (gatewayStart.reason as Error).message.split('\n').slice(0, 12).join('\n');
    o.log(`  gateway did not start; measuring the ceiling only: ${gatewayError.split('\n')[0]}`);
  }
  const targets = gateway ? [ceiling, gateway] : [ceiling];
  const measurements: Measurement[] = [];
  let sentAccepted = 0;
  let gatewayCheck: IngestResult['gatewayCheck'];
  try {
    for (const target of targets) {
      await measure(generator, target, o.payload, { ...o.full, durationSec: o.warmupSec }, { mode: 'warmup', run: 0 });
    }
    const receivedBefore = gateway ? await scrape(gateway.adminUrl!, 'manifold_receiver_items_total', { result: 'accepted' }) : 0;
    for (let run = 1; run <= o.runs; run++) {
      const order = run % 2 ? targets : [...targets].reverse();
      const full = new Map<ServerProcess, Measurement>();
      for (const target of order) {
        const m = await measure(generator, target, o.payload, o.full, { mode: 'full', run });
        full.set(target, m);
        measurements.push(m);
        if (target === gateway) sentAccepted += m.load.acceptedItems;
        o.log(
          `  run ${run} ${target.kind.padEnd(7)} full: ${fmt(m.load.itemsPerSec)} items/s, p50 ${m.load.latencyMs.p50.toFixed(1)} ms, p99 ${m.load.latencyMs.p99.toFixed(1)} ms, ` +
            `CPU ${m.serverCpuPercent.toFixed(0)}% (${m.cpuMsPer100K.toFixed(0)} ms/100K), RSS ${m.rssMB.toFixed(0)} MB${failures(m) ? `, ${failures(m)} refused/failed` : ''}`,
        );
      }
      for (const target of order) {
        const rate = full.get(target)!.load.requestsPerSec / 2;
        if (!(rate > 0)) continue;
        // Enough requests for a p99 to mean something, even with 2 MB bodies at a few per second.
        const half = { ...o.half, durationSec: Math.min(o.half.durationSec * 4, Math.max(o.half.durationSec, (o.half.minRequests ?? 0) / rate)) };
        const m = await measure(generator, target, o.payload, half, { mode: 'half', run, rate });
        measurements.push(m);
        if (target === gateway) sentAccepted += m.load.acceptedItems;
        o.log(
          `  run ${run} ${target.kind.padEnd(7)} half: ${fmt(m.load.itemsPerSec)} items/s (asked ${fmt(rate * o.payload.items)}), p50 ${m.load.latencyMs.p50.toFixed(1)} ms, p99 ${m.load.latencyMs.p99.toFixed(1)} ms`,
        );
      }
    }
    if (gateway) {
      const receivedAccepted = (await scrape(gateway.adminUrl!, 'manifold_receiver_items_total', { result: 'accepted' })) - receivedBefore;
      const queueItems = await scrape(gateway.adminUrl!, 'manifold_queue_items');
      const queueBytes = await scrape(gateway.adminUrl!, 'manifold_queue_bytes');
      const queueDiskBytes = o.queue?.kind === 'redis' ? NaN : folderBytes(path.join(o.dir, `gateway-${o.name}`, 'queue'));
      gatewayCheck = { receivedAccepted, sentAccepted, queueItems, queueBytes, queueDiskBytes, diskBytesPerItem: queueDiskBytes / queueItems };
    }
  } finally {
    generator.close();
    await Promise.all(targets.map((t) => t.stop()));
    if (!o.keepData) rmSync(path.join(o.dir, `gateway-${o.name}`), { recursive: true, force: true });
  }
  const summary = (target: ServerProcess): TargetSummary => {
    const mine = measurements.filter((m) => m.target === target.kind);
    const full = mine.filter((m) => m.mode === 'full');
    const half = mine.filter((m) => m.mode === 'half');
    const med = (list: Measurement[], f: (m: Measurement) => number) => median(list.map(f));
    return {
      itemsPerSec: med(full, (m) => m.load.itemsPerSec),
      requestsPerSec: med(full, (m) => m.load.requestsPerSec),
      p50Ms: med(full, (m) => m.load.latencyMs.p50),
      p99Ms: med(full, (m) => m.load.latencyMs.p99),
      halfRateItemsPerSec: med(half, (m) => m.load.itemsPerSec),
      halfP50Ms: med(half, (m) => m.load.latencyMs.p50),
      halfP99Ms: med(half, (m) => m.load.latencyMs.p99),
      cpuMsPer100K: med(full, (m) => m.cpuMsPer100K),
      itemsPerCpuSec: med(full, (m) => m.itemsPerCpuSec),
      cpuPercent: med(full, (m) => m.serverCpuPercent),
      rssMB: Math.max(...mine.map((m) => m.rssMB)),
      hwmMB: Math.max(...mine.map((m) => m.hwmMB)),
      refusedOrFailed: mine.reduce((n, m) => n + failures(m), 0),
    };
  };
  const result: IngestResult = {
    name: o.name,
    nodeFlags: o.nodeFlags,
    signal: o.payload.signal,
    contentEncoding: o.payload.contentEncoding,
    itemsPerRequest: o.payload.items,
    bytesPerRequest: o.payload.bytes,
    runs: o.runs,
    ceiling: summary(ceiling),
    measurements,
    ...(gatewayError ? { gatewayError } : {}),
    ...(gatewayCheck ? { gatewayCheck } : {}),
  };
  if (gateway) {
    result.gateway = summary(gateway);
    const perRun = (f: (m: Measurement) => number) =>
      Array.from({ length: o.runs }, (_, i) => {
        const pick = (kind: string) => measurements.find((m) => m.mode === 'full' && m.run === i + 1 && m.target === kind)!;
        return f(pick('gateway')) / f(pick('ceiling'));
      });
    result.ratioPerRun = perRun((m) => m.load.itemsPerSec);
    result.ratio = median(result.ratioPerRun);
    result.cpuEfficiencyRatio = median(perRun((m) => m.itemsPerCpuSec));
  }
  return result;
}

function failures(m: Measurement): number {
  return m.load.requests - m.load.ok;
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}

function folderBytes(dir: string): number {
  let total = 0;
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      total += entry.isDirectory() ? folderBytes(p) : statSync(p).size;
    }
  } catch {
    return NaN;
  }
  return total;
}
