/**
 * The outage drill (issue 6, scenario 4): VictoriaMetrics goes down for minutes while the gateway takes a steady
 * load, then comes back. What must hold: the gateway's RSS stays flat through the outage (the backlog lives in
 * the queue store, not the heap), and once the server is back the backlog drains at least twice as fast as it
 * grew, with the load still on.
 *
 * A private VictoriaMetrics (its own port and folder, so the shared test servers are untouched) is stopped with
 * SIGTERM and started again on the same folder. The gateway runs as its own process with one `kind: prometheus`
 * backend and the embedded queue; the load is an open loop at `pointsPerSec` (metrics payload, restamped to the
 * current millisecond). Every second: the gateway's RSS, its queue depth (items) and its written counter.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { LoadGenerator } from '../load/client.js';
import type { Payload } from '../payloads.js';
import { memory } from '../proc.js';
import { PrivateVictoria } from '../private-servers.js';
import { scrape, startGateway, type ServerProcess } from '../servers.js';
import { sleep } from '../stats.js';
import type { MergeStamp } from '../report-format.js';

export interface OutageOptions {
  payload: Payload;
  /** Offered load, points per second (rounded to whole requests of the payload). */
  pointsPerSec: number;
  baselineSec: number;
  outageSec: number;
  /** Give up waiting for the backlog to drain after this long. */
  maxRecoverySec: number;
  nodeFlags: string[];
  dir: string;
  keepData?: boolean;
  log: (line: string) => void;
}

export interface OutageSample {
  /** Seconds since the load started. */
  t: number;
  phase: 'baseline' | 'outage' | 'recovery';
  rssMB: number;
  queueItems: number;
  written: number;
}

/** Stamped (MergeStamp) when measured by a `--merge` run. */
export interface OutageResult extends MergeStamp {
  name: 'victoriametrics outage';
  pointsPerSec: number;
  baselineSec: number;
  outageSec: number;
  /** RSS (MB): the last baseline sample, the highest during the outage, the last outage sample. */
  rss: { beforeMB: number; maxOutageMB: number; endOutageMB: number; hwmMB: number; growthRatio: number };
  /** Backlog items at the outage's start and end; growth per second over the outage. */
  backlog: { startItems: number; peakItems: number; growthPerSec: number };
  /** Seconds from the server's return until the backlog was back at its baseline level (NaN: not within maxRecoverySec). */
  drainSec: number;
  /** Net backlog decrease per second after the return, load still on; and its ratio to the growth rate. */
  drainPerSec: number;
  drainToGrowth: number;
  /** Load the generator got acknowledged, and the gateway's written counter over the whole drill (equal when nothing was lost). */
  acceptedPoints: number;
  writtenPoints: number;
  refusedRequests: number;
  samples: OutageSample[];
  error?: string;
}

