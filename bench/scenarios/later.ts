/**
 * Hooks for the scenarios that come later (issue 6): ingest through the Redis (BullMQ) queue, delivery into
 * VictoriaMetrics / Prometheus next to a native remote-write POST loop, the outage drill, queue cost in Redis.
 * Each returns a "not measured" row naming what it needs, so the report shows the gap instead of hiding it.
 *
 * The Redis ingest scenario is ingestScenario() with `queue: { kind: 'redis', ... }` once the config accepts
 * it (src/config/schema.ts). Delivery into VictoriaMetrics is bench/scenarios/delivery.ts; Prometheus is not
 * measured yet; the outage drill can reuse its gateway setup (gateway process, prometheus backend, restamped load).
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

export function pendingScenarios(redisUrl: string | undefined, measured: { delivery?: boolean; outage?: boolean } = {}): PendingScenario[] {
  const pending: PendingScenario[] = [];
  if (!redisQueueSupported()) pending.push({ name: 'ingest via the Redis queue', status: 'not measured', reason: 'the config has no `queue.kind: redis` yet' });
  else if (!redisUrl) pending.push({ name: 'ingest via the Redis queue', status: 'not measured', reason: 'pass --redis-url redis://127.0.0.1:PORT to measure it' });
  pending.push(
    measured.delivery
      ? { name: 'delivery into Prometheus vs native remote-write POST loop', status: 'not measured', reason: 'bench/scenarios/delivery.ts measures VictoriaMetrics only; Prometheus needs its remote-write receiver on and a rows counter to read (prometheus_tsdb_head_samples_appended_total)' }
      : { name: 'delivery into VictoriaMetrics / Prometheus vs native remote-write POST loop', status: 'not measured', reason: 'not run: `--only delivery` with VictoriaMetrics reachable (--victoria-url, or MANIFOLD_TEST_VICTORIA_URL / .backends/env)' },
  );
  if (!measured.outage) pending.push({ name: 'outage: VictoriaMetrics down for minutes under load, RSS flat, drain ≥ 2× growth', status: 'not measured', reason: 'not run: `--only outage` (bench/scenarios/outage.ts)' });
  return pending;
}
