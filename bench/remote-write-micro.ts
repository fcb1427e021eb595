/**
 * Remote-write encoder micro-benchmark: model points → compressed WriteRequest bodies, per core.
 * 10,000 realistic points per batch (40% monotonic sums, 30% gauges, 30% histograms with 10 bounds; 4 point
 * attributes; 2 resources, 4 scopes). Each round gets freshly built model objects with the same series and
 * later timestamps, as decoded requests would be: the WeakMaps miss, the content cache hits.
 *
 * Each round translates once, then encodes the requests both ways, in alternating order: with the adapter's
 * writer (wire-writer.ts) and with protobufjs (the reference it replaced), each followed by snappy, and checks
 * the two give the same bytes. Same run, same batches: the ratio is the comparison to quote.
 * Run: node --import tsx bench/remote-write-micro.ts [--rounds N] [--max-samples N] [--writer-only]
 * Profile: node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/remote-write-micro.ts --writer-only,
 * then node --import tsx bench/profile-summary.ts bench/out/<file>.cpuprofile
 */
import pino from 'pino';
import { prometheusConfigSchema } from '../src/adapters/prometheus/config.js';
import { CumulativeState } from '../src/adapters/prometheus/delta.js';
import { encodeWriteRequest, splitRequests, writeRequestBytes } from '../src/adapters/prometheus/encode.js';
import { remoteWriteMessages } from '../src/adapters/prometheus/proto.js';
import { SeriesCatalog } from '../src/adapters/prometheus/series.js';
import { Translator } from '../src/adapters/prometheus/translate.js';
import snappy from 'snappy';
import type { MetricDescriptor, MetricPoint } from '../src/model/index.js';
import type { TimeSeriesOut } from '../src/adapters/prometheus/translate.js';
import { descriptor, histogramPoint, numberPoint, resource, scope } from '../test/adapters/prometheus/fixtures.js';

const POINTS = 10_000;
const METRICS = 100;
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
void pino;

function batch(round: number): MetricPoint[] {
  const resources = [0, 1].map((i) =>
    resource({ 'service.name': `checkout-${i}`, 'service.namespace': 'shop', 'service.instance.id': `pod-${i}`, 'host.name': `node-${i}`, 'cloud.region': 'eu-west-1' }),
  );
  const scopes = [0, 1, 2, 3].map((i) => scope(`io.manifold.bench.${i}`, '1.2.3'));
  const metrics: MetricDescriptor[] = [];
  for (let m = 0; m < METRICS; m++) {
    const kind = m % 10;
    if (kind < 4) metrics.push(descriptor(`app.requests.${m}`, 'sum', { monotonic: true, unit: '{request}' }));
    else if (kind < 7) metrics.push(descriptor(`app.memory.${m}`, 'gauge', { unit: 'By' }));
    else metrics.push(descriptor(`http.server.duration.${m}`, 'histogram', { unit: 's' }));
  }
  const time = BigInt(Date.now() + round * 10_000) * 1_000_000n;
  const points: MetricPoint[] = [];
  for (let i = 0; i < POINTS; i++) {
    const metric = metrics[i % METRICS]!;
    const series = Math.floor(i / METRICS);
    const common = {
      resource: resources[series % 2]!,
      scope: scopes[i % 4]!,
      metric,
      attributes: { 'http.method': ['GET', 'POST', 'PUT'][series % 3]!, 'http.route': `/api/v1/items/${series % 25}`, 'http.status_code': BigInt(200 + (series % 5)), 'net.peer.name': `peer-${series % 7}` },
      time,
      start: time - 60_000_000_000n,
    };
    if (metric.type === 'histogram') {
      points.push(histogramPoint({ ...common, bounds: BOUNDS, counts: BOUNDS.map((_, b) => (i + b + round) % 13).concat([1]), sum: 12.5 + i + round }));
    } else {
      points.push(numberPoint({ ...common, value: metric.type === 'sum' ? i * 10 + round : 1e6 + i }));
    }
  }
  return points;
}

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 40;
const WARMUP = 5;
const samplesArg = process.argv.indexOf('--max-samples');
const WRITER_ONLY = process.argv.includes('--writer-only');
const config = prometheusConfigSchema.parse({
  url: 'http://127.0.0.1:9/api/v1/write',
  ...(samplesArg > 0 ? { max_samples_per_request: Number(process.argv[samplesArg + 1]) } : {}),
});
const catalog = new SeriesCatalog(config.translation);
const translator = new Translator(config, catalog, new CumulativeState(100_000, 3_600_000), new Map());
const limits = { maxSamples: config.max_samples_per_request, maxBytes: config.max_bytes_per_request };
const messages = remoteWriteMessages();

interface Path {
  encodeMs: number;
  snappyMs: number;
  rawBytes: number;
  compressedBytes: number;
}
const writer: Path = { encodeMs: 0, snappyMs: 0, rawBytes: 0, compressedBytes: 0 };
const reference: Path = { encodeMs: 0, snappyMs: 0, rawBytes: 0, compressedBytes: 0 };
let translateMs = 0, writerCpuMs = 0, samples = 0, requests = 0, mismatches = 0;

