/**
 * Delivery (issue 6, scenario 3): sustained points/s from the gateway into VictoriaMetrics, next to a tight
 * loop POSTing the same points as pre-encoded remote-write bodies to the same server, in the same run.
 *
 * - The gateway runs as its own process with one `kind: prometheus` backend pointing at VictoriaMetrics and the
 *   embedded queue in the work folder. In a gateway window the load generator sends the metrics payload at full
 *   load (closed loop; each request restamped to the current millisecond so VictoriaMetrics gets distinct
 *   samples) and the gateway delivers what it queues; the window starts after a lead time (the backlog builds)
 *   and its rate is measured while the queue is non-empty (its depth is sampled, so a window where the queue ran
 *   dry, i.e. ingest-bound, shows).
 * - The native loop (load/remote-write-loop.ts, its own process) POSTs the remote-write bodies the adapter's own
 *   translator and encoder (src/adapters/prometheus, used read-only) make of the same payload, back-to-back
 *   over keep-alive connections, cycling through them (the same bodies each cycle: the same samples again).
 *   During its windows the gateway is frozen (SIGSTOP) so only the loop writes; it resumes (SIGCONT) after.
 * - Both sides are measured the same way: the delta of VictoriaMetrics' own
 *   `vm_rows_inserted_total{type="promremotewrite"}` over the window (rows = samples; a histogram point is
 *   several), turned into points/s with the rows-per-point of the encoded bodies. The gateway's
 *   `manifold_backend_written_items_total{backend="vm"}` over the same window is the cross-check.
 * Runs alternate the order (gateway first in odd runs); the figure is the median over runs of the per-run ratio.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prometheusConfigSchema } from '../../src/adapters/prometheus/config.js';
import { CumulativeState } from '../../src/adapters/prometheus/delta.js';
import { encodeWriteRequest, splitRequests } from '../../src/adapters/prometheus/encode.js';
import { SeriesCatalog } from '../../src/adapters/prometheus/series.js';
import { Translator } from '../../src/adapters/prometheus/translate.js';
import { decodeMetrics } from '../../src/otlp/index.js';
import { LoadGenerator } from '../load/client.js';
import type { FromLoop, LoopResult, ToLoop } from '../load/remote-write-loop.js';
import type { LoadResult } from '../load/protocol.js';
import { restamp, timeOffsets } from '../otlp-stamp.js';
import type { Payload } from '../payloads.js';
import { cpuSeconds, memory } from '../proc.js';
import { scrape, startGateway, type ServerProcess } from '../servers.js';
import { median, sleep } from '../stats.js';

const LOOP = fileURLToPath(new URL('../load/remote-write-loop.ts', import.meta.url));

export interface DeliveryOptions {
  name: string;
  payload: Payload;
  /** VictoriaMetrics base URL (http://127.0.0.1:8428). */
  victoriaUrl: string;
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
  dir: string;
  keepData?: boolean;
  log: (line: string) => void;
}

