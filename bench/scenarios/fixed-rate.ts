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
import { scrape, startCeiling, startGateway, type ServerProcess } from '../servers.js';
import { median } from '../stats.js';

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

export interface FixedRateResult {
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
  gatewayError?: string;
  measurements: Measurement[];
}

export async function fixedRateScenario(o: FixedRateOptions): Promise<FixedRateResult> {
  const generator = LoadGenerator.start();
  const ceiling = await startCeiling(o.nodeFlags);
  const backend = o.backend ?? 'paused';
  const victoria = backend === 'victoria' ? await PrivateVictoria.create(path.join(o.dir, `victoria-${o.name}`)) : undefined;
  await victoria?.start();
  let gateway: ServerProcess | undefined;
  let gatewayError: string | undefined;
  try {
    const delivery = o.deliveryThread === undefined ? {} : { delivery: { thread: o.deliveryThread } };
    const backends = victoria ? { vm: { kind: 'prometheus', url: `${victoria.url}/api/v1/write`, ...delivery } } : undefined;
    gateway = await startGateway({ dir: path.join(o.dir, `gateway-${o.name}`), nodeFlags: o.nodeFlags, ...(backends ? { backends } : {}) });
  } catch (error) {
    gatewayError = (error as Error).message.split('\n').slice(0, 12).join('\n');
  }
  const targets = gateway ? [ceiling, gateway] : [ceiling];
  const rate = o.itemsPerSec / o.payload.items;
  const shape = { connections: 4, durationSec: o.durationSec, maxRequests: Math.ceil(rate * o.durationSec) + 10 };
  const measurements: Measurement[] = [];
  let queuedAtEnd: number | undefined;
  try {
    for (const target of targets) await measure(generator, target, o.payload, { ...shape, durationSec: 1 }, { mode: 'warmup', run: 0, rate });
    for (let run = 1; run <= o.runs; run++) {
      for (const target of run % 2 ? targets : [...targets].reverse()) {
        const m = await measure(generator, target, o.payload, shape, { mode: 'fixed', run, rate });
        measurements.push(m);
        o.log(
          `  run ${run} ${target.kind.padEnd(7)} at ${o.itemsPerSec / 1000}K/s (${backend}): CPU ${m.serverCpuPercent.toFixed(1)}% of a core, p99 ${m.load.latencyMs.p99.toFixed(1)} ms`,
        );
      }
    }
    if (gateway?.adminUrl && victoria) queuedAtEnd = await scrape(gateway.adminUrl, 'manifold_queue_items');
  } finally {
    generator.close();
    await Promise.all(targets.map((t) => t.stop()));
    await victoria?.discard();
    rmSync(path.join(o.dir, `gateway-${o.name}`), { recursive: true, force: true });
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
    measurements,
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
