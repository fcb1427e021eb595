/**
 * Cost at a fixed rate: e.g. 10K spans/s (10 requests of 1,000 spans per second) into the gateway, as a share of
 * one core, with its ack latency; the ceiling server at the same rate alongside. The gateway's backend is paused,
 * or (`backend: 'victoria'`) a private VictoriaMetrics it delivers to while it acknowledges: the ack latency users
 * feel is the one while delivering (issue 13), and the queue left at the end shows whether delivery kept up.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { LoadGenerator } from '../load/client.js';
import { measure, type Measurement } from '../measure.js';
import type { Payload } from '../payloads.js';
import { PrivateVictoria } from '../private-servers.js';
import { acrossRuns, type TurnFigures, turnsIn } from '../probe/turns-report.js';
import { scrape, scrapeMany, startCeiling, startGateway, type ServerProcess } from '../servers.js';
import { median, percentile } from '../stats.js';
import type { MergeStamp } from '../report-format.js';

const EVENT_LOOP_P99 = 'manifold_nodejs_eventloop_lag_p99_seconds';
const EVENT_LOOP_MAX = 'manifold_nodejs_eventloop_lag_max_seconds';

/** The p99 of every request of these runs together. */
function pooledP99(runs: Measurement[]): number {
  const all = Float64Array.from(runs.flatMap((m) => m.load.latenciesMs ?? [])).sort();
  return all.length ? percentile(all, 99) : Number.NaN;
}

export interface FixedRateOptions {
  name: string;
  payload: Payload;
  itemsPerSec: number;
  runs: number;
  durationSec: number;
  nodeFlags: string[];
  dir: string;
  /** Where the gateway's one backend writes: nowhere (paused, the default) or a private VictoriaMetrics. */
  backend?: 'paused' | 'victoria';
  /** Delivering: the adapter on a delivery thread of its own (`delivery.thread`; off by default on 2 CPUs). */
  deliveryThread?: boolean;
  log: (line: string) => void;
}

/** Stamped (MergeStamp) when measured by a `--merge` run. */
export interface FixedRateResult extends MergeStamp {
  name: string;
  signal: Payload['signal'];
  itemsPerSec: number;
  runs: number;
  backend: 'paused' | 'victoria';
  deliveryThread?: boolean;
  /** Delivering: items still queued right after the last run (near 0 when delivery keeps up with the rate). */
  queuedAtEnd?: number;
  /** Median server CPU over the run, percent of one core. */
  ceilingCpuPercent: number;
  gatewayCpuPercent?: number;
  gatewayP50Ms?: number;
  gatewayP99Ms?: number;
  gatewayRssMB?: number;
  /** The p99 over every request of all runs together (a run's own p99 is its slowest request or two). */
  gatewayPooledP99Ms?: number;
  ceilingPooledP99Ms?: number;
  /** Median of the runs' own p99, for the ceiling (decode + 200 alone: what the machine gives at this rate). */
  ceilingP99Ms?: number;
  /** Requests the pooled figures cover, per server. */
  pooledRequests?: number;
  /**
   * The gateway's main-thread event-loop delay over each run (prom-client's monitorEventLoopDelay figures,
   * `manifold_nodejs_eventloop_lag_*_seconds`, reset by the scrape before the run), median of the runs' p99 and max,
   * and the highest max of all runs. A figure is the time between two turns of prom-client's 10 ms sampling timer:
   * the longest task on the thread that acknowledges is the max less up to those 10 ms.
   */
  eventLoopP99Ms?: number;
  eventLoopMaxMs?: number;
  eventLoopHighestMs?: number;
  /**
   * The main thread's own work per loop turn (bench/probe/main-thread-turns.ts: active time less run-queue wait),
   * which tells a long task from the thread waiting for a CPU: turns ≥ 10 ms (own work, and active with the waits)
   * and GC pauses ≥ 10 ms summed over the runs, the longest of each over all runs.
   */
  longTurns?: TurnFigures;
  gatewayError?: string;
  measurements: Measurement[];
}

