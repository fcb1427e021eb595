/**
 * Hooks for the scenarios that come later (issue 6): ingest through the Redis (BullMQ) queue, delivery into
 * VictoriaMetrics / Prometheus next to a native remote-write POST loop, the outage drill, queue cost in Redis.
 * Each returns a "not measured" row naming what it needs, so the report shows the gap instead of hiding it.
 *
 * The Redis ingest scenario is ingestScenario() with `queue: { kind: 'redis', ... }` once the config accepts
 * it (src/config/schema.ts); delivery needs a gateway backend kind for remote write and a VictoriaMetrics
 * started by scripts/backends.
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

export function pendingScenarios(redisUrl: string | undefined): PendingScenario[] {
  const pending: PendingScenario[] = [];
  if (!redisQueueSupported()) pending.push({ name: 'ingest via the Redis queue', status: 'not measured', reason: 'the config has no `queue.kind: redis` yet' });
  else if (!redisUrl) pending.push({ name: 'ingest via the Redis queue', status: 'not measured', reason: 'pass --redis-url redis://127.0.0.1:PORT to measure it' });
  pending.push(
    { name: 'delivery into VictoriaMetrics / Prometheus vs native remote-write POST loop', status: 'not measured', reason: 'scenario not built yet (the prometheus adapter now exists; hook: bench/scenarios/later.ts)' },
    { name: 'outage: VictoriaMetrics down at half load, RSS flat, drain ≥ 2× growth', status: 'not measured', reason: 'needs the delivery scenario first' },
    { name: 'queue cost in Redis (bytes per point, jobs/s)', status: 'not measured', reason: 'needs the Redis queue' },
  );
  return pending;
}
