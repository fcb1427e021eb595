/** The delivery sections of RESULTS.md and their targets-table rows (report.ts puts them in place). */
import type { DeliveryResult, DeliveryWindow } from './scenarios/delivery.js';
import { kb, mb, pct, ratio, stampLine } from './report-format.js';
import { human } from './stats.js';

type Loose = Record<string, unknown>;
/** Renames a result's older field names (vmRows, vmRowsPerSec, vmPointsPerSec) to the target-neutral ones. */
function renamed(o: Loose): Loose {
  const names: Record<string, string> = { vmRows: 'storedRows', vmRowsPerSec: 'storedRowsPerSec', vmPointsPerSec: 'storedPointsPerSec' };
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [names[k] ?? k, v]));
}

/**
 * A delivery result as this version writes it: results.json files from before the Prometheus target measured
 * VictoriaMetrics only and named the fields after it (`vmRows`, …); they are renamed, the rest filled in.
 */
export function normalizeDelivery(d: DeliveryResult): DeliveryResult {
  if (d.target) return d;
  const old = d as unknown as Loose;
  return {
    ...(old as unknown as DeliveryResult),
    target: 'victoria',
    label: 'VictoriaMetrics',
    privateServer: false,
    counter: '`vm_rows_inserted_total{type="promremotewrite"}`',
    loopStamps: 'repeat',
    gateway: renamed(old.gateway as Loose) as unknown as DeliveryResult['gateway'],
    native: { stampCpuPercent: 0, cyclesPerSec: NaN, ...renamed(old.native as Loose) } as unknown as DeliveryResult['native'],
    crossCheck: renamed(old.crossCheck as Loose) as unknown as DeliveryResult['crossCheck'],
    ...(old.drain ? { drain: renamed(old.drain as Loose) as unknown as DeliveryResult['drain'] } : {}),
    windows: (old.windows as Loose[]).map((w) => renamed(w) as unknown as DeliveryWindow),
  };
}

function refusalsLine(d: DeliveryResult): string {
  if (!d.refusals) return '';
  const server = Object.entries(d.refusals.server)
    .map(([k, v]) => `${k} ${v.toLocaleString('en')}`)
    .join(', ');
  const g = d.refusals.gateway;
  return (
    `Refusals over the whole scenario: ${d.label}'s own counters ${server || '(none)'}; the gateway dead-lettered ${g.deadLettered.toLocaleString('en')} points, ` +
    `retried ${g.retries.toLocaleString('en')} writes, dropped ${g.dropped.toLocaleString('en')} points.`
  );
}

