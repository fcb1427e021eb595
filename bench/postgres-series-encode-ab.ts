/**
 * The series layout's encoder (issue 14) against an older tree's, in one process, rounds alternating: CPU ms per
 * 5,000-point and 1,000-span batch (mode copy, series known), median of six rounds.
 * Run: node --import tsx bench/postgres-series-encode-ab.ts --before DIR   (DIR: e.g. `git archive <commit>` unpacked)
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { MetricPoint, Span, TelemetryBatch } from '../src/model/index.js';
import { realisticBatch } from '../test/queue/fixtures.js';

const { values } = parseArgs({ options: { before: { type: 'string' } } });
if (!values.before) throw new Error('--before DIR: the older tree to compare with');

interface Tree {
  encodeSeriesBatch: (batch: TelemetryBatch, options: unknown) => { newIds: readonly (readonly [{ add(id: string): void }, string])[] };
  KnownRows: new (capacity: number) => unknown;
}

async function load(root: string): Promise<Tree> {
  const encode = await import(path.join(root, 'src/adapters/postgres/series-encode.ts'));
  const known = await import(path.join(root, 'src/adapters/postgres/known-rows.ts'));
  return { encodeSeriesBatch: encode.encodeSeriesBatch, KnownRows: known.KnownRows };
}

const trees: Record<'before' | 'after', Tree> = {
  before: await load(path.resolve(values.before)),
  after: await load(path.join(import.meta.dirname, '..')),
};

function shifted(batch: TelemetryBatch, minutes: number): TelemetryBatch {
  const by = BigInt(minutes) * 60_000_000_000n;
  return {
    ...batch,
    metrics: batch.metrics.map((p) => ({ ...p, timeUnixNano: p.timeUnixNano + by }) as MetricPoint),
    spans: batch.spans.map((s): Span => ({ ...s, startTimeUnixNano: s.startTimeUnixNano + by, endTimeUnixNano: s.endTimeUnixNano + by })),
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;

for (const [label, make] of [
  ['5,000 points', () => realisticBatch(5000, 0)],
  ['1,000 spans', () => realisticBatch(0, 1000)],
] as const) {
  const batches = Array.from({ length: 20 }, (_, i) => shifted(make(), i));
  const cpu = { before: [] as number[], after: [] as number[] };
  const options = {} as Record<'before' | 'after', unknown>;
  for (const name of ['before', 'after'] as const) {
    const { KnownRows, encodeSeriesBatch } = trees[name];
    const known = { series: new KnownRows(1e6), resources: new KnownRows(1e6), scopes: new KnownRows(1e6), bounds: new KnownRows(1e6) };
    options[name] = { mode: 'copy', known, metrics: true, traces: true, partitionUs: 0 };
    for (const [set, id] of encodeSeriesBatch(batches[0] as TelemetryBatch, options[name]).newIds) set.add(id);
  }
  for (let round = 0; round < 6; round++) {
    for (const name of round % 2 ? (['after', 'before'] as const) : (['before', 'after'] as const)) {
      const c0 = process.cpuUsage();
      for (const b of batches) trees[name].encodeSeriesBatch(b, options[name]);
      const c = process.cpuUsage(c0);
      cpu[name].push((c.user + c.system) / 1000 / batches.length);
    }
  }
  console.log(`encode ${label.padEnd(13)} before ${median(cpu.before).toFixed(1)}  after ${median(cpu.after).toFixed(1)} CPU ms per batch`);
}