/** The adapter's path: each request written into the reused buffer and compressed at once. */
function viaWriter(parts: TimeSeriesOut[][], path: Path, timed: boolean): Buffer[] {
  const cpu0 = process.cpuUsage();
  const bodies: Buffer[] = [];
  let encodeMs = 0, snappyMs = 0;
  for (const part of parts) {
    const t0 = performance.now();
    const raw = writeRequestBytes(part);
    const t1 = performance.now();
    bodies.push(snappy.compressSync(raw));
    const t2 = performance.now();
    encodeMs += t1 - t0;
    snappyMs += t2 - t1;
    if (timed) path.rawBytes += raw.length;
  }
  if (timed) {
    path.encodeMs += encodeMs;
    path.snappyMs += snappyMs;
    for (const body of bodies) path.compressedBytes += body.length;
    const cpu = process.cpuUsage(cpu0);
    writerCpuMs += (cpu.user + cpu.system) / 1000;
  }
  return bodies;
}

/** What the adapter did before: protobufjs (encoding.proto's twin with pre-encoded labels), then snappy. */
function viaProtobufjs(parts: TimeSeriesOut[][], path: Path, timed: boolean): Buffer[] {
  const bodies: Buffer[] = [];
  let encodeMs = 0, snappyMs = 0;
  for (const part of parts) {
    const t0 = performance.now();
    const raw = messages.writeRequestEncodedLabels.encode({ timeseries: part }).finish();
    const t1 = performance.now();
    bodies.push(snappy.compressSync(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)));
    const t2 = performance.now();
    encodeMs += t1 - t0;
    snappyMs += t2 - t1;
    if (timed) path.rawBytes += raw.byteLength;
  }
  if (timed) {
    path.encodeMs += encodeMs;
    path.snappyMs += snappyMs;
    for (const body of bodies) path.compressedBytes += body.length;
  }
  return bodies;
}

// Batches are built one at a time, outside the timed stages: a heap full of pre-built batches would make
// every GC dearer than in the gateway, where one batch is live at a time.
for (let round = 0; round < ROUNDS + WARMUP; round++) {
  const timed = round >= WARMUP; // warm-up: JIT and the series cache
  const points = batch(round);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const translation = translator.translate(points);
  const parts = splitRequests(translation.series, limits);
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  if (timed) writerCpuMs += (cpu.user + cpu.system) / 1000;
  let ours: Buffer[];
  let theirs: Buffer[] | undefined;
  if (WRITER_ONLY) ours = viaWriter(parts, writer, timed);
  else if (round % 2 === 0) {
    ours = viaWriter(parts, writer, timed);
    theirs = viaProtobufjs(parts, reference, timed);
  } else {
    theirs = viaProtobufjs(parts, reference, timed);
    ours = viaWriter(parts, writer, timed);
  }
  if (theirs !== undefined) for (let i = 0; i < ours.length; i++) if (!ours[i]!.equals(theirs[i]!)) mismatches++;
  if (!timed) continue;
  translateMs += t1 - t0;
  for (const s of translation.series) samples += s.samples.length;
  requests += parts.length;
}
// The adapter's own entry point, to check the stages add up.
const t = performance.now();
const again = batch(ROUNDS + WARMUP);
for (let round = 0; round < 5; round++) {
  const translation = translator.translate(again);
  for (const part of splitRequests(translation.series, limits)) encodeWriteRequest(part);
}
const endToEndMs = (performance.now() - t) / 5;

const perSec = (ms: number) => Math.round((POINTS * ROUNDS) / (ms / 1000)).toLocaleString('en').padStart(11);
const perBatch = (ms: number) => `${(ms / ROUNDS).toFixed(2).padStart(7)} ms/batch`;
const row = (label: string, ms: number, extra = '') => console.log(`  ${label.padEnd(22)}${perBatch(ms)} ${perSec(ms)} points/s${extra}`);
const ours = translateMs + writer.encodeMs + writer.snappyMs;
console.log(`remote-write encode, ${POINTS.toLocaleString('en')} points/batch, ${ROUNDS} rounds, ${(samples / ROUNDS).toFixed(0)} samples/batch, ${(requests / ROUNDS).toFixed(1)} requests/batch, ${(writer.rawBytes / ROUNDS / 1e6).toFixed(2)} MB raw, ${(writer.compressedBytes / ROUNDS / 1e3).toFixed(0)} KB compressed`);
row('translate+split', translateMs);
row('encode (wire-writer)', writer.encodeMs);
row('snappy', writer.snappyMs);
row('total, per core', ours);
console.log(`  process CPU            ${perBatch(writerCpuMs)} ${perSec(writerCpuMs)} points per CPU-second (translate + writer + snappy; includes GC helper threads)`);
console.log(`  adapter path           ${endToEndMs.toFixed(2).padStart(7)} ms/batch (encodeWriteRequest, one batch 5 times)`);
if (!WRITER_ONLY) {
  const theirs = translateMs + reference.encodeMs + reference.snappyMs;
  console.log('protobufjs, same run, same batches:');
  row('encode (protobufjs)', reference.encodeMs, `   writer is ${(reference.encodeMs / writer.encodeMs).toFixed(1)}× faster`);
  row('snappy', reference.snappyMs);
  row('total, per core', theirs, `   writer path is ${(theirs / ours).toFixed(2)}× faster`);
  console.log(`  identical bodies       ${mismatches === 0 ? 'yes' : `NO: ${mismatches} requests differ`} (${requests} requests compared)`);
  if (mismatches > 0) process.exitCode = 1;
}
