/**
 * Delivery (issue 6, scenario 3): sustained points/s from the gateway into a remote-write store, next to a tight
 * loop POSTing the same points as pre-encoded remote-write bodies to the same server, in the same run. Targets
 * (delivery-targets.ts): a private VictoriaMetrics (or one given by URL) and a private Prometheus.
 *
 * - The gateway runs as its own process with one `kind: prometheus` backend pointing at the target and the
 *   embedded queue in the work folder. In a gateway window the load generator sends the metrics payload at full
 *   load (closed loop; each request restamped to a later millisecond than the previous one, so the store gets
 *   distinct samples) and the gateway delivers what it queues; the window starts after a lead time (the backlog
 *   builds) and its rate is measured while the queue is non-empty (its depth is sampled, so a window where the
 *   queue ran dry, i.e. ingest-bound, shows). A drain window follows: the load stopped, delivery from the backlog.
 * - The native loop (load/remote-write-loop.ts, its own process) POSTs the remote-write bodies the adapter's own
 *   translator and encoder make of the same payload under other series (delivery-bodies.ts), back-to-back over
 *   keep-alive connections, cycling through them: the same bytes each cycle into VictoriaMetrics, fresh
 *   timestamps each cycle into Prometheus (which does not count duplicates). During its windows the gateway is
 *   frozen (SIGSTOP) so only the loop writes; it resumes (SIGCONT) after.
 * - Both sides are measured the same way: the delta of the store's own count of stored samples over the window
 *   (a histogram point is several), turned into points/s with the samples per point of the encoded bodies. The
 *   gateway's `manifold_backend_written_items_total{backend}` over the same window is the cross-check; what the
 *   store refused and what the gateway dead-lettered, retried or dropped is read at the end (all 0 when the
 *   store took everything).
 * Runs alternate the order (gateway first in odd runs); the figure is the median over runs of the per-run ratio.
 */
import { rmSync } from 'node:fs';
import { deliverySchema } from '../../src/config/schema.js';
import path from 'node:path';
import { LoadGenerator } from '../load/client.js';
import type { LoopResult, LoopStamps } from '../load/remote-write-loop.js';
import type { LoadResult } from '../load/protocol.js';
import type { Payload } from '../payloads.js';
import { memory } from '../proc.js';
import { scrape, startGateway, type ServerProcess } from '../servers.js';
import { median } from '../stats.js';
import { encodeNativeBodies, type NativeBodies } from './delivery-bodies.js';
import { NativeLoop } from './delivery-loop.js';
import { measureWindows } from './delivery-windows.js';
import { prometheusTarget, victoriaTarget, type DeliveryTarget, type DeliveryTargetName } from './delivery-targets.js';
import type { MergeStamp } from '../report-format.js';

export interface DeliveryOptions {
  target: DeliveryTargetName;
  /** VictoriaMetrics base URL (http://127.0.0.1:8428) to use instead of a private one. */
  victoriaUrl?: string;
  payload: Payload;
  runs: number;
  /** Measured seconds per window (each side, each run). */
  windowSec: number;
  /** Seconds of load before a gateway window starts (the backlog builds, the delivery loop is busy). */
  leadSec: number;
  /** OTLP load connections (gateway side). */
  connections: number;
  /** Native loop connections; default 1 (the gateway's worker sends one request at a time per backend). */
  loopConnections: number;
  /** Seconds of drain after each loaded window (no load; delivery alone while the backlog lasts); 0 = none. */
  drainSec: number;
  nodeFlags: string[];
  /** The gateway's process only (e.g. --cpu-prof: one profile per thread, the delivery thread's included). */
  gatewayFlags?: string[];
  dir: string;
  keepData?: boolean;
  log: (line: string) => void;
}

export interface DeliveryWindow {
  run: number;
  side: 'gateway' | 'native' | 'drain';
  sec: number;
  /** Samples the store counted as stored during the window. */
  storedRows: number;
  storedRowsPerSec: number;
  /** storedRowsPerSec / samples per point. */
  storedPointsPerSec: number;
  /** Gateway side: manifold_backend_written_items_total{backend} delta, per second. */
  gatewayPointsPerSec?: number;
  gatewayWritten?: number;
  /** Gateway side: queue depth (items) at the start, the end, the lowest and highest sample of the window. */
  queue?: { start: number; end: number; min: number; max: number };
  /** Gateway side: OTLP points acknowledged per second during the window's load. */
  ingestPointsPerSec?: number;
  gatewayCpuPercent?: number;
  gatewayRssMB?: number;
  /** Native side: the loop's figures. */
  loop?: LoopResult;
  load?: Pick<LoadResult, 'requests' | 'ok' | 'errors' | 'itemsPerSec' | 'generatorCpuSec'>;
}

