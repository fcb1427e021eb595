/** Renders bench/RESULTS.md from the run's results (the same object that goes to results.json). */
import type { FixedRateResult } from './scenarios/fixed-rate.js';
import type { IngestResult, TargetSummary } from './scenarios/ingest.js';
import { deliveryTable, deliveryTargets, normalizeDelivery } from './report-delivery.js';
import type { DeliveryResult } from './scenarios/delivery.js';
import type { OutageResult } from './scenarios/outage.js';
import type { PendingScenario } from './scenarios/later.js';
import type { MicroResult } from './scenarios/micro.js';
import type { Machine } from './proc.js';
import type { PayloadSet } from './payloads.js';
import { kb, mb, ms, mergedBy, ratio, stampLine } from './report-format.js';
import { human } from './stats.js';

export interface BenchReport {
  mode: 'quick' | 'full';
  date: string;
  command: string;
  commit: string;
  srcDirty: boolean;
  machine: Machine;
  settings: Record<string, unknown>;
  payloads: PayloadSet;
  ingest: IngestResult[];
  fixedRate: FixedRateResult[];
  micro: MicroResult[];
  /** Absent in results.json files written before the delivery scenario existed. */
  delivery?: DeliveryResult[];
  /** Absent in results.json files written before the outage drill existed. */
  outage?: OutageResult[];
  pending: PendingScenario[];
  durationSec: number;
  /** Hand-written findings (bench/NOTES.md), appended as they are. */
  notes?: string;
}

const UNITS = { traces: 'spans', metrics: 'points', logs: 'records' } as const;

/** What sets an ingest case apart from the default one, by the name bench/run.ts gives it. */
function caseNote(name: string): string {
  if (name.endsWith('-redis')) return ", Redis queue (the test servers' Redis, no AOF)";
  if (name.endsWith('-inline')) return ', decode and payload encode on the main thread (`decode_threads: 0`)';
  if (name.endsWith('-nofsync')) return ', `queue.fsync: false` (no fdatasync before the ack)';
  return '';
}

function ingestTable(r: IngestResult): string[] {
  const g: Partial<TargetSummary> = r.gateway ?? {};
  const c = r.ceiling;
  const unit = UNITS[r.signal];
  const row = (label: string, gv: string, cv: string, rv = '') => `| ${label} | ${gv} | ${cv} | ${rv} |`;
  const lines = [
    `### Ingest: ${r.signal}, protobuf${r.contentEncoding === 'gzip' ? ' + gzip' : ''} (${r.itemsPerRequest.toLocaleString('en')} ${unit} per request, ${kb(r.bytesPerRequest)})${r.nodeFlags.length ? `, both servers with \`node ${r.nodeFlags.join(' ')}\`` : ''}${caseNote(r.name)}`,
    '',
    `Median of ${r.runs} runs; gateway and ceiling measured alternately in each run.`,
    '',
    ...stampLine(r),
    `| | gateway (backend paused, ${r.name.endsWith('-redis') ? 'Redis' : 'embedded'} queue) | ceiling (decode + 200) | gateway / ceiling |`,
    '| --- | ---: | ---: | ---: |',
    row(`**${unit}/s, full load**`, `**${human(g.itemsPerSec ?? NaN)}**`, human(c.itemsPerSec), `**${ratio(r.ratio)}**`),
    row('requests/s, full load', (g.requestsPerSec ?? NaN).toFixed(1), c.requestsPerSec.toFixed(1)),
    row('ack latency p50 / p99, full load (ms)', `${ms(g.p50Ms)} / ${ms(g.p99Ms)}`, `${ms(c.p50Ms)} / ${ms(c.p99Ms)}`),
    row(`${unit}/s at half load (rate-limited)`, human(g.halfRateItemsPerSec ?? NaN), human(c.halfRateItemsPerSec)),
    row('ack latency p50 / p99, half load (ms)', `${ms(g.halfP50Ms)} / ${ms(g.halfP99Ms)}`, `${ms(c.halfP50Ms)} / ${ms(c.halfP99Ms)}`),
    row('server CPU per 100K items (ms)', ms(g.cpuMsPer100K), ms(c.cpuMsPer100K), ratio(r.gateway ? g.cpuMsPer100K! / c.cpuMsPer100K : NaN)),
    row(`${unit} per server CPU-second`, human(g.itemsPerCpuSec ?? NaN), human(c.itemsPerCpuSec), ratio(r.cpuEfficiencyRatio)),
    row('server CPU, full load (% of one core)', mb(g.cpuPercent), mb(c.cpuPercent)),
    row('RSS max / peak VmHWM (MB)', `${mb(g.rssMB)} / ${mb(g.hwmMB)}`, `${mb(c.rssMB)} / ${mb(c.hwmMB)}`),
    row('requests refused or failed', String(g.refusedOrFailed ?? 'n/a'), String(c.refusedOrFailed)),
    '',
  ];
  if (r.gatewayError) lines.push('The gateway did not start:', '', '```', r.gatewayError, '```', '');
  if (r.ratioPerRun) {
    const full = r.measurements.filter((m) => m.mode === 'full');
    const per = r.ratioPerRun.map((x, i) => {
      const at = (kind: string) => full.find((m) => m.run === i + 1 && m.target === kind)!.load.itemsPerSec;
      return `run ${i + 1}: ${human(at('gateway'))} / ${human(at('ceiling'))} = ${x.toFixed(2)}`;
    });
    lines.push(`Per run (gateway / ceiling ${unit}/s): ${per.join('; ')}.`, '');
  }
  const k = r.gatewayCheck;
  if (k) {
    lines.push(
      `Cross-check from the gateway's /metrics: ${k.receivedAccepted.toLocaleString('en')} items counted accepted during the measured runs, ` +
        `${k.sentAccepted.toLocaleString('en')} acknowledged to the load generator; queue at the end: ${k.queueItems.toLocaleString('en')} items, ` +
        `${kb(k.queueBytes)} payload (${(k.queueBytes / k.queueItems).toFixed(1)} B/item)` +
        // results.json keeps NaN as null: the Redis cases have no folder on disk.
        (Number.isFinite(k.queueDiskBytes ?? NaN)
          ? `, ${kb(k.queueDiskBytes)} on disk (${k.diskBytesPerItem.toFixed(1)} B/item, warm-up included).`
          : ' (in Redis; no folder on disk).'),
      '',
    );
  }
  return lines;
}

