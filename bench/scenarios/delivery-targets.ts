/**
 * The stores the delivery scenario writes to, each with its own count of what it stored: a private
 * VictoriaMetrics (or one given by URL) and a private Prometheus. A target says how to read its counter, what it
 * refused, and whether the native loop may re-send the same samples (VictoriaMetrics stores them again) or must
 * give them fresh timestamps every cycle (Prometheus appends only samples newer than the series' last).
 */
import path from 'node:path';
import type { LoopStamps } from '../load/remote-write-loop.js';
import { PrivatePrometheus, PrivateVictoria } from '../private-servers.js';
import { scrape } from '../servers.js';

export type DeliveryTargetName = 'victoria' | 'prometheus';

export interface DeliveryTarget {
  readonly name: DeliveryTargetName;
  /** For the report: "VictoriaMetrics". */
  readonly label: string;
  /** Remote-write endpoint. */
  readonly writeUrl: string;
  /** Whether the server was started for this scenario (its own port and folder) or given by URL. */
  readonly private: boolean;
  /** The server's own count of samples stored, and what the report calls it. */
  readonly counter: string;
  stored(): Promise<number>;
  /** The server's own counts of what it refused (all 0 when everything was taken). */
  refusals(): Promise<Record<string, number>>;
  readonly loopStamps: LoopStamps;
  close(): Promise<void>;
}

const sum = async (parts: Record<string, Promise<number>>): Promise<Record<string, number>> =>
  Object.fromEntries(await Promise.all(Object.entries(parts).map(async ([k, v]) => [k, await v] as const)));

/** VictoriaMetrics at `url`, or a private one under `dir` when url is undefined. */
export async function victoriaTarget(url: string | undefined, dir: string): Promise<DeliveryTarget> {
  const server = url === undefined ? await PrivateVictoria.create(path.join(dir, 'victoria')) : undefined;
  await server?.start();
  const base = (url ?? server!.url).replace(/\/$/, '');
  const stored = () => scrape(base, 'vm_rows_inserted_total', { type: 'promremotewrite' });
  await stored().catch((error: unknown) => {
    throw new Error(`VictoriaMetrics is not reachable at ${base} (${(error as Error).message})`);
  });
  return {
    name: 'victoria',
    label: 'VictoriaMetrics',
    writeUrl: `${base}/api/v1/write`,
    private: server !== undefined,
    counter: '`vm_rows_inserted_total{type="promremotewrite"}`',
    stored,
    // VictoriaMetrics takes old, out-of-order and duplicate samples alike: only malformed requests are refused.
    refusals: () => sum({ 'remote-write errors': scrape(base, 'vm_http_request_errors_total', { path: '/api/v1/write' }) }),
    loopStamps: 'repeat',
    close: async () => server?.discard(),
  };
}

/** A private Prometheus 2.42 (remote-write receiver on) under dir. */
export async function prometheusTarget(dir: string): Promise<DeliveryTarget> {
  const server = await PrivatePrometheus.create(path.join(dir, 'prometheus'));
  await server.start();
  const base = server.url;
  return {
    name: 'prometheus',
    label: 'Prometheus',
    writeUrl: `${base}/api/v1/write`,
    private: true,
    // Float and histogram samples appended to the head (2.42 labels them by type); duplicates are not counted.
    counter: '`prometheus_tsdb_head_samples_appended_total`',
    stored: () => scrape(base, 'prometheus_tsdb_head_samples_appended_total'),
    refusals: () =>
      sum({
        'out of order': scrape(base, 'prometheus_tsdb_out_of_order_samples_total'),
        'out of bounds': scrape(base, 'prometheus_tsdb_out_of_bound_samples_total'),
        'too old': scrape(base, 'prometheus_tsdb_too_old_samples_total'),
        'write requests 400': scrape(base, 'prometheus_http_requests_total', { handler: '/api/v1/write', code: '400' }),
        'write requests 500': scrape(base, 'prometheus_http_requests_total', { handler: '/api/v1/write', code: '500' }),
      }),
    loopStamps: 'fresh',
    close: () => server.discard(),
  };
}