export async function outageScenario(o: OutageOptions): Promise<OutageResult> {
  const dir = path.join(o.dir, 'outage');
  const victoria = await PrivateVictoria.create(path.join(dir, 'victoria'));
  const generator = LoadGenerator.start();
  let gateway: ServerProcess | undefined;
  const samples: OutageSample[] = [];
  const rate = Math.max(0.2, o.pointsPerSec / o.payload.items);
  let accepted = 0;
  let refused = 0;
  try {
    await victoria.start();
    gateway = await startGateway({
      dir: path.join(dir, 'gateway'),
      nodeFlags: o.nodeFlags,
      backends: {
        vm: {
          kind: 'prometheus',
          url: `${victoria.url}/api/v1/write`,
          delivery: { backlog: { max_bytes: '100GiB' }, retry: { initial_interval: '1s', max_interval: '5s', max_elapsed: '1h' } },
        },
      },
    });
    const g = gateway;
    const t0 = performance.now();
    const load = (sec: number) =>
      generator
        .run(
          {
            url: `${g.baseUrl}/v1/metrics`,
            file: o.payload.file,
            contentEncoding: 'identity',
            itemsPerRequest: o.payload.items,
            connections: 4,
            durationSec: sec,
            maxRequests: 10_000_000,
            rate,
            restamp: true,
          },
          () => undefined,
          () => undefined,
        )
        .then(({ result }) => {
          accepted += result.acceptedItems;
          refused += result.requests - result.ok;
        });
    const sample = async (phase: OutageSample['phase']): Promise<OutageSample> => {
      const [queueItems, written] = await Promise.all([
        scrape(g.adminUrl!, 'manifold_queue_items'),
        scrape(g.adminUrl!, 'manifold_backend_written_items_total', { backend: 'vm' }),
      ]);
      const s = { t: (performance.now() - t0) / 1000, phase, rssMB: memory(g.pid).rssMB, queueItems, written };
      samples.push(s);
      return s;
    };
    const sampleFor = async (phase: OutageSample['phase'], sec: number) => {
      const end = performance.now() + sec * 1000;
      while (performance.now() < end) {
        await sleep(1000);
        await sample(phase);
      }
    };

    o.log(`  baseline: ${(rate * o.payload.items).toLocaleString('en')} points/s for ${o.baselineSec} s`);
    const firstLoad = load(o.baselineSec + o.outageSec);
    await sampleFor('baseline', o.baselineSec);
    const baselineQueue = Math.max(...samples.map((s) => s.queueItems));
    await victoria.stop();
    o.log(`  outage: VictoriaMetrics stopped for ${o.outageSec} s, load on`);
    await sampleFor('outage', o.outageSec);
    await firstLoad;
    const outage = samples.filter((s) => s.phase === 'outage');
    const lastBaseline = samples.filter((s) => s.phase === 'baseline').at(-1)!;
    const peak = outage.at(-1)!;
    await victoria.start();
    const back = performance.now();
    o.log(`  recovery: VictoriaMetrics back; backlog ${peak.queueItems.toLocaleString('en')} points`);
    // The load goes on in 5 s slices until the backlog is back where it was before the outage.
    let drained = NaN;
    while ((performance.now() - back) / 1000 < o.maxRecoverySec) {
      const slice = load(5);
      await sampleFor('recovery', 5);
      await slice;
      const last = samples.at(-1)!;
      if (last.queueItems <= Math.max(baselineQueue, 2 * o.payload.items)) {
        drained = (performance.now() - back) / 1000;
        break;
      }
    }
    await sleep(2000); // the last writes settle before the final count
    const final = await sample('recovery');
    const growthPerSec = (peak.queueItems - lastBaseline.queueItems) / o.outageSec;
    const drainPerSec = Number.isFinite(drained) ? (peak.queueItems - Math.max(0, final.queueItems)) / drained : NaN;
    const maxOutage = Math.max(...outage.map((s) => s.rssMB));
    return {
      name: 'victoriametrics outage',
      pointsPerSec: rate * o.payload.items,
      baselineSec: o.baselineSec,
      outageSec: o.outageSec,
      rss: {
        beforeMB: lastBaseline.rssMB,
        maxOutageMB: maxOutage,
        endOutageMB: peak.rssMB,
        hwmMB: memory(g.pid).hwmMB,
        growthRatio: maxOutage / lastBaseline.rssMB,
      },
      backlog: { startItems: lastBaseline.queueItems, peakItems: peak.queueItems, growthPerSec },
      drainSec: drained,
      drainPerSec,
      drainToGrowth: drainPerSec / growthPerSec,
      acceptedPoints: accepted,
      writtenPoints: final.written,
      refusedRequests: refused,
      samples,
    };
  } catch (error) {
    return {
      name: 'victoriametrics outage',
      pointsPerSec: rate * o.payload.items,
      baselineSec: o.baselineSec,
      outageSec: o.outageSec,
      rss: { beforeMB: NaN, maxOutageMB: NaN, endOutageMB: NaN, hwmMB: NaN, growthRatio: NaN },
      backlog: { startItems: NaN, peakItems: NaN, growthPerSec: NaN },
      drainSec: NaN,
      drainPerSec: NaN,
      drainToGrowth: NaN,
      acceptedPoints: accepted,
      writtenPoints: NaN,
      refusedRequests: refused,
      samples,
      error: (error as Error).message,
    };
  } finally {
    generator.close();
    await gateway?.stop();
    await victoria.stop();
    if (!o.keepData) rmSync(dir, { recursive: true, force: true });
  }
}