function targets(report: BenchReport): string[] {
  const find = (name: string) => report.ingest.find((r) => r.name === name);
  const t = find('traces');
  const m = find('metrics');
  const fixed = report.fixedRate[0];
  const rss = Math.max(...report.ingest.map((r) => r.gateway?.hwmMB ?? NaN));
  // The same bound while delivering (under load and draining) and through the outage drill.
  const rssDelivering = Math.max(...(report.delivery ?? []).map((d) => d.gateway.hwmMB), ...(report.outage ?? []).map((o) => o.rss.hwmMB));
  const l = find('logs');
  const tv = find('traces-variant');
  const mv = find('metrics-variant');
  const alt = (r: IngestResult | undefined, f: (r: IngestResult) => string) => (r ? ` (\`${r.nodeFlags.join(' ')}\`: ${f(r)})` : '');
  const rows: [string, string, boolean | undefined][] = [
    [
      'ingest traces ≥ 100K spans/s',
      human(t?.gateway?.itemsPerSec ?? NaN) + alt(tv, (r) => human(r.gateway?.itemsPerSec ?? NaN)),
      t?.gateway ? t.gateway.itemsPerSec >= 100_000 : undefined,
    ],
    [
      'ingest metrics ≥ 500K points/s',
      human(m?.gateway?.itemsPerSec ?? NaN) + alt(mv, (r) => human(r.gateway?.itemsPerSec ?? NaN)),
      m?.gateway ? m.gateway.itemsPerSec >= 500_000 : undefined,
    ],
    ['ingest logs ≥ 200K records/s', human(l?.gateway?.itemsPerSec ?? NaN), l?.gateway ? l.gateway.itemsPerSec >= 200_000 : undefined],
    [
      'traces: gateway CPU per 100K spans (ceiling)',
      `${ms(t?.gateway?.cpuMsPer100K)} ms (${ms(t?.ceiling.cpuMsPer100K)} ms)${alt(tv, (r) => `${ms(r.gateway?.cpuMsPer100K)} ms (${ms(r.ceiling.cpuMsPer100K)} ms)`)}`,
      undefined,
    ],
    [
      'metrics: gateway CPU per 100K points (ceiling)',
      `${ms(m?.gateway?.cpuMsPer100K)} ms (${ms(m?.ceiling.cpuMsPer100K)} ms)${alt(mv, (r) => `${ms(r.gateway?.cpuMsPer100K)} ms (${ms(r.ceiling.cpuMsPer100K)} ms)`)}`,
      undefined,
    ],
    ['logs: gateway CPU per 100K records (ceiling)', `${ms(l?.gateway?.cpuMsPer100K)} ms (${ms(l?.ceiling.cpuMsPer100K)} ms)`, undefined],
    ['traces ≥ 0.7 of the ceiling', ratio(t?.ratio) + alt(tv, (r) => ratio(r.ratio)), t?.ratio !== undefined ? t.ratio >= 0.7 : undefined],
    ['metrics ≥ 0.7 of the ceiling', ratio(m?.ratio) + alt(mv, (r) => ratio(r.ratio)), m?.ratio !== undefined ? m.ratio >= 0.7 : undefined],
    ['logs ≥ 0.7 of the ceiling', ratio(l?.ratio), l?.ratio !== undefined ? l.ratio >= 0.7 : undefined],
    [
      'p99 ack < 50 ms at half load, traces',
      `${ms(t?.gateway?.halfP99Ms)} ms${alt(tv, (r) => `${ms(r.gateway?.halfP99Ms)} ms`)}`,
      t?.gateway ? t.gateway.halfP99Ms < 50 : undefined,
    ],
    [
      'p99 ack < 50 ms at half load, metrics',
      `${ms(m?.gateway?.halfP99Ms)} ms${alt(mv, (r) => `${ms(r.gateway?.halfP99Ms)} ms`)}`,
      m?.gateway ? m.gateway.halfP99Ms < 50 : undefined,
    ],
    ['p99 ack < 50 ms at half load, logs', `${ms(l?.gateway?.halfP99Ms)} ms`, l?.gateway ? l.gateway.halfP99Ms < 50 : undefined],
    ['gateway RSS < 512 MB (peak VmHWM), ingest', `${mb(rss)} MB`, Number.isFinite(rss) ? rss < 512 : undefined],
    [
      'gateway RSS < 512 MB (peak VmHWM), delivering / outage drill',
      Number.isFinite(rssDelivering) ? `${mb(rssDelivering)} MB` : 'not measured',
      Number.isFinite(rssDelivering) ? rssDelivering < 512 : undefined,
    ],
    [
      '10K spans/s ≤ 10% of one core',
      fixed?.gatewayCpuPercent !== undefined ? `${fixed.gatewayCpuPercent.toFixed(1)}%` : 'not run',
      fixed?.gatewayCpuPercent !== undefined ? fixed.gatewayCpuPercent <= 10 : undefined,
    ],
    ['remote-write encoder ≥ 500K points/s per core', 'see the micro benchmarks below', undefined],
    ...deliveryTargets(report.delivery ?? []),
    ...outageTargets(report.outage?.[0]),
  ];
  return [
    '## Targets (issue 6)',
    '',
    'Met or not is judged on the default-flag runs; a variant run with other node flags is shown in parentheses.',
    '',
    '| target | measured | met |',
    '| --- | ---: | :---: |',
    ...rows.map(([what, value, met]) => `| ${what} | ${value} | ${met === undefined ? '–' : met ? 'yes' : '**no**'} |`),
    '',
  ];
}