/** Stamped (MergeStamp) when measured by a `--merge` run. */
export interface DeliveryResult extends MergeStamp {
  /** Older merged results: what `mergedBy` holds now. */
  command?: string;
  date?: string;
  commit?: string;
  name: string;
  target: DeliveryTargetName;
  backend: 'victoriametrics' | 'prometheus';
  /** "VictoriaMetrics", "Prometheus". */
  label: string;
  url: string;
  /** The store was started for the scenario (its own port and data folder), not shared. */
  privateServer: boolean;
  /** The store's counter both sides are measured by. */
  counter: string;
  runs: number;
  windowSec: number;
  leadSec: number;
  connections: number;
  loopConnections: number;
  loopStamps: LoopStamps;
  /**
   * The native loop's bodies: one gateway write's worth of the load (`payloadRequests` copies of the payload from
   * `senders` instances) through the adapter's translator and encoder (default config). Absent in older results.
   */
  bodies: { count: number; bytes: number; points: number; samples: number; rowsPerPoint: number; payloadRequests?: number; senders?: number };
  gateway: {
    storedPointsPerSec: number;
    storedRowsPerSec: number;
    pointsPerSec: number;
    ingestPointsPerSec: number;
    cpuPercent: number;
    rssMB: number;
    hwmMB: number;
  };
  /** stampCpuPercent: the share of the loop's wall time spent restamping and compressing (fresh stamps). */
  native: {
    storedPointsPerSec: number;
    storedRowsPerSec: number;
    requestsPerSec: number;
    generatorCpuPercent: number;
    stampCpuPercent: number;
    cyclesPerSec: number;
  };
  /** Median over runs of gateway / native stored samples per second in the same run. */
  ratio: number;
  ratioPerRun: number[];
  /** Gateway windows whose queue ran empty at some sample (delivery then was bounded by ingest, not by itself). */
  windowsQueueEmptied: number;
  /** Over all gateway windows: the store's count vs the gateway's written points x samples per point. */
  crossCheck: { gatewayWritten: number; expectedRows: number; storedRows: number; ratio: number };
  /** Over the whole scenario: the store's own refusal counters; the gateway's dead letters, retries and drops. */
  refusals: { server: Record<string, number>; gateway: { deadLettered: number; retries: number; dropped: number } };
  /** Delivery alone right after each loaded window (load stopped, backlog draining): medians, and ratio to the native loop. */
  drain?: {
    storedPointsPerSec: number;
    storedRowsPerSec: number;
    pointsPerSec: number;
    cpuPercent: number;
    ratio: number;
    ratioPerRun: number[];
    windowsQueueEmptied: number;
  };
  /** Queue depth at the end of each gateway window, in order: the backlog's trend under full load. */
  queueTrend: number[];
  windows: DeliveryWindow[];
  error?: string;
}

const BACKEND = 'remote';

export async function deliveryScenario(o: DeliveryOptions): Promise<DeliveryResult> {
  const dir = path.join(o.dir, `delivery-${o.target}`);
  const target = o.target === 'prometheus' ? await prometheusTarget(dir) : await victoriaTarget(o.victoriaUrl, dir);
  const loop = new NativeLoop();
  const generator = LoadGenerator.start();
  let gateway: ServerProcess | undefined;
  const freeze = (stop: boolean) => {
    if (gateway) process.kill(gateway.pid, stop ? 'SIGSTOP' : 'SIGCONT');
  };
  try {
    // One gateway write's worth of the load: max_items / points per request, from `connections` senders.
    const batchRequests = Math.max(1, Math.floor(deliverySchema.parse({}).batch.max_items / o.payload.items));
    const encoded = encodeNativeBodies(o.payload, target.writeUrl, path.join(dir, 'bodies'), batchRequests, o.connections);
    const rowsPerPoint = encoded.samples / encoded.points;
    o.log(
      `  ${target.label} at ${target.writeUrl}${target.private ? ' (private)' : ''}; native bodies: ${batchRequests} payload requests from ${o.connections} senders as ${encoded.files.length} remote-write requests, ${(encoded.bytes / 1024).toFixed(0)} KB snappy, ${encoded.points.toLocaleString('en')} points = ${encoded.samples.toLocaleString('en')} samples (${rowsPerPoint.toFixed(2)} per point), ${target.loopStamps === 'fresh' ? 'fresh timestamps every cycle' : 'the same bytes every cycle'}`,
    );
    const [started] = await Promise.all([
      startGateway({
        dir: path.join(dir, 'gateway'),
        nodeFlags: [...o.nodeFlags, ...(o.gatewayFlags ?? [])],
        backends: { [BACKEND]: { kind: 'prometheus', url: target.writeUrl } },
      }),
      loop.exchange(
        { type: 'prepare', url: target.writeUrl, files: encoded.files, connections: o.loopConnections, stamps: target.loopStamps },
        'ready',
        30_000,
      ),
    ]);
    gateway = started;
    const g0 = gateway;
    const windows = await measureWindows({
      ...o,
      target,
      gateway,
      generator,
      loop,
      freeze,
      rowsPerPoint,
      backend: BACKEND,
      batchPoints: encoded.points,
    }).catch((error: unknown) => {
      let alive = true;
      try {
        process.kill(g0.pid, 0);
      } catch {
        alive = false;
      }
      throw new Error(`${(error as Error).message}; the gateway ${alive ? 'runs' : 'has exited'}; its last output:\n${g0.output()}`, {
        cause: error,
      });
    });
    freeze(false);
    const g = gateway;
    const counter = (name: string) => scrape(g.adminUrl!, name, { backend: BACKEND });
    const refusals = {
      server: await target.refusals(),
      gateway: {
        deadLettered: await counter('manifold_backend_dead_lettered_items_total'),
        retries: await counter('manifold_backend_retries_total'),
        dropped: await counter('manifold_backend_dropped_items_total'),
      },
    };
    return summarize(o, target, { ...encoded, payloadRequests: batchRequests }, rowsPerPoint, windows, refusals, memory(g.pid).hwmMB);
  } finally {
    freeze(false);
    loop.close();
    generator.close();
    await gateway?.stop();
    await target.close();
    if (!o.keepData) rmSync(dir, { recursive: true, force: true });
  }
}

