/**
 * Cost at a fixed rate: e.g. 10K spans/s (10 requests of 1,000 spans per second) into the gateway with its
 * backend paused, as a share of one core; the ceiling server at the same rate alongside.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { LoadGenerator } from '../load/client.js';
import { measure, type Measurement } from '../measure.js';
import type { Payload } from '../payloads.js';
import { startCeiling, startGateway, type ServerProcess } from '../servers.js';
import { median } from '../stats.js';

export interface FixedRateOptions {
  name: string;
  payload: Payload;
  itemsPerSec: number;
  runs: number;
  durationSec: number;
  nodeFlags: string[];
  dir: string;
  log: (line: string) => void;
}

export interface FixedRateResult {
  name: string;
  signal: Payload['signal'];
  itemsPerSec: number;
  runs: number;
  /** Median server CPU over the run, percent of one core. */
  ceilingCpuPercent: number;
  gatewayCpuPercent?: number;
  gatewayP50Ms?: number;
  gatewayP99Ms?: number;
  gatewayRssMB?: number;
  gatewayError?: string;
  measurements: Measurement[];
}

export async function fixedRateScenario(o: FixedRateOptions): Promise<FixedRateResult> {
  const generator = LoadGenerator.start();
  const ceiling = await startCeiling(o.nodeFlags);
  let gateway: ServerProcess | undefined;
  let gatewayError: string | undefined;
  try {
    gateway = await startGateway({ dir: path.join(o.dir, `gateway-${o.name}`), nodeFlags: o.nodeFlags });
  } catch (error) {
    gatewayError = (error as Error).message.split('\n').slice(0, 12).join('\n');
  }
  const targets = gateway ? [ceiling, gateway] : [ceiling];
  const rate = o.itemsPerSec / o.payload.items;
  const shape = { connections: 4, durationSec: o.durationSec, maxRequests: Math.ceil(rate * o.durationSec) + 10 };
  const measurements: Measurement[] = [];
  try {
    for (const target of targets) await measure(generator, target, o.payload, { ...shape, durationSec: 1 }, { mode: 'warmup', run: 0, rate });
    for (let run = 1; run <= o.runs; run++) {
      for (const target of run % 2 ? targets : [...targets].reverse()) {
        const m = await measure(generator, target, o.payload, shape, { mode: 'fixed', run, rate });
        measurements.push(m);
        o.log(`  run ${run} ${target.kind.padEnd(7)} at ${o.itemsPerSec / 1000}K/s: CPU ${m.serverCpuPercent.toFixed(1)}% of a core, p99 ${m.load.latencyMs.p99.toFixed(1)} ms`);
      }
    }
  } finally {
    generator.close();
    await Promise.all(targets.map((t) => t.stop()));
    rmSync(path.join(o.dir, `gateway-${o.name}`), { recursive: true, force: true });
  }
  const of = (kind: string) => measurements.filter((m) => m.target === kind);
  const result: FixedRateResult = {
    name: o.name, signal: o.payload.signal, itemsPerSec: o.itemsPerSec, runs: o.runs,
    ceilingCpuPercent: median(of('ceiling').map((m) => m.serverCpuPercent)), measurements,
    ...(gatewayError ? { gatewayError } : {}),
  };
  if (gateway) {
    const g = of('gateway');
    result.gatewayCpuPercent = median(g.map((m) => m.serverCpuPercent));
    result.gatewayP50Ms = median(g.map((m) => m.load.latencyMs.p50));
    result.gatewayP99Ms = median(g.map((m) => m.load.latencyMs.p99));
    result.gatewayRssMB = Math.max(...g.map((m) => m.rssMB));
  }
  return result;
}