function outageTargets(o: OutageResult | undefined): [string, string, boolean | undefined][] {
  if (!o || o.error)
    return [['outage: RSS flat, backlog drains ≥ 2× as fast as it grew', o?.error ? `failed: ${o.error}` : 'not measured yet', undefined]];
  return [
    [
      `outage (${o.outageSec} s): RSS flat (max ≤ 1.25× before)`,
      `${mb(o.rss.beforeMB)} → max ${mb(o.rss.maxOutageMB)} MB (${ratio(o.rss.growthRatio)}×)`,
      o.rss.growthRatio <= 1.25,
    ],
    [
      'outage: backlog drains ≥ 2× as fast as it grew (load on)',
      `${ratio(o.drainToGrowth)}× (+${human(o.backlog.growthPerSec)}/s, −${human(o.drainPerSec)}/s)`,
      Number.isFinite(o.drainToGrowth) ? o.drainToGrowth >= 2 : false,
    ],
  ];
}

function outageSection(o: OutageResult): string[] {
  if (o.error) return ['### VictoriaMetrics outage', '', `Failed: ${o.error}`, '', ...stampLine(o)];
  const phase = (p: string) => o.samples.filter((s) => s.phase === p);
  const trend = (p: string) =>
    phase(p)
      .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / 8)) === 0 || i === all.length - 1)
      .map((s) => `${s.t.toFixed(0)} s: ${mb(s.rssMB)} MB, ${s.queueItems.toLocaleString('en')} queued`)
      .join('; ');
  return [
    '### VictoriaMetrics outage',
    '',
    `A private VictoriaMetrics stopped (SIGTERM) for ${o.outageSec} s and started again on its folder, while the load generator kept an open loop of ${human(o.pointsPerSec)} points/s (metrics payload, restamped) into the gateway (embedded queue, one \`kind: prometheus\` backend). Sampled every second.`,
    '',
    '| | value |',
    '| --- | ---: |',
    `| RSS before / max during / end of the outage (MB) | ${mb(o.rss.beforeMB)} / ${mb(o.rss.maxOutageMB)} / ${mb(o.rss.endOutageMB)} (peak VmHWM ${mb(o.rss.hwmMB)}) |`,
    `| backlog at the start / end of the outage (points) | ${o.backlog.startItems.toLocaleString('en')} / ${o.backlog.peakItems.toLocaleString('en')} |`,
    `| backlog growth during the outage | ${human(o.backlog.growthPerSec)} points/s |`,
    `| back to the baseline backlog after the return | ${Number.isFinite(o.drainSec) ? `${o.drainSec.toFixed(1)} s` : 'not within the limit'} |`,
    `| net drain with the load still on | ${human(o.drainPerSec)} points/s = **${ratio(o.drainToGrowth)}×** the growth |`,
    `| points acknowledged / written by the end | ${o.acceptedPoints.toLocaleString('en')} / ${o.writtenPoints.toLocaleString('en')} |`,
    `| requests refused or failed | ${o.refusedRequests} |`,
    '',
    `Net drain = delivery rate − offered load, so 2× the growth needs the gateway to deliver 3× the offered load while it also ingests it.`,
    '',
    `Trend (baseline) ${trend('baseline')}`,
    '',
    `Trend (outage) ${trend('outage')}`,
    '',
    `Trend (recovery) ${trend('recovery')}`,
    '',
    ...stampLine(o),
  ];
}