function summarize(
  o: DeliveryOptions,
  target: DeliveryTarget,
  encoded: NativeBodies & { payloadRequests: number },
  rowsPerPoint: number,
  windows: DeliveryWindow[],
  refusals: DeliveryResult['refusals'],
  hwmMB: number,
): DeliveryResult {
  const backend = target.name === 'prometheus' ? 'prometheus' : 'victoriametrics';
  const gw = windows.filter((w) => w.side === 'gateway');
  const nat = windows.filter((w) => w.side === 'native');
  const dr = windows.filter((w) => w.side === 'drain');
  const perRun = (list: DeliveryWindow[]) =>
    Array.from({ length: o.runs }, (_, i) => {
      const pick = (l: DeliveryWindow[]) => l.find((w) => w.run === i + 1)!.storedRowsPerSec;
      return pick(list) / pick(nat);
    });
  const ratioPerRun = perRun(gw);
  const gatewayWritten = gw.reduce((n, w) => n + w.gatewayWritten!, 0);
  const storedRows = gw.reduce((n, w) => n + w.storedRows, 0);
  const med = (list: DeliveryWindow[], f: (w: DeliveryWindow) => number) => median(list.map(f));
  return {
    name: backend,
    target: target.name,
    backend,
    label: target.label,
    url: target.writeUrl,
    privateServer: target.private,
    counter: target.counter,
    runs: o.runs,
    windowSec: o.windowSec,
    leadSec: o.leadSec,
    connections: o.connections,
    loopConnections: o.loopConnections,
    loopStamps: target.loopStamps,
    bodies: {
      count: encoded.files.length,
      bytes: encoded.bytes,
      points: encoded.points,
      samples: encoded.samples,
      rowsPerPoint,
      payloadRequests: encoded.payloadRequests,
      senders: o.connections,
    },
    gateway: {
      storedPointsPerSec: med(gw, (w) => w.storedPointsPerSec),
      storedRowsPerSec: med(gw, (w) => w.storedRowsPerSec),
      pointsPerSec: med(gw, (w) => w.gatewayPointsPerSec!),
      ingestPointsPerSec: med(gw, (w) => w.ingestPointsPerSec!),
      cpuPercent: med(gw, (w) => w.gatewayCpuPercent!),
      rssMB: Math.max(...gw.map((w) => w.gatewayRssMB!)),
      hwmMB,
    },
    native: {
      storedPointsPerSec: med(nat, (w) => w.storedPointsPerSec),
      storedRowsPerSec: med(nat, (w) => w.storedRowsPerSec),
      requestsPerSec: med(nat, (w) => w.loop!.requestsPerSec),
      generatorCpuPercent: med(nat, (w) => (w.loop!.generatorCpuSec / w.sec) * 100),
      stampCpuPercent: med(nat, (w) => (w.loop!.stampCpuSec / w.sec) * 100),
      cyclesPerSec: med(nat, (w) => w.loop!.cycles / w.sec),
    },
    ratio: median(ratioPerRun),
    ratioPerRun,
    windowsQueueEmptied: gw.filter((w) => w.queue!.min === 0).length,
    crossCheck: { gatewayWritten, expectedRows: gatewayWritten * rowsPerPoint, storedRows, ratio: storedRows / (gatewayWritten * rowsPerPoint) },
    refusals,
    ...(dr.length
      ? {
          drain: {
            storedPointsPerSec: med(dr, (w) => w.storedPointsPerSec),
            storedRowsPerSec: med(dr, (w) => w.storedRowsPerSec),
            pointsPerSec: med(dr, (w) => w.gatewayPointsPerSec!),
            cpuPercent: med(dr, (w) => w.gatewayCpuPercent!),
            ratio: median(perRun(dr)),
            ratioPerRun: perRun(dr),
            windowsQueueEmptied: dr.filter((w) => w.queue!.min === 0).length,
          },
        }
      : {}),
    queueTrend: gw.map((w) => w.queue!.end),
    windows,
  };
}
