/**
 * The delivery scenario's measured windows (see delivery.ts): the gateway under full OTLP load, then draining
 * with the load stopped, and the native loop with the gateway frozen; in alternating order, run after run.
 */
import type { LoadGenerator } from '../load/client.js';
import { cpuSeconds, memory } from '../proc.js';
import { scrape, type ServerProcess } from '../servers.js';
import { sleep } from '../stats.js';
import type { DeliveryOptions, DeliveryWindow } from './delivery.js';
import type { NativeLoop } from './delivery-loop.js';
import type { DeliveryTarget } from './delivery-targets.js';

export interface WindowsContext extends Omit<DeliveryOptions, 'target'> {
  target: DeliveryTarget;
  gateway: ServerProcess;
  generator: LoadGenerator;
  loop: NativeLoop;
  /** SIGSTOP (true) / SIGCONT (false) the gateway. */
  freeze: (stop: boolean) => void;
  /** Samples per point of the payload. */
  rowsPerPoint: number;
  /** The gateway's name for the target's backend (its metrics' `backend` label). */
  backend: string;
  /** Points in one gateway write (and one cycle of the native loop). */
  batchPoints: number;
}

export async function measureWindows(c: WindowsContext): Promise<DeliveryWindow[]> {
  const g = c.gateway;
  const stored = () => c.target.stored();
  const written = () => scrape(g.adminUrl!, 'manifold_backend_written_items_total', { backend: c.backend });
  const queued = () => scrape(g.adminUrl!, 'manifold_queue_items');
  const rates = (rows: number, sec: number) => ({
    sec,
    storedRows: rows,
    storedRowsPerSec: rows / sec,
    storedPointsPerSec: rows / sec / c.rowsPerPoint,
  });

  const startLoad = (durationSec: number, started: () => void = () => undefined) =>
    c.generator.run(
      {
        url: `${g.baseUrl}/v1/metrics`,
        file: c.payload.file,
        contentEncoding: 'identity',
        itemsPerRequest: c.payload.items,
        connections: c.connections,
        durationSec,
        maxRequests: 1_000_000,
        restamp: true,
        instancePerConnection: true,
      },
      started,
      () => undefined,
    );

  /**
   * Unmeasured: both writers' series are created in the store before the first window (a new series costs the store
   * far more than a sample appended to one: the first cycles would measure series creation). The gateway takes a
   * second of load (every sender's requests) and delivers it with the load off; the loop runs one whole cycle.
   */
  const warmUp = async () => {
    const t0 = performance.now();
    c.freeze(false);
    const w0 = await written();
    await startLoad(1);
    while ((await queued()) > 0 && performance.now() - t0 < 60_000) await sleep(250);
    const w = await written();
    c.freeze(true);
    const loop = await c.loop.run(0, 1);
    c.log(
      `  warm-up: gateway ${(w - w0).toLocaleString('en')} points written, native loop ${loop.cycles.toFixed(1)} cycles, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  };

  const gatewayWindow = async (run: number): Promise<DeliveryWindow> => {
    c.freeze(false);
    let markStarted!: () => void;
    const loadStarted = new Promise<void>((resolve) => (markStarted = resolve));
    const load = startLoad(c.leadSec + c.windowSec, () => markStarted());
    await loadStarted;
    await sleep(c.leadSec * 1000);
    const [w0, r0, q0] = await Promise.all([written(), stored(), queued()]);
    const c0 = cpuSeconds(g.pid);
    const t0 = performance.now();
    const depths = [q0];
    const end = t0 + c.windowSec * 1000;
    while (performance.now() < end - 300) {
      await sleep(250);
      depths.push(await queued());
    }
    await sleep(Math.max(0, end - performance.now()));
    const [w1, r1, q1] = await Promise.all([written(), stored(), queued()]);
    const sec = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(g.pid) - c0;
    depths.push(q1);
    const { result } = await load;
    return {
      run,
      side: 'gateway',
      ...rates(r1 - r0, sec),
      gatewayWritten: w1 - w0,
      gatewayPointsPerSec: (w1 - w0) / sec,
      queue: { start: q0, end: q1, min: Math.min(...depths), max: Math.max(...depths) },
      ingestPointsPerSec: result.itemsPerSec,
      gatewayCpuPercent: (cpu / sec) * 100,
      gatewayRssMB: memory(g.pid).rssMB,
      load: {
        requests: result.requests,
        ok: result.ok,
        errors: result.errors,
        itemsPerSec: result.itemsPerSec,
        generatorCpuSec: result.generatorCpuSec,
      },
    };
  };

  /** Right after a loaded window: delivery alone from the backlog, for `sec` (a window where the queue gauge hit 0 is flagged). */
  const drainWindow = async (run: number, sec: number): Promise<DeliveryWindow> => {
    c.freeze(false);
    const [w0, r0, q0] = await Promise.all([written(), stored(), queued()]);
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
    const [w1, r1] = await Promise.all([written(), stored()]);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(g.pid) - c0;
    c.freeze(true);
    return {
      run,
      side: 'drain',
      ...rates(r1 - r0, elapsed),
      gatewayWritten: w1 - w0,
      gatewayPointsPerSec: (w1 - w0) / elapsed,
      queue: { start: q0, end: q, min, max: q0 },
      gatewayCpuPercent: (cpu / elapsed) * 100,
    };
  };

  const nativeWindow = async (run: number): Promise<DeliveryWindow> => {
    c.freeze(true);
    const r0 = await stored();
    const t0 = performance.now();
    const result = await c.loop.run(c.windowSec);
    const r1 = await stored();
    return { run, side: 'native', ...rates(r1 - r0, (performance.now() - t0) / 1000), loop: result };
  };

  await warmUp();
  const windows: DeliveryWindow[] = [];
  for (let run = 1; run <= c.runs; run++) {
    const sides = run % 2 ? (['gateway', 'native'] as const) : (['native', 'gateway'] as const);
    for (const side of sides) {
      const got = side === 'gateway' ? [await gatewayWindow(run)] : [await nativeWindow(run)];
      if (side === 'gateway' && c.drainSec > 0) got.push(await drainWindow(run, c.drainSec));
      c.freeze(true);
      for (const w of got) {
        windows.push(w);
        c.log(`  run ${run} ${w.side.padEnd(7)}: ${describe(w, c.target.label)}`);
      }
    }
  }
  return windows;
}

function describe(w: DeliveryWindow, label: string): string {
  const head = `${fmt(w.storedPointsPerSec)} points/s (${fmt(w.storedRowsPerSec)} ${label} samples/s)`;
  if (w.side === 'native') {
    const l = w.loop!;
    const failed = l.errors || l.ok < l.requests ? `, ${l.requests - l.ok} failed (${l.firstError ?? JSON.stringify(l.statuses)})` : '';
    const stamping = l.stampCpuSec > 0 ? ` (restamp + snappy ${((l.stampCpuSec / w.sec) * 100).toFixed(0)}%)` : '';
    return `${head}, ${l.requestsPerSec.toFixed(0)} requests/s, ${(l.cycles / w.sec).toFixed(1)} cycles/s, loop CPU ${((l.generatorCpuSec / w.sec) * 100).toFixed(0)}%${stamping}${failed}`;
  }
  const q = w.queue!;
  return (
    `${head}, gateway counter ${fmt(w.gatewayPointsPerSec!)} points/s${w.side === 'gateway' ? `, ingest ${fmt(w.ingestPointsPerSec!)} points/s` : ''}, ` +
    `queue ${q.start.toLocaleString('en')} → ${q.end.toLocaleString('en')} (min ${q.min.toLocaleString('en')}), ${w.sec.toFixed(1)} s, gateway CPU ${w.gatewayCpuPercent!.toFixed(0)}%`
  );
}

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}