export function renderReport(given: BenchReport): string {
  const report: BenchReport = { ...given, ...(given.delivery ? { delivery: given.delivery.map(normalizeDelivery) } : {}) };
  const m = report.machine;
  const p = report.payloads;
  const lines = [
    '# Manifold benchmark results',
    '',
    `${report.mode === 'quick' ? '**Quick run** (short runs: indicative only). ' : ''}Written by \`bench/run.ts\` on ${report.date}, in ${report.durationSec.toFixed(0)} s.`,
    '',
    `- Command: \`${report.command}\``,
    `- Commit: ${report.commit}${report.srcDirty ? ' (src/ had uncommitted changes)' : ''}${merged(report) ? '. Sections measured later by a `--merge` run name their own command, date and commit.' : ''}`,
    `- Machine: ${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGB} GB memory, ${m.platform}, kernel ${m.kernel}, Node ${m.node}; load average at start ${m.loadAverage.join(' / ')}.`,
    '  The machine is shared (load generator, servers and other work on the same cores): absolute figures are noisy; the ratio to the ceiling measured in the same run is the figure to compare.',
    `- Payloads (OpenTelemetry JS SDK, @opentelemetry/otlp-transformer protobuf serializers): traces ${p['traces-identity'].items.toLocaleString('en')} spans per request, 3 services, 14 resource attributes, 10-12 span attributes, events on some spans: ${kb(p['traces-identity'].bytes)} (${kb(p['traces-gzip'].bytes)} gzipped); ` +
      `metrics ${p['metrics-identity'].items.toLocaleString('en')} points per request (9 sums, 8 gauges, 8 histograms with 10 buckets, 4 attributes per point): ${kb(p['metrics-identity'].bytes)} (${kb(p['metrics-gzip'].bytes)} gzipped)` +
      // results.json files from before the logs payload have none.
      (p['logs-identity']
        ? `; logs ${p['logs-identity'].items.toLocaleString('en')} records per request, 3 services, string bodies of 80-200 characters and some kvlist bodies, 3-6 attributes, trace context on half: ${kb(p['logs-identity'].bytes)} (${kb(p['logs-gzip'].bytes)} gzipped).`
        : '.'),
    `- Load: a separate process (bench/load/generator.ts), node:http keep-alive agent, ${String(report.settings.connections)} connections; full load is a closed loop for ${String(report.settings.fullSec)} s, half load an open loop at half the rate the same server just reached, for ${String(report.settings.halfSec)} s (latency from each request's scheduled time). Server CPU from /proc/PID/stat (utime + stime), memory from /proc/PID/status. Node flags for both servers: \`${(report.settings.nodeFlags as string[]).join(' ') || '(none)'}\`${(report.settings.gatewayFlags as string[]).length ? `; the gateway also \`${(report.settings.gatewayFlags as string[]).join(' ')}\`` : ''}.`,
    '',
    ...targets(report),
    '## Ingest',
    '',
    ...report.ingest.flatMap(ingestTable),
  ];
  if (report.fixedRate.length) {
    lines.push(
      '## Cost at a fixed rate',
      '',
      '| signal | rate | gateway backend | gateway CPU (% of one core) | ceiling CPU | gateway ack p50 / p99 (ms) | p99 over every request of the runs, gateway / ceiling (ms) | gateway event-loop delay p99 / max, highest max (ms) | main-thread turns ≥ 10 ms: own work / active, of all (longest own, ms) | main-thread GC pauses ≥ 10 ms (longest, ms) | gateway RSS (MB) | queued at the end |',
      '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const f of report.fixedRate) {
      const backend =
        (f.backend ?? 'paused') === 'paused' ? 'paused' : `delivering into VictoriaMetrics${f.deliveryThread ? ' (delivery thread)' : ''}`;
      lines.push(
        `| ${f.signal} | ${human(f.itemsPerSec)}/s | ${backend} | ${f.gatewayCpuPercent?.toFixed(1) ?? 'n/a'} | ${f.ceilingCpuPercent.toFixed(1)} | ${ms(f.gatewayP50Ms)} / ${ms(f.gatewayP99Ms)} | ${ms(f.gatewayPooledP99Ms)} / ${ms(f.ceilingPooledP99Ms)} | ${ms(f.eventLoopP99Ms)} / ${ms(f.eventLoopMaxMs)}, ${ms(f.eventLoopHighestMs)} | ${turns(f)} | ${f.longTurns ? `${f.longTurns.gcOver10ms} (${ms(f.longTurns.gcMaxMs)})` : 'n/a'} | ${mb(f.gatewayRssMB)} | ${f.queuedAtEnd ?? ''} |`,
      );
    }
    const pooled = report.fixedRate[0]!.pooledRequests;
    lines.push(
      '',
      `Median of ${report.fixedRate[0]!.runs} runs, except the pooled p99 (every request of the runs together${pooled ? `: ${pooled} per server in the first row` : ''}) and the highest max. The event-loop delay is prom-client's (monitorEventLoopDelay, sampled every 10 ms) on the gateway's main thread, over each run: the time between two turns of its timer, so the longest task is the max less up to 10 ms. The turns are bench/probe/main-thread-turns.ts's (a 1 ms timer in the gateway): a turn's own work is the loop's active time less the time its thread waited for a CPU (/proc schedstat), which the delay cannot tell apart; summed over the runs, the longest of all.`,
      '',
      ...stampLine(report.fixedRate[0]!),
    );
  }
  if (report.delivery?.length) lines.push('## Delivery', '', ...report.delivery.flatMap(deliveryTable));
  if (report.outage?.length) lines.push(...report.outage.flatMap(outageSection));
  lines.push('## Micro benchmarks', '');
  for (const r of report.micro) {
    lines.push(
      `### ${r.name} (\`${r.file}\`): ${r.status}${r.status === 'ok' || r.status === 'failed' ? `, ${r.seconds.toFixed(0)} s` : ''}${r.note ? ` — ${r.note}` : ''}`,
      '',
    );
    if (r.output) lines.push(`\`${r.command}\``, '', '```', r.output, '```', '');
    lines.push(...stampLine(r));
  }
  if (report.notes) lines.push(report.notes.trimEnd(), '');
  if (report.pending.length) {
    lines.push('## Not measured yet', '', ...report.pending.map((s) => `- ${s.name}: ${s.reason}.`), '');
  }
  lines.push('Raw figures of every run: `bench/results.json`.', '');
  return lines.join('\n');
}

/** The probe's long main-thread turns of a fixed-rate case (bench/probe/main-thread-turns.ts). */
function turns(f: FixedRateResult): string {
  const t = f.longTurns;
  return t ? `${t.over10msOwn} / ${t.over10msActive} of ${human(t.turns)} (${ms(t.maxOwnMs)})` : 'n/a';
}

/** Whether any result came from a later `--merge` run. */
function merged(report: BenchReport): boolean {
  const all = [...report.ingest, ...report.fixedRate, ...report.micro, ...(report.delivery ?? []), ...(report.outage ?? [])];
  return all.some((r) => mergedBy(r) !== undefined);
}
