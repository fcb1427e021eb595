/**
 * The scenarios of issue 6 a run did not measure: ingest through the Redis (BullMQ) queue, delivery into
 * VictoriaMetrics and into Prometheus next to a native remote-write POST loop (bench/scenarios/delivery.ts), the
 * outage drill (bench/scenarios/outage.ts). Each returns a "not measured" row naming what it needs, so the report
 * shows the gap instead of hiding it.
 */
import { gatewaySchema } from '../../src/config/schema.js';

export interface PendingScenario {
  name: string;
  status: 'not measured';
  reason: string;
}

export function redisQueueSupported(): boolean {
  return gatewaySchema.safeParse({ queue: { kind: 'redis', url: 'redis://127.0.0.1:6379' } }).success;
}

/** `measured.delivery`: the labels of the delivery targets measured ("VictoriaMetrics", "Prometheus"). */
export function pendingScenarios(redisUrl: string | undefined, measured: { delivery?: readonly string[]; outage?: boolean } = {}): PendingScenario[] {
  const pending: PendingScenario[] = [];
  if (!redisQueueSupported())
    pending.push({ name: 'ingest via the Redis queue', status: 'not measured', reason: 'the config has no `queue.kind: redis` yet' });
  else if (!redisUrl)
    pending.push({ name: 'ingest via the Redis queue', status: 'not measured', reason: 'pass --redis-url redis://127.0.0.1:PORT to measure it' });
  for (const label of ['VictoriaMetrics', 'Prometheus']) {
    if (!measured.delivery?.includes(label)) {
      pending.push({
        name: `delivery into ${label} vs native remote-write POST loop`,
        status: 'not measured',
        reason: `not run: \`--only delivery --delivery-targets ${label === 'Prometheus' ? 'prometheus' : 'victoria'}\` (a private server; the binary on PATH)`,
      });
    }
  }
  if (!measured.outage)
    pending.push({
      name: 'outage: VictoriaMetrics down for minutes under load, RSS flat, drain ≥ 2× growth',
      status: 'not measured',
      reason: 'not run: `--only outage` (bench/scenarios/outage.ts)',
    });
  return pending;
}

/** The targets a list of delivery results measured (results from before the Prometheus target have no label: VictoriaMetrics). */
export function deliveryLabels(results: readonly { label?: string }[]): string[] {
  return results.map((d) => d.label ?? 'VictoriaMetrics');
}
