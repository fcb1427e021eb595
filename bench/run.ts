/**
 * The benchmark: `npm run bench` (full) or `npm run bench -- --quick` (under a minute). Builds the payloads,
 * measures ingest (traces, metrics, logs) into the gateway next to the ceiling server, the cost of 10K spans/s, runs the micro
 * benchmarks, and writes bench/RESULTS.md and bench/results.json.
 *
 * Options: --quick; --runs N; --duration S (full-load seconds); --half-duration S; --connections N;
 * --only ingest,fixed,micro,delivery,outage (logs: the logs ingest cases alone); --micros logs-delivery,clickhouse (micro: only the
 * micro benchmarks whose file contains one of these); --outage-sec S (default 120, quick 8); --outage-rate POINTS_PER_S (default 20000); --cases traces,metrics,logs,traces-gzip,logs-gzip (ingest cases; with --merge they replace theirs, the others stay); --no-gzip; --node-flags="--max-semi-space-size=64" (both servers; note the =);
 * --gateway-flags "..."; --cpu-prof (profile the gateway into bench/out/profiles); --redis-url URL;
 * --variant-flags="--max-semi-space-size=64" (traces and metrics again with these node flags; full run default;
 * "" for none); --delivery-targets victoria,prometheus (delivery; default both, each a private server on its own port and
 * folder); --victoria-url URL (delivery into that VictoriaMetrics instead of a private one);
 * --merge (keep the other sections of the existing results.json: e.g. `--only delivery --merge`); --notes FILE (markdown appended to RESULTS.md, default bench/NOTES.md if present); --keep-data (keep the gateways' queue folders under bench/out/run-*); --out DIR (default bench/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { writePayloads, type Payload } from './payloads.js';
import { machine } from './proc.js';
import { renderReport, type BenchReport } from './report.js';
import type { MergeStamp } from './report-format.js';
import { fixedRateScenario, type FixedRateResult } from './scenarios/fixed-rate.js';
import { ingestScenario, type IngestResult } from './scenarios/ingest.js';
import { deliveryScenario, type DeliveryResult } from './scenarios/delivery.js';
import type { DeliveryTargetName } from './scenarios/delivery-targets.js';
import { outageScenario, type OutageResult } from './scenarios/outage.js';
import { deliveryLabels, pendingScenarios, redisQueueSupported } from './scenarios/later.js';
import { MICROS, runMicro, type MicroResult } from './scenarios/micro.js';
import { ROOT } from './servers.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    duration: { type: 'string' },
    'half-duration': { type: 'string' },
    connections: { type: 'string' },
    only: { type: 'string' },
    cases: { type: 'string' },
    'no-gzip': { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    'gateway-flags': { type: 'string', default: '' },
    'cpu-prof': { type: 'boolean', default: false },
    'redis-url': { type: 'string' },
    'keep-data': { type: 'boolean', default: false },
    'variant-flags': { type: 'string' },
    notes: { type: 'string' },
    out: { type: 'string' },
    'victoria-url': { type: 'string' },
    'delivery-targets': { type: 'string', default: 'victoria,prometheus' },
    merge: { type: 'boolean', default: false },
    'outage-sec': { type: 'string' },
    'outage-rate': { type: 'string' },
    micros: { type: 'string' },
  },
});

const quick = values.quick!;
const started = performance.now();
const runs = Number(values.runs ?? (quick ? 3 : 5));
if (runs < 3) console.warn('fewer than 3 runs: the figures are not medians of 3');
const fullSec = Number(values.duration ?? (quick ? 1.2 : 8));
const halfSec = Number(values['half-duration'] ?? (quick ? 0.8 : 5));
const connections = Number(values.connections ?? 4);
const only = new Set((values.only ?? 'ingest,fixed,micro,delivery,outage').split(','));
const nodeFlags = values['node-flags']!.split(' ').filter(Boolean);
const workDir = path.join(ROOT, 'bench', 'out', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
const gatewayFlags = values['gateway-flags']!.split(' ').filter(Boolean);
const variantFlags = (values['variant-flags'] ?? (quick ? '' : '--max-semi-space-size=64')).split(' ').filter(Boolean);
const notesFile = values.notes ?? path.join(ROOT, 'bench', 'NOTES.md');
if (values['cpu-prof']) gatewayFlags.push('--cpu-prof', `--cpu-prof-dir=${path.join(workDir, 'profiles')}`);
const outDir = path.resolve(values.out ?? path.join(ROOT, 'bench'));
const log = (line: string) => console.log(line);

const command =
  process.env.npm_lifecycle_event === 'bench'
    ? `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
    : `node ${process.execArgv.join(' ')} ${path.relative(ROOT, process.argv[1]!)} ${process.argv.slice(2).join(' ')}`.trim();
function backendsEnv(key: string): string | undefined {
  const file = path.join(ROOT, '.backends', 'env');
  if (!existsSync(file)) return undefined;
  return new RegExp(`^${key}=(.+)$`, 'm').exec(readFileSync(file, 'utf8'))?.[1]?.trim();
}
/** Redis for the Redis-queue ingest cases: --redis-url, else the test servers' (.backends/env); "" for none. */
const redisUrl = values['redis-url'] ?? process.env.MANIFOLD_TEST_REDIS_URL ?? backendsEnv('MANIFOLD_TEST_REDIS_URL');

