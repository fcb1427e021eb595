/** One measured load run against one server process: the generator's figures plus the server's CPU and memory. */
import type { LoadGenerator } from './load/client.js';
import type { LoadResult, LoadSpec } from './load/protocol.js';
import type { Payload } from './payloads.js';
import { cpuSeconds, memory } from './proc.js';
import type { ServerProcess } from './servers.js';

export interface Measurement {
  target: ServerProcess['kind'];
  mode: 'full' | 'half' | 'fixed' | 'warmup';
  run: number;
  /** Requests per second asked for (rate-limited runs). */
  rate?: number;
  load: LoadResult;
  /** Server CPU (utime + stime of its process) during the run, seconds. */
  serverCpuSec: number;
  /** Server CPU as a share of one core over the run, percent. */
  serverCpuPercent: number;
  /** Server CPU-seconds per 100,000 accepted items, in milliseconds. */
  cpuMsPer100K: number;
  /** Items per server CPU-second. */
  itemsPerCpuSec: number;
  rssMB: number;
  hwmMB: number;
}

export interface RunShape {
  connections: number;
  durationSec: number;
  maxRequests: number;
  /** Closed loop: at least this many requests, even past durationSec (up to 4x). */
  minRequests?: number;
  /** Keep each request's latency in the result (LoadSpec.keepLatencies). */
  keepLatencies?: boolean;
}

export async function measure(
  generator: LoadGenerator,
  server: ServerProcess,
  payload: Payload,
  shape: RunShape,
  label: { mode: Measurement['mode']; run: number; rate?: number },
): Promise<Measurement> {
  const spec: LoadSpec = {
    url: `${server.baseUrl}/v1/${payload.signal}`,
    file: payload.file,
    contentEncoding: payload.contentEncoding,
    itemsPerRequest: payload.items,
    connections: shape.connections,
    durationSec: shape.durationSec,
    maxRequests: shape.maxRequests,
    ...(shape.minRequests ? { minRequests: shape.minRequests } : {}),
    ...(shape.keepLatencies ? { keepLatencies: true } : {}),
    ...(label.rate ? { rate: label.rate } : {}),
  };
  const { result, start, end } = await generator.run(
    spec,
    () => ({ cpu: cpuSeconds(server.pid), t: performance.now() }),
    () => ({ cpu: cpuSeconds(server.pid), t: performance.now(), mem: memory(server.pid) }),
  );
  const cpu = end.cpu - start.cpu;
  const wall = (end.t - start.t) / 1000;
  return {
    target: server.kind,
    mode: label.mode,
    run: label.run,
    ...(label.rate ? { rate: label.rate } : {}),
    load: result,
    serverCpuSec: cpu,
    serverCpuPercent: (cpu / wall) * 100,
    cpuMsPer100K: result.acceptedItems ? (cpu * 1000 * 100_000) / result.acceptedItems : NaN,
    itemsPerCpuSec: cpu ? result.acceptedItems / cpu : NaN,
    rssMB: end.mem.rssMB,
    hwmMB: end.mem.hwmMB,
  };
}