export interface DeliveryWindow {
  run: number;
  side: 'gateway' | 'native' | 'drain';
  sec: number;
  /** VictoriaMetrics rows (samples) inserted via remote write during the window. */
  vmRows: number;
  vmRowsPerSec: number;
  /** vmRowsPerSec / rows per point. */
  vmPointsPerSec: number;
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

export interface DeliveryResult {
  name: string;
  backend: 'victoriametrics';
  url: string;
  /** Set when the scenario ran on its own and was merged into an existing results.json. */
  command?: string;
  date?: string;
  commit?: string;
  runs: number;
  windowSec: number;
  leadSec: number;
  connections: number;
  loopConnections: number;
  /** The native loop's bodies: the payload through the adapter's translator and encoder (default config). */
  bodies: { count: number; bytes: number; points: number; samples: number; rowsPerPoint: number };
  gateway: { vmPointsPerSec: number; vmRowsPerSec: number; pointsPerSec: number; ingestPointsPerSec: number; cpuPercent: number; rssMB: number; hwmMB: number };
  native: { vmPointsPerSec: number; vmRowsPerSec: number; requestsPerSec: number; generatorCpuPercent: number };
  /** Median over runs of gateway / native VictoriaMetrics rows per second in the same run. */
  ratio: number;
  ratioPerRun: number[];
  /** Gateway windows whose queue ran empty at some sample (delivery then was bounded by ingest, not by itself). */
  windowsQueueEmptied: number;
  /** Over all gateway windows: VictoriaMetrics rows vs the gateway's written points x rows per point. */
  crossCheck: { gatewayWritten: number; expectedRows: number; vmRows: number; ratio: number };
  /** Delivery alone right after each loaded window (load stopped, backlog draining): medians, and ratio to the native loop. */
  drain?: { vmPointsPerSec: number; vmRowsPerSec: number; pointsPerSec: number; cpuPercent: number; ratio: number; ratioPerRun: number[]; windowsQueueEmptied: number };
  /** Queue depth at the end of each gateway window, in order: the backlog's trend under full load. */
  queueTrend: number[];
  windows: DeliveryWindow[];
  error?: string;
}

/** The payload as the adapter would send it, once: one file per remote-write request. */
function encodeBodies(payload: Payload, url: string, dir: string): { files: string[]; bytes: number; points: number; samples: number } {
  const original = readFileSync(payload.file);
  const body = restamp(original, timeOffsets(original), BigInt(Date.now()) * 1_000_000n);
  const decoded = decodeMetrics(body, 'protobuf');
  const config = prometheusConfigSchema.parse({ url });
  const translator = new Translator(config, new SeriesCatalog(config.translation), new CumulativeState(config.delta_to_cumulative.max_series, config.delta_to_cumulative.max_stale), new Map());
  const translation = translator.translate(decoded.batch.metrics);
  const requests = splitRequests(translation.series, { maxSamples: config.max_samples_per_request, maxBytes: config.max_bytes_per_request });
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  let samples = 0;
  const files = requests.map((series, i) => {
    const file = path.join(dir, `rw-${String(i).padStart(3, '0')}.bin`);
    const { body: encoded } = encodeWriteRequest(series);
    writeFileSync(file, encoded);
    bytes += encoded.length;
    for (const s of series) samples += s.sampleCount;
    return file;
  });
  return { files, bytes, points: translation.points, samples };
}

class Loop {
  private readonly child = fork(LOOP, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

  exchange(message: ToLoop, expect: FromLoop['type'], timeoutMs: number): Promise<FromLoop> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`remote-write loop: no "${expect}" within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (reply: FromLoop) => {
        if (reply.type === 'error') finish(new Error(`remote-write loop failed: ${reply.message}`));
        else if (reply.type === expect) finish(undefined, reply);
      };
      const onExit = (code: number | null) => finish(new Error(`remote-write loop exited (${code})`));
      const finish = (error?: Error, reply?: FromLoop) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(reply!);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
      this.child.send(message);
    });
  }

  async run(durationSec: number): Promise<LoopResult> {
    const reply = await this.exchange({ type: 'go', durationSec }, 'result', (durationSec + 60) * 1000);
    return (reply as Extract<FromLoop, { type: 'result' }>).result;
  }

  close(): void {
    if (this.child.connected) this.child.send({ type: 'exit' } satisfies ToLoop);
    setTimeout(() => this.child.kill('SIGKILL'), 5_000).unref();
  }
}

export async function deliveryScenario(o: DeliveryOptions): Promise<DeliveryResult> {
  const writeUrl = `${o.victoriaUrl.replace(/\/$/, '')}/api/v1/write`;
  const vmRows = () => scrape(o.victoriaUrl, 'vm_rows_inserted_total', { type: 'promremotewrite' });
  await vmRows().catch((error: unknown) => {
    throw new Error(`VictoriaMetrics is not reachable at ${o.victoriaUrl} (${(error as Error).message}); start it with scripts/backends or pass --victoria-url`);
  });
  const dir = path.join(o.dir, `delivery-${o.name}`);
  const encoded = encodeBodies(o.payload, writeUrl, path.join(dir, 'bodies'));
  const rowsPerPoint = encoded.samples / encoded.points;
  o.log(`  native bodies: ${encoded.files.length} remote-write requests, ${(encoded.bytes / 1024).toFixed(0)} KB, ${encoded.points.toLocaleString('en')} points = ${encoded.samples.toLocaleString('en')} samples (${rowsPerPoint.toFixed(2)} per point)`);

  const loop = new Loop();
  const generator = LoadGenerator.start();
  let gateway: ServerProcess | undefined;
  const windows: DeliveryWindow[] = [];
  let hwmMB = NaN;
  const freeze = (stop: boolean) => {
    if (gateway) process.kill(gateway.pid, stop ? 'SIGSTOP' : 'SIGCONT');
  };
  try {
    const [started] = await Promise.all([
      startGateway({
        dir: path.join(dir, 'gateway'), nodeFlags: o.nodeFlags,
        backends: { vm: { kind: 'prometheus', url: writeUrl } },
      }),
      loop.exchange({ type: 'prepare', url: writeUrl, files: encoded.files, connections: o.loopConnections }, 'ready', 30_000),
    ]);
    gateway = started;
    const g = gateway;
    const written = () => scrape(g.adminUrl!, 'manifold_backend_written_items_total', { backend: 'vm' });
    const queued = () => scrape(g.adminUrl!, 'manifold_queue_items');

    const gatewayWindow = async (run: number): Promise<DeliveryWindow> => {
      freeze(false);
      let markStarted!: () => void;
      const loadStarted = new Promise<void>((resolve) => (markStarted = resolve));
      const load = generator.run({
        url: `${g.baseUrl}/v1/metrics`, file: o.payload.file, contentEncoding: 'identity', itemsPerRequest: o.payload.items,
        connections: o.connections, durationSec: o.leadSec + o.windowSec, maxRequests: 1_000_000, restamp: true,
      }, () => markStarted(), () => undefined);
      await loadStarted;
      await sleep(o.leadSec * 1000);
      const [w0, r0, q0] = await Promise.all([written(), vmRows(), queued()]);
      const c0 = cpuSeconds(g.pid);
      const t0 = performance.now();
      const depths = [q0];
      const end = t0 + o.windowSec * 1000;
      while (performance.now() < end - 300) {
        await sleep(250);
        depths.push(await queued());
      }
      await sleep(Math.max(0, end - performance.now()));
      const [w1, r1, q1] = await Promise.all([written(), vmRows(), queued()]);
      const sec = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(g.pid) - c0;
      const mem = memory(g.pid);
      hwmMB = mem.hwmMB;
      depths.push(q1);
      const { result } = await load;
      const rows = r1 - r0;
      return {
        run, side: 'gateway', sec, vmRows: rows, vmRowsPerSec: rows / sec, vmPointsPerSec: rows / sec / rowsPerPoint,
        gatewayWritten: w1 - w0, gatewayPointsPerSec: (w1 - w0) / sec,
        queue: { start: q0, end: q1, min: Math.min(...depths), max: Math.max(...depths) },
        ingestPointsPerSec: result.itemsPerSec, gatewayCpuPercent: (cpu / sec) * 100, gatewayRssMB: mem.rssMB,
        load: { requests: result.requests, ok: result.ok, errors: result.errors, itemsPerSec: result.itemsPerSec, generatorCpuSec: result.generatorCpuSec },
      };
    };

    /** Right after a loaded window: delivery alone from the backlog, for `sec` (a window where the queue gauge hit 0 is flagged). */
    const drainWindow = async (run: number, sec: number): Promise<DeliveryWindow> => {
      freeze(false);
      const [w0, r0, q0] = await Promise.all([written(), vmRows(), queued()]);
      const c0 = cpuSeconds(g.pid);
      const t0 = performance.now();
      let q = q0;
      let min = q0;
      // Not stopped at a zero: the gauge leaves out leased jobs, so the write under way may still be going.
      while (performance.now() - t0 < sec * 1000 - 150) {
        await sleep(Math.min(250, Math.max(0, sec * 1000 - (performance.now() - t0))));
        q = await queued();
        min = Math.min(min, q);
      }
      const [w1, r1] = await Promise.all([written(), vmRows()]);
      const elapsed = (performance.now() - t0) / 1000;
      const cpu = cpuSeconds(g.pid) - c0;
      freeze(true);
      const rows = r1 - r0;
      return {
        run, side: 'drain', sec: elapsed, vmRows: rows, vmRowsPerSec: rows / elapsed, vmPointsPerSec: rows / elapsed / rowsPerPoint,
        gatewayWritten: w1 - w0, gatewayPointsPerSec: (w1 - w0) / elapsed, queue: { start: q0, end: q, min, max: q0 },
        gatewayCpuPercent: (cpu / elapsed) * 100,
      };
    };

    const nativeWindow = async (run: number): Promise<DeliveryWindow> => {
      freeze(true);
      const r0 = await vmRows();
      const t0 = performance.now();
      const result = await loop.run(o.windowSec);
      const r1 = await vmRows();
      const sec = (performance.now() - t0) / 1000;
      const rows = r1 - r0;
      return { run, side: 'native', sec, vmRows: rows, vmRowsPerSec: rows / sec, vmPointsPerSec: rows / sec / rowsPerPoint, loop: result };
    };

    for (let run = 1; run <= o.runs; run++) {
      const sides = run % 2 ? (['gateway', 'native'] as const) : (['native', 'gateway'] as const);
      for (const side of sides) {
        const got = side === 'gateway' ? [await gatewayWindow(run)] : [await nativeWindow(run)];
        if (side === 'gateway' && o.drainSec > 0) got.push(await drainWindow(run, o.drainSec));
        freeze(true);
        for (const w of got) {
          windows.push(w);
          o.log(`  run ${run} ${w.side.padEnd(7)}: ${fmt(w.vmPointsPerSec)} points/s (${fmt(w.vmRowsPerSec)} VictoriaMetrics rows/s)` +
            (w.side === 'native'
              ? `, ${w.loop!.requestsPerSec.toFixed(0)} requests/s, loop CPU ${((w.loop!.generatorCpuSec / w.sec) * 100).toFixed(0)}%${w.loop!.errors || w.loop!.ok < w.loop!.requests ? `, ${w.loop!.requests - w.loop!.ok} failed (${w.loop!.firstError ?? JSON.stringify(w.loop!.statuses)})` : ''}`
              : `, gateway counter ${fmt(w.gatewayPointsPerSec!)} points/s${w.side === 'gateway' ? `, ingest ${fmt(w.ingestPointsPerSec!)} points/s` : ''}, queue ${w.queue!.start.toLocaleString('en')} → ${w.queue!.end.toLocaleString('en')} (min ${w.queue!.min.toLocaleString('en')}), ${w.sec.toFixed(1)} s, gateway CPU ${w.gatewayCpuPercent!.toFixed(0)}%`));
        }
      }
    }
  } finally {
    freeze(false);
    loop.close();
    generator.close();
    await gateway?.stop();
    if (!o.keepData) rmSync(dir, { recursive: true, force: true });
  }

  const gw = windows.filter((w) => w.side === 'gateway');
  const nat = windows.filter((w) => w.side === 'native');
  const dr = windows.filter((w) => w.side === 'drain');
  const perRun = (list: DeliveryWindow[]) => Array.from({ length: o.runs }, (_, i) => {
    const pick = (l: DeliveryWindow[]) => l.find((w) => w.run === i + 1)!.vmRowsPerSec;
    return pick(list) / pick(nat);
  });
  const ratioPerRun = perRun(gw);
  const gatewayWritten = gw.reduce((n, w) => n + w.gatewayWritten!, 0);
  const vmRowsGateway = gw.reduce((n, w) => n + w.vmRows, 0);
  const med = (list: DeliveryWindow[], f: (w: DeliveryWindow) => number) => median(list.map(f));
  return {
    name: o.name, backend: 'victoriametrics', url: writeUrl, runs: o.runs, windowSec: o.windowSec, leadSec: o.leadSec,
    connections: o.connections, loopConnections: o.loopConnections,
    bodies: { count: encoded.files.length, bytes: encoded.bytes, points: encoded.points, samples: encoded.samples, rowsPerPoint },
    gateway: {
      vmPointsPerSec: med(gw, (w) => w.vmPointsPerSec), vmRowsPerSec: med(gw, (w) => w.vmRowsPerSec), pointsPerSec: med(gw, (w) => w.gatewayPointsPerSec!),
      ingestPointsPerSec: med(gw, (w) => w.ingestPointsPerSec!), cpuPercent: med(gw, (w) => w.gatewayCpuPercent!),
      rssMB: Math.max(...gw.map((w) => w.gatewayRssMB!)), hwmMB,
    },
    native: {
      vmPointsPerSec: med(nat, (w) => w.vmPointsPerSec), vmRowsPerSec: med(nat, (w) => w.vmRowsPerSec), requestsPerSec: med(nat, (w) => w.loop!.requestsPerSec),
      generatorCpuPercent: med(nat, (w) => (w.loop!.generatorCpuSec / w.sec) * 100),
    },
    ratio: median(ratioPerRun), ratioPerRun,
    windowsQueueEmptied: gw.filter((w) => w.queue!.min === 0).length,
    crossCheck: { gatewayWritten, expectedRows: gatewayWritten * rowsPerPoint, vmRows: vmRowsGateway, ratio: vmRowsGateway / (gatewayWritten * rowsPerPoint) },
    ...(dr.length ? {
      drain: {
        vmPointsPerSec: med(dr, (w) => w.vmPointsPerSec), vmRowsPerSec: med(dr, (w) => w.vmRowsPerSec), pointsPerSec: med(dr, (w) => w.gatewayPointsPerSec!),
        cpuPercent: med(dr, (w) => w.gatewayCpuPercent!), ratio: median(perRun(dr)), ratioPerRun: perRun(dr), windowsQueueEmptied: dr.filter((w) => w.queue!.min === 0).length,
      },
    } : {}),
    queueTrend: gw.map((w) => w.queue!.end),
    windows,
  };
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}