export async function fixedRateScenario(o: FixedRateOptions): Promise<FixedRateResult> {
  const generator = LoadGenerator.start();
  const ceiling = await startCeiling(o.nodeFlags);
  const backend = o.backend ?? 'paused';
  const victoria = backend === 'victoria' ? await PrivateVictoria.create(path.join(o.dir, `victoria-${o.name}`)) : undefined;
  await victoria?.start();
  const gatewayDir = path.join(o.dir, `gateway-${o.name}`);
  // Beside the gateway's folder, kept after the run for a closer look (bench/probe/main-thread-turns.ts).
  const probeFile = path.join(o.dir, `turns-${o.name}.jsonl`);
  rmSync(probeFile, { force: true });
  let gateway: ServerProcess | undefined;
  let gatewayError: string | undefined;
  try {
    const delivery = o.deliveryThread === undefined ? {} : { delivery: { thread: o.deliveryThread } };
    const backends = victoria ? { vm: { kind: 'prometheus', url: `${victoria.url}/api/v1/write`, ...delivery } } : undefined;
    gateway = await startGateway({ dir: gatewayDir, nodeFlags: o.nodeFlags, probeFile, ...(backends ? { backends } : {}) });
  } catch (error) {
    gatewayError = (error as Error).message.split('\n').slice(0, 12).join('\n');
  }
  const targets = gateway ? [ceiling, gateway] : [ceiling];
  const rate = o.itemsPerSec / o.payload.items;
  const shape = { connections: 4, durationSec: o.durationSec, maxRequests: Math.ceil(rate * o.durationSec) + 10, keepLatencies: true };
  const measurements: Measurement[] = [];
  const loopDelays: { p99Ms: number; maxMs: number }[] = [];
  const turnFigures: TurnFigures[] = [];
  let queuedAtEnd: number | undefined;
  try {
    for (const target of targets) await measure(generator, target, o.payload, { ...shape, durationSec: 1 }, { mode: 'warmup', run: 0, rate });
    for (let run = 1; run <= o.runs; run++) {
      for (const target of run % 2 ? targets : [...targets].reverse()) {
        const adminUrl = target.kind === 'gateway' ? target.adminUrl : undefined;
        if (adminUrl) await scrape(adminUrl, EVENT_LOOP_MAX); // resets the delay histogram
        const from = Date.now();
        const m = await measure(generator, target, o.payload, shape, { mode: 'fixed', run, rate });
        measurements.push(m);
        const lag = adminUrl ? await scrapeMany(adminUrl, [EVENT_LOOP_P99, EVENT_LOOP_MAX]) : undefined;
        const delay = lag ? { p99Ms: lag[EVENT_LOOP_P99] * 1000, maxMs: lag[EVENT_LOOP_MAX] * 1000 } : undefined;
        if (delay) loopDelays.push(delay);
        const turns = adminUrl ? turnsIn(probeFile, from, Date.now()) : undefined;
        if (turns) turnFigures.push(turns);
        o.log(
          `  run ${run} ${target.kind.padEnd(7)} at ${o.itemsPerSec / 1000}K/s (${backend}): CPU ${m.serverCpuPercent.toFixed(1)}% of a core, p99 ${m.load.latencyMs.p99.toFixed(1)} ms${delay ? `, event-loop delay p99 / max ${delay.p99Ms.toFixed(1)} / ${delay.maxMs.toFixed(1)} ms` : ''}${turns ? `, turns ≥ 10 ms own ${turns.over10msOwn} / active ${turns.over10msActive} of ${turns.turns} (longest own ${turns.maxOwnMs} ms; by wall ${turns.maxWallMs} ms of which ${turns.maxWallWaitMs} waiting for a CPU; GC ≥ 10 ms ${turns.gcOver10ms}, longest ${turns.gcMaxMs} ms)` : ''}`,
        );
      }
    }
    if (gateway?.adminUrl && victoria) queuedAtEnd = await scrape(gateway.adminUrl, 'manifold_queue_items');
  } finally {
    generator.close();
    await Promise.all(targets.map((t) => t.stop()));
    await victoria?.discard();
    rmSync(gatewayDir, { recursive: true, force: true });
  }
  const of = (kind: string) => measurements.filter((m) => m.target === kind);
  const result: FixedRateResult = {
    name: o.name,
    signal: o.payload.signal,
    itemsPerSec: o.itemsPerSec,
    runs: o.runs,
    backend,
    ...(o.deliveryThread === undefined ? {} : { deliveryThread: o.deliveryThread }),
    ...(queuedAtEnd === undefined ? {} : { queuedAtEnd }),
    ceilingCpuPercent: median(of('ceiling').map((m) => m.serverCpuPercent)),
    ceilingP99Ms: median(of('ceiling').map((m) => m.load.latencyMs.p99)),
    ceilingPooledP99Ms: pooledP99(of('ceiling')),
    pooledRequests: of('ceiling').reduce((n, m) => n + (m.load.latenciesMs?.length ?? 0), 0),
    measurements,
    ...(gatewayError ? { gatewayError } : {}),
  };
  if (gateway) {
    const g = of('gateway');
    result.gatewayCpuPercent = median(g.map((m) => m.serverCpuPercent));
    result.gatewayP50Ms = median(g.map((m) => m.load.latencyMs.p50));
    result.gatewayP99Ms = median(g.map((m) => m.load.latencyMs.p99));
    result.gatewayRssMB = Math.max(...g.map((m) => m.rssMB));
    result.gatewayPooledP99Ms = pooledP99(g);
  }
  if (loopDelays.length) {
    result.eventLoopP99Ms = median(loopDelays.map((d) => d.p99Ms));
    result.eventLoopMaxMs = median(loopDelays.map((d) => d.maxMs));
    result.eventLoopHighestMs = Math.max(...loopDelays.map((d) => d.maxMs));
  }
  if (turnFigures.length) result.longTurns = acrossRuns(turnFigures);

  return result;
}
