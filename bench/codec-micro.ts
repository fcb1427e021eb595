/**
 * Queue codec micro-benchmark: payload bytes per point / span and encode/decode rates on a realistic batch.
 * Run: node --import tsx bench/codec-micro.ts
 */
import { decodeBatch, encodeBatch } from '../src/queue/codec.js';
import type { TelemetryBatch } from '../src/model/index.js';
import { realisticBatch } from '../test/queue/fixtures.js';

function rate(batch: TelemetryBatch, label: string): void {
  const items = batch.metrics.length + batch.spans.length;
  const bytes = encodeBatch(batch);
  for (let i = 0; i < 20; i++) decodeBatch(encodeBatch(batch)); // warm up the JIT
  const rounds = Math.max(20, Math.ceil(400_000 / items));
  // CPU time, not wall time: on a shared machine wall time also counts waiting for a core.
  const cpuMs = (since: NodeJS.CpuUsage) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
  let t = process.cpuUsage();
  for (let i = 0; i < rounds; i++) encodeBatch(batch);
  const encodeMs = cpuMs(t) / rounds;
  t = process.cpuUsage();
  for (let i = 0; i < rounds; i++) decodeBatch(bytes);
  const decodeMs = cpuMs(t) / rounds;
  const perSec = (ms: number) => Math.round((items / ms) * 1000).toLocaleString('en');
  console.log(
    `${label.padEnd(28)} ${String(bytes.length).padStart(9)} B  ${(bytes.length / items).toFixed(1).padStart(6)} B/item  ` +
      `encode ${encodeMs.toFixed(2)} ms (${perSec(encodeMs)} items/s, ${(bytes.length / 1e3 / encodeMs).toFixed(0)} MB/s)  ` +
      `decode ${decodeMs.toFixed(2)} ms (${perSec(decodeMs)} items/s)`,
  );
}

rate(realisticBatch(1000, 0), '1,000 points');
rate(realisticBatch(10_000, 0), '10,000 points');
rate(realisticBatch(0, 1000), '1,000 spans');
rate(realisticBatch(0, 5000), '5,000 spans');
rate(realisticBatch(5000, 1000), '5,000 points + 1,000 spans');