async function deleteRedisPrefix(url: string, match: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      if (keys.length) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const git = (...args: string[]) => {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

mkdirSync(workDir, { recursive: true });
const host = machine();
log(
  `manifold bench (${quick ? 'quick' : 'full'}): ${host.nproc} CPUs ${host.cpuModel}, node ${host.node}; work folder ${path.relative(ROOT, workDir)}`,
);
const payloads = await writePayloads(path.join(ROOT, 'bench', 'out', 'payloads'));

const ingest: IngestResult[] = [];
const fixedRate: FixedRateResult[] = [];
const micro: MicroResult[] = [];
const delivery: DeliveryResult[] = [];

if (only.has('ingest') || only.has('logs')) {
  type Case = { name: string; payload: Payload; queue?: Record<string, unknown>; flags?: string[]; decodeThreads?: number; runs?: number };
  const cases: Case[] = [
    { name: 'traces', payload: payloads['traces-identity'] },
    { name: 'metrics', payload: payloads['metrics-identity'] },
    { name: 'logs', payload: payloads['logs-identity'] },
  ];
  if (!quick && !values['no-gzip'])
    cases.push({ name: 'traces-gzip', payload: payloads['traces-gzip'] }, { name: 'logs-gzip', payload: payloads['logs-gzip'] });
  if (variantFlags.length) {
    cases.push(
      { name: 'traces-variant', payload: payloads['traces-identity'], flags: [...nodeFlags, ...variantFlags] },
      { name: 'metrics-variant', payload: payloads['metrics-identity'], flags: [...nodeFlags, ...variantFlags] },
    );
  }
  if (!quick) {
    // The scaling: the same traces with OTLP decode + payload encode on the main thread (decode_threads: 0).
    cases.push({ name: 'traces-inline', payload: payloads['traces-identity'], decodeThreads: 0, runs: 3 });
  }
  if (!quick || values.cases) {
    // The default queue fdatasyncs its WAL once per group of commits; its cost is this pair beside the default,
    // in the same run (issue 13: the default was chosen by it).
    const noFsyncQueue = (name: string) => ({ kind: 'embedded', fsync: false, path: path.join(workDir, `gateway-${name}`, 'queue') });
    cases.push(
      { name: 'traces-nofsync', payload: payloads['traces-identity'], queue: noFsyncQueue('traces-nofsync') },
      { name: 'metrics-nofsync', payload: payloads['metrics-identity'], queue: noFsyncQueue('metrics-nofsync') },
      { name: 'logs-nofsync', payload: payloads['logs-identity'], queue: noFsyncQueue('logs-nofsync') },
    );
  }
  if (redisUrl && redisQueueSupported()) {
    // A prefix per case, deleted after it: the paused backend's queue holds GBs by the end of a case.
    const queue = (name: string) => ({ kind: 'redis', url: redisUrl, prefix: `manifold-bench-${process.pid}-${name}` });
    cases.push(
      { name: 'traces-redis', payload: payloads['traces-identity'], queue: queue('traces'), runs: quick ? runs : 3 },
      { name: 'metrics-redis', payload: payloads['metrics-identity'], queue: queue('metrics'), runs: quick ? runs : 3 },
    );
  }
  const wanted = values.cases ? new Set(values.cases.split(',')) : undefined;
  for (const { name, payload, queue, flags, decodeThreads, runs: caseRuns } of cases) {
    if (wanted && !wanted.has(name)) continue;
    if (!only.has('ingest') && payload.signal !== 'logs') continue;
    log(
      `ingest ${name}: ${runs} runs of ${fullSec} s full load + ${halfSec} s half load, ${connections} connections${flags ? `, node ${flags.join(' ')}` : ''}`,
    );
    const maxRequests = Math.ceil((fullSec * 2_000_000) / payload.items); // 2M items/s would be far past any ceiling here
    ingest.push(
      await ingestScenario({
        name,
        payload,
        runs: caseRuns ?? runs,
        decodeThreads,
        keepData: values['keep-data']!,
        warmupSec: quick ? 0.5 : 2,
        nodeFlags: flags ?? nodeFlags,
        gatewayFlags,
        dir: workDir,
        log,
        full: { connections, durationSec: fullSec, maxRequests, minRequests: quick ? 5 : 20 },
        half: { connections, durationSec: halfSec, maxRequests, minRequests: quick ? 3 : 20 },
        ...(queue ? { queue } : {}),
      }),
    );
    if (queue?.kind === 'redis') await deleteRedisPrefix(String(queue.url), `${String(queue.prefix)}:*`);
  }
}

if (only.has('fixed') && !quick) {
  log('cost of 10K spans/s');
  fixedRate.push(
    await fixedRateScenario({
      name: 'traces-10k',
      payload: payloads['traces-identity'],
      itemsPerSec: 10_000,
      runs,
      durationSec: 5,
      nodeFlags,
      dir: workDir,
      log,
    }),
  );
  // Issue 13: the ack latency at about half the sustained end-to-end rate (~60K points/s into VictoriaMetrics),
  // while delivering, next to the same rate with the backend paused. 10 s per run: 30 requests for the p99.
  log('ack latency at 30K points/s: backend paused, then delivering into VictoriaMetrics');
  // And delivering with the adapter on a thread of its own (the default only above 2 CPUs).
  for (const [backend, deliveryThread] of [
    ['paused', undefined],
    ['victoria', undefined],
    ['victoria', true],
  ] as const) {
    const name = `metrics-30k-${backend}${deliveryThread ? '-thread' : ''}`;
    fixedRate.push(
      await fixedRateScenario({
        name,
        payload: payloads['metrics-identity'],
        itemsPerSec: 30_000,
        runs,
        durationSec: 10,
        nodeFlags,
        dir: workDir,
        log,
        backend,
        deliveryThread,
      }),
    );
  }
}

if (only.has('micro')) {
  const wantedMicros = values.micros?.split(',').filter(Boolean);
  for (const spec of MICROS) {
    if (wantedMicros && !wantedMicros.some((w) => spec.file.includes(w))) continue;
    if (quick) {
      micro.push({ name: spec.name, file: spec.file, command: '', status: 'skipped', seconds: 0, output: '', note: 'not run with --quick' });
      continue;
    }
    const args = spec.file === 'bench/decode-micro.ts' ? ['3'] : spec.args;
    log(`micro: ${spec.file}`);
    const result = await runMicro({ ...spec, args }, nodeFlags, spec.timeoutSec ?? 240);
    micro.push(result);
    if (result.status !== 'missing')
      log(
        result.output
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
      );
  }
}

if (only.has('delivery')) {
  const windowSec = Number(values.duration ?? (quick ? 1.5 : 8));
  const targets = values['delivery-targets']!.split(',').filter(Boolean) as DeliveryTargetName[];
  for (const target of targets) {
    if (target !== 'victoria' && target !== 'prometheus')
      throw new Error(`--delivery-targets: unknown target "${String(target)}" (victoria, prometheus)`);
    const where =
      target === 'victoria' && values['victoria-url']
        ? values['victoria-url']
        : `a private ${target === 'victoria' ? 'VictoriaMetrics' : 'Prometheus'}`;
    const drainSec = quick ? windowSec : windowSec / 2;
    log(`delivery into ${where}: ${runs} runs of ${windowSec} s gateway under load + ${drainSec} s gateway draining + ${windowSec} s native loop`);
    const result = await deliveryScenario({
      target,
      ...(target === 'victoria' && values['victoria-url'] ? { victoriaUrl: values['victoria-url'] } : {}),
      payload: payloads['metrics-identity'],
      runs,
      windowSec,
      leadSec: quick ? 0.5 : 2,
      connections,
      loopConnections: 1,
      drainSec,
      nodeFlags,
      gatewayFlags,
      dir: workDir,
      keepData: values['keep-data']!,
      log,
    });
    if (values.merge) Object.assign(result, mergeStamp());
    delivery.push(result);
  }
}

const outage: OutageResult[] = [];
if (only.has('outage')) {
  const outageSec = Number(values['outage-sec'] ?? (quick ? 8 : 120));
  const pointsPerSec = Number(values['outage-rate'] ?? 20_000);
  log(`outage: a private VictoriaMetrics down for ${outageSec} s under ${pointsPerSec.toLocaleString('en')} points/s`);
  const result = await outageScenario({
    payload: payloads['metrics-identity'],
    pointsPerSec,
    baselineSec: quick ? 3 : 10,
    outageSec,
    maxRecoverySec: Math.max(60, outageSec * 3),
    nodeFlags,
    dir: workDir,
    keepData: values['keep-data']!,
    log,
  });
  if (result.error) log(`  outage drill failed: ${result.error}`);
  else
    log(
      `  RSS ${result.rss.beforeMB.toFixed(0)} → max ${result.rss.maxOutageMB.toFixed(0)} MB during the outage; backlog +${result.backlog.growthPerSec.toFixed(0)} points/s, drained in ${result.drainSec.toFixed(1)} s (${result.drainToGrowth.toFixed(2)}× the growth rate)`,
    );
  if (values.merge) Object.assign(result, mergeStamp());
  outage.push(result);
}

// A merged result keeps where it came from: the report's header names the run the rest came from.
if (values.merge) for (const result of [...ingest, ...fixedRate, ...micro]) Object.assign(result, mergeStamp());

const report: BenchReport = {
  mode: quick ? 'quick' : 'full',
  date: new Date().toISOString(),
  command,
  commit: git('rev-parse', '--short', 'HEAD'),
  srcDirty: git('status', '--porcelain', 'src') !== '',
  machine: host,
  settings: { runs, fullSec, halfSec, connections, nodeFlags, gatewayFlags, variantFlags, workDir: path.relative(ROOT, workDir) },
  notes: existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : undefined,
  payloads,
  ingest,
  fixedRate,
  micro,
  delivery,
  outage,
  pending: pendingScenarios(redisUrl, { delivery: deliveryLabels(delivery), outage: outage.length > 0 }),
  durationSec: (performance.now() - started) / 1000,
};
mkdirSync(outDir, { recursive: true });
if (values.merge && existsSync(path.join(outDir, 'results.json'))) {
  // Only the sections this run measured replace the committed ones; the rest (and the run's header) stay.
  const previous = JSON.parse(readFileSync(path.join(outDir, 'results.json'), 'utf8')) as BenchReport;
  const sections = { ingest: 'ingest', fixedRate: 'fixed', micro: 'micro', delivery: 'delivery', outage: 'outage' } as const;
  const merged: BenchReport = { ...previous, notes: report.notes };
  for (const [key, name] of Object.entries(sections) as [keyof typeof sections, string][]) {
    (merged as unknown as Record<string, unknown>)[key] = only.has(name) && report[key]!.length ? report[key] : (previous[key] ?? []);
  }
  // `--only logs --merge` or `--cases X --merge`: the ingest cases measured replace theirs; the others stay.
  if (((only.has('logs') && !only.has('ingest')) || values.cases) && ingest.length) {
    // In place, so RESULTS.md keeps its order; a case new to results.json goes last.
    const measured = new Map(ingest.map((r) => [r.name, r]));
    const kept = previous.ingest.map((r) => measured.get(r.name) ?? r);
    merged.ingest = [...kept, ...ingest.filter((r) => !previous.ingest.some((p) => p.name === r.name))];
  }
  // `--micros X --merge`: the micro benchmarks run replace theirs; the others stay.
  if (values.micros && only.has('micro') && micro.length) {
    const ran = new Set(micro.map((m) => m.file));
    merged.micro = [...(previous.micro ?? []).filter((m) => !ran.has(m.file)), ...micro];
  }
  // Delivery is merged per target: `--delivery-targets prometheus --merge` keeps the VictoriaMetrics section.
  const measuredTargets = deliveryLabels(delivery);
  if (delivery.length)
    merged.delivery = [...delivery, ...(previous.delivery ?? []).filter((d) => !measuredTargets.includes(deliveryLabels([d])[0]!))];
  merged.pending = pendingScenarios(undefined, { delivery: deliveryLabels(merged.delivery ?? []), outage: (merged.outage ?? []).length > 0 });
  Object.assign(report, merged);
  log('merged into the existing results.json (other sections and the header kept)');
}
writeFileSync(
  path.join(outDir, 'results.json'),
  `${JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
);
writeFileSync(path.join(outDir, 'RESULTS.md'), renderReport(report));
log(`wrote ${path.relative(ROOT, path.join(outDir, 'RESULTS.md'))} and results.json in ${((performance.now() - started) / 1000).toFixed(0)} s`);
if (values['cpu-prof'])
  log(`gateway CPU profiles: ${path.relative(ROOT, path.join(workDir, 'profiles'))} (summarize: node --import tsx bench/profile-summary.ts FILE)`);

function mergeStamp(): MergeStamp {
  return { mergedBy: { command, date: new Date().toISOString(), commit: git('rev-parse', '--short', 'HEAD') } };
}