export function deliveryTable(d: DeliveryResult): string[] {
  const row = (label: string, gv: string, dv: string, nv: string) => `| ${label} | ${gv} | ${dv} | ${nv} |`;
  const by = (side: string) => d.windows.filter((w) => w.side === side);
  const per = d.ratioPerRun.map((x, i) => {
    const at = (side: string) => by(side).find((w) => w.run === i + 1)?.storedPointsPerSec ?? NaN;
    return `run ${i + 1}: ${human(at('gateway'))} / ${human(at('native'))} = ${x.toFixed(2)}${d.drain ? ` (draining ${human(at('drain'))}, ${d.drain.ratioPerRun[i]!.toFixed(2)})` : ''}`;
  });
  const k = d.crossCheck;
  const fresh = d.loopStamps === 'fresh';
  const cycle = fresh
    ? `every cycle with fresh timestamps (every timestamp varint shifted in place so that the cycle starts now and after the last cycle's latest sample, then snappy: restamping and compression took ${pct(d.native.stampCpuPercent)} of the loop's time)`
    : 'the same bodies each cycle';
  const lines = [
    `### Delivery: metrics into ${d.label} (remote write, \`${d.url}\`${d.privateServer ? ', a private instance: its own port and data folder' : ''})`,
    '',
    `Median of ${d.runs} runs; in each run, alternately: the gateway for ${d.windowSec} s under full OTLP load (${d.connections} connections${d.bodies.senders ? ', each its own sender (`service.instance.id`)' : ''}, each request's points restamped to a later millisecond, after ${d.leadSec} s of lead), then ${d.drain ? `the same gateway for ${d.windows.find((w) => w.side === 'drain')?.sec.toFixed(1) ?? '?'} s with the load stopped (delivery alone from the backlog), ` : ''}` +
      `and the native loop for ${d.windowSec} s: a separate process POSTing the adapter's own remote-write bodies for ${d.bodies.payloadRequests ? `one gateway write's worth of the same load (${d.bodies.payloadRequests} payload requests from ${d.bodies.senders} senders at consecutive milliseconds, under other series: another \`instance\`)` : 'the same payload'}: ${d.bodies.count} bodies, ${kb(d.bodies.bytes)} snappy, ${d.bodies.points.toLocaleString('en')} points = ${d.bodies.samples.toLocaleString('en')} samples, ${d.bodies.rowsPerPoint.toFixed(2)} per point, back-to-back over ${d.loopConnections} keep-alive connection${d.loopConnections === 1 ? '' : 's'}, ${cycle}. ` +
      `The gateway is frozen (SIGSTOP) while the loop runs. Both sides are measured by ${d.label}'s own ${d.counter} over the window (points/s = samples/s ÷ samples per point).`,
    '',
    '| | gateway, under full load | gateway, draining (no load) | native POST loop |',
    '| --- | ---: | ---: | ---: |',
    row(
      `**points/s into ${d.label}**`,
      `**${human(d.gateway.storedPointsPerSec)}**`,
      human(d.drain?.storedPointsPerSec ?? NaN),
      `**${human(d.native.storedPointsPerSec)}**`,
    ),
    row(`${d.label} samples stored/s`, human(d.gateway.storedRowsPerSec), human(d.drain?.storedRowsPerSec ?? NaN), human(d.native.storedRowsPerSec)),
    row('**/ native loop (median of per-run ratios)**', `**${ratio(d.ratio)}**`, ratio(d.drain?.ratio), '1'),
    row(
      "points/s by the gateway's own counter (`manifold_backend_written_items_total`)",
      human(d.gateway.pointsPerSec),
      human(d.drain?.pointsPerSec ?? NaN),
      '',
    ),
    row('OTLP points/s acknowledged (ingest during the window)', human(d.gateway.ingestPointsPerSec), '0', ''),
    row(
      'CPU of the sending process (% of one core)',
      pct(d.gateway.cpuPercent),
      pct(d.drain?.cpuPercent),
      `${pct(d.native.generatorCpuPercent)} (${d.native.requestsPerSec.toFixed(0)} requests/s${Number.isFinite(d.native.cyclesPerSec) ? `, ${d.native.cyclesPerSec.toFixed(1)} cycles/s` : ''})`,
    ),
    row(
      'windows where the queue ran empty',
      `${d.windowsQueueEmptied} of ${d.runs}`,
      d.drain ? `${d.drain.windowsQueueEmptied} of ${d.runs}` : '',
      '',
    ),
    row('gateway RSS max / peak VmHWM (MB)', `${mb(d.gateway.rssMB)} / ${mb(d.gateway.hwmMB)}`, '', ''),
    '',
    `Per run (gateway under load / native points/s): ${per.join('; ')}.`,
    '',
    `Queue depth (items) at the end of each loaded window, in order: ${d.queueTrend.map((q) => q.toLocaleString('en')).join(' → ')}` +
      `${
        d.drain
          ? `; each drain window went ${by('drain')
              .map((w) => `${w.queue!.start.toLocaleString('en')} → ${w.queue!.end.toLocaleString('en')}`)
              .join(', ')}`
          : ''
      }.`,
    '',
    `Cross-check over the loaded windows: the gateway counted ${k.gatewayWritten.toLocaleString('en')} points written, ${Math.round(k.expectedRows).toLocaleString('en')} samples at ${d.bodies.rowsPerPoint.toFixed(2)} per point; ${d.label} counted ${k.storedRows.toLocaleString('en')} (${ratio(k.ratio)}×; ` +
      `the gateway's counter moves once per written batch, so short windows are lumpy${d.privateServer ? '' : '; other writers to the same server would show here too'}).`,
    '',
  ];
  const refusals = refusalsLine(d);
  if (refusals) lines.push(refusals, '');
  lines.push(...stampLine(d));
  return lines;
}

/** One targets-table row per delivery target measured (VictoriaMetrics and Prometheus are separate targets). */
export function deliveryTargets(results: readonly DeliveryResult[]): [string, string, boolean | undefined][] {
  const rows: [string, string, boolean | undefined][] = [];
  for (const label of ['VictoriaMetrics', 'Prometheus']) {
    const d = results.find((r) => r.label === label);
    if (!d) {
      rows.push([`delivery ≥ 0.8 of the native POST loop (${label})`, 'not measured', undefined]);
      continue;
    }
    const refused = d.refusals ? Object.values(d.refusals.server).reduce((a, b) => a + b, 0) + d.refusals.gateway.deadLettered : 0;
    rows.push([
      `delivery ≥ 0.8 of the native POST loop (${label})`,
      `${ratio(d.ratio)} under full ingest load (${human(d.gateway.storedPointsPerSec)} / ${human(d.native.storedPointsPerSec)} points/s)${d.drain ? `; ${ratio(d.drain.ratio)} draining with no load (${human(d.drain.storedPointsPerSec)} points/s)` : ''}` +
        (refused ? `; **${refused.toLocaleString('en')} refused or dead-lettered**` : ''),
      d.ratio >= 0.8 && refused === 0,
    ]);
  }
  return rows;
}
