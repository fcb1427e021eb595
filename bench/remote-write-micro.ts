/**
 * Remote-write encoder micro-benchmark: model points → compressed WriteRequest bodies, per core.
 * 10,000 realistic points per batch (40% monotonic sums, 30% gauges, 30% histograms with 10 bounds; 4 point
 * attributes, one object per distinct set shared by its points as the OTLP and queue readers give them; 2
 * resources, 4 scopes). Each round gets freshly built model objects with the same series and later timestamps,
 * as decoded requests would be: the WeakMaps miss, the content cache hits.
 *
 * Each round translates once, then encodes the requests both ways, in alternating order: with the adapter's
 * writer (wire-writer.ts) and with protobufjs (the reference it replaced), each followed by snappy, and checks
 * the two give the same bytes. Same run, same batches: the ratio is the comparison to quote.
 * Then the adapter's whole write path as delivery drives it (write-path.ts): queue payloads of 10,000 points,
 * --jobs of them per write (default 8: delivery.batch.max_items 80,000), decoded, translated, cut and encoded,
 * with --ballast-mb of live objects on the heap (default 200) so GC works as in a gateway process.
 * Run: node --import tsx bench/remote-write-micro.ts [--rounds N] [--max-samples N] [--writer-only] [--path-only] [--jobs N] [--ballast-mb N]
 * Profile: node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/remote-write-micro.ts --writer-only,
 * then node --import tsx bench/profile-summary.ts bench/out/<file>.cpuprofile
 */
import pino from 'pino';
import { prometheusConfigSchema } from '../src/adapters/prometheus/config.js';
import { CumulativeState } from '../src/adapters/prometheus/delta.js';
import { compressBody, encodeWriteRequest, splitRequests, writeRequestBytes } from '../src/adapters/prometheus/encode.js';
import { labelMessages } from '../src/adapters/prometheus/labels.js';
import { remoteWriteMessages } from '../test/adapters/prometheus/reference-proto.js';
import { samplesOf } from '../src/adapters/prometheus/samples.js';
import { SeriesCatalog } from '../src/adapters/prometheus/series.js';
import { Translator } from '../src/adapters/prometheus/translate.js';
import snappy from 'snappy';
import type { MetricDescriptor, MetricPoint } from '../src/model/index.js';
import { type TimeSeriesOut, labelsOf } from '../src/adapters/prometheus/translate.js';
import { descriptor, histogramPoint, numberPoint, resource, scope } from '../test/adapters/prometheus/fixtures.js';
import { measureWritePath } from './remote-write-path.js';

const POINTS = 10_000;
const METRICS = 100;
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
void pino;

function batch(round: number): MetricPoint[] {
  const resources = [0, 1].map((i) =>
    resource({
      'service.name': `checkout-${i}`,
      'service.namespace': 'shop',
      'service.instance.id': `pod-${i}`,
      'host.name': `node-${i}`,
      'cloud.region': 'eu-west-1',
    }),
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
  // One object per distinct attribute set, shared by its points: what the OTLP and queue readers give.
  const sets = Array.from({ length: POINTS / METRICS }, (_, series) => ({
    'http.method': ['GET', 'POST', 'PUT'][series % 3]!,
    'http.route': `/api/v1/items/${series % 25}`,
    'http.status_code': BigInt(200 + (series % 5)),
    'net.peer.name': `peer-${series % 7}`,
  }));
  const points: MetricPoint[] = [];
  for (let i = 0; i < POINTS; i++) {
    const metric = metrics[i % METRICS]!;
    const series = Math.floor(i / METRICS);
    const common = {
      resource: resources[series % 2]!,
      scope: scopes[i % 4]!,
      metric,
      attributes: sets[series]!,
      time,
      start: time - 60_000_000_000n,
    };
    if (metric.type === 'histogram') {
      points.push(
        histogramPoint({ ...common, bounds: BOUNDS, counts: BOUNDS.map((_, b) => (i + b + round) % 13).concat([1]), sum: 12.5 + i + round }),
      );
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

/** Wall and process CPU time of one stage. CPU is the figure to trust on a shared machine (wall includes waiting for a core); it counts GC helper threads too. */
class Stage {
  wall = 0;
  cpu = 0;
  private w0 = 0;
  private c0 = process.cpuUsage();
  start(): void {
    this.c0 = process.cpuUsage();
    this.w0 = performance.now();
  }
  stop(timed: boolean): void {
    const wall = performance.now() - this.w0;
    const cpu = process.cpuUsage(this.c0);
    if (!timed) return;
    this.wall += wall;
    this.cpu += (cpu.user + cpu.system) / 1000;
  }
}

interface Path {
  encode: Stage;
  snappy: Stage;
  rawBytes: number;
  compressedBytes: number;
}
const writer: Path = { encode: new Stage(), snappy: new Stage(), rawBytes: 0, compressedBytes: 0 };
const reference: Path = { encode: new Stage(), snappy: new Stage(), rawBytes: 0, compressedBytes: 0 };
const translate = new Stage();
let samples = 0,
  requests = 0,
  mismatches = 0;

/** The adapter's path: each request written into the reused buffer and compressed at once. */
function viaWriter(parts: TimeSeriesOut[][], path: Path, timed: boolean): Buffer[] {
  const bodies: Buffer[] = [];
  for (const part of parts) {
    path.encode.start();
    const raw = writeRequestBytes(part);
    path.encode.stop(timed);
    path.snappy.start();
    const body = compressBody(raw);
    path.snappy.stop(timed);
    bodies.push(body);
    if (timed) path.rawBytes += raw.length;
  }
  if (timed) for (const body of bodies) path.compressedBytes += body.length;
  return bodies;
}

/**
 * What the adapter did before: protobufjs (encoding.proto's twin with pre-encoded labels), then snappy. The
 * old adapter kept each label set's encoded Label messages cached; so does this (outside the timing).
 */
const cachedMessages = new WeakMap<Uint8Array, Uint8Array[]>();
function cachedLabelMessages(block: Uint8Array): Uint8Array[] {
  let messages = cachedMessages.get(block);
  if (messages === undefined) cachedMessages.set(block, (messages = labelMessages(block)));
  return messages;
}

function viaProtobufjs(parts: TimeSeriesOut[][], path: Path, timed: boolean): Buffer[] {
  const bodies: Buffer[] = [];
  // The objects protobufjs takes (labels as cached Label messages, samples as objects), built before the timed
  // encode: the translator made such objects itself before its samples went into flat arrays (samples.ts).
  const objects = parts.map((part) =>
    part.map((series) => ({ ...series, labels: cachedLabelMessages(labelsOf(series)), samples: samplesOf(series) })),
  );
  for (const part of objects) {
    path.encode.start();
    const raw = messages.writeRequestEncodedLabels.encode({ timeseries: part }).finish();
    path.encode.stop(timed);
    path.snappy.start();
    bodies.push(compressBody(raw));
    path.snappy.stop(timed);
    if (timed) path.rawBytes += raw.byteLength;
  }
  if (timed) for (const body of bodies) path.compressedBytes += body.length;
  return bodies;
}

/** The per-stage phase (translate, writer vs protobufjs, snappy); skipped with --path-only. */
function stages(): void {
  // Batches are built one at a time, outside the timed stages: a heap full of pre-built batches would make
  // every GC dearer than in the gateway, where one batch is live at a time.
  for (let round = 0; round < ROUNDS + WARMUP; round++) {
    const timed = round >= WARMUP; // warm-up: JIT and the series cache
    const points = batch(round);
    translate.start();
    const translation = translator.translate(points);
    const parts = splitRequests(translation.series, limits);
    translate.stop(timed);
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
    for (const s of translation.series) samples += s.sampleCount;
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

  /**
   * snappy alone on one batch's request bytes, the adapter's call (compressBody) then the call it made before
   * (compressSync without copyOutputData: the output handed to V8 as external memory). Separate phases, that
   * order: once external buffers are outstanding the allocator's pages go cold for the other call too.
   */
  const rawRequests = splitRequests(translator.translate(batch(ROUNDS + WARMUP + 1)).series, limits).map((part) =>
    Buffer.from(writeRequestBytes(part)),
  );
  const rawTotal = rawRequests.reduce((a, b) => a + b.length, 0);
  function snappyPhase(compress: (raw: Uint8Array) => Buffer): { cpuMs: number; bodies: Buffer[] } {
    const stage = new Stage();
    const bodies: Buffer[] = [];
    for (let rep = 0; rep < 12; rep++) {
      for (let i = 0; i < rawRequests.length; i++) {
        stage.start();
        bodies[i] = compress(rawRequests[i]!);
        stage.stop(rep >= 2);
      }
    }
    return { cpuMs: stage.cpu / 10, bodies };
  }
  const snappyNow = snappyPhase(compressBody);
  const snappyBefore = snappyPhase((raw) => snappy.compressSync(raw));

  const perSec = (ms: number) =>
    Math.round((POINTS * ROUNDS) / (ms / 1000))
      .toLocaleString('en')
      .padStart(10);
  const ms = (value: number) => (value / ROUNDS).toFixed(2).padStart(7);
  const row = (label: string, wall: number, cpu: number, extra = '') =>
    console.log(`  ${label.padEnd(21)} ${ms(cpu)} ${perSec(cpu)}   ${ms(wall)} ${perSec(wall)}${extra}`);
  const stageRow = (label: string, stage: Stage, extra = '') => row(label, stage.wall, stage.cpu, extra);
  const sum = (...stages: Stage[]) => stages.reduce((a, b) => ({ wall: a.wall + b.wall, cpu: a.cpu + b.cpu }), { wall: 0, cpu: 0 });
  const ours = sum(translate, writer.encode, writer.snappy);
  console.log(
    `remote-write encode, ${POINTS.toLocaleString('en')} points/batch, ${ROUNDS} rounds, ${(samples / ROUNDS).toFixed(0)} samples/batch, ${(requests / ROUNDS).toFixed(1)} requests/batch, ${(writer.rawBytes / ROUNDS / 1e6).toFixed(2)} MB raw, ${(writer.compressedBytes / ROUNDS / 1e3).toFixed(0)} KB compressed`,
  );
  console.log(
    `  ${''.padEnd(21)} ${'CPU ms/batch'.padStart(12)} ${'points/s'.padStart(10)}  ${'wall ms/batch'.padStart(13)} ${'points/s'.padStart(10)}`,
  );
  stageRow('translate+split', translate);
  stageRow('encode (wire-writer)', writer.encode);
  stageRow('snappy', writer.snappy);
  row('total, per core', ours.wall, ours.cpu);
  console.log(`  adapter path          ${endToEndMs.toFixed(2)} ms/batch wall (encodeWriteRequest, one batch 5 times)`);
  const mbPerSec = (ms: number) => `${(rawTotal / 1e6 / (ms / 1000)).toFixed(0).padStart(5)} MB/s`;
  console.log(`snappy alone, one batch's ${rawRequests.length} requests (${(rawTotal / 1e6).toFixed(2)} MB), 10 times, CPU:`);
  console.log(`  compressBody          ${snappyNow.cpuMs.toFixed(2).padStart(7)} ms/batch ${mbPerSec(snappyNow.cpuMs)}`);
  console.log(
    `  compressSync, before  ${snappyBefore.cpuMs.toFixed(2).padStart(7)} ms/batch ${mbPerSec(snappyBefore.cpuMs)}   ${(snappyBefore.cpuMs / snappyNow.cpuMs).toFixed(1)}× the CPU; same bodies: ${snappyNow.bodies.every((body, i) => body.equals(snappyBefore.bodies[i]!)) ? 'yes' : 'NO'}`,
  );
  if (!WRITER_ONLY) {
    const theirs = sum(translate, reference.encode, reference.snappy);
    console.log('protobufjs, same run, same batches:');
    stageRow(
      'encode (protobufjs)',
      reference.encode,
      `   writer ${(reference.encode.cpu / writer.encode.cpu).toFixed(1)}× faster (CPU), ${(reference.encode.wall / writer.encode.wall).toFixed(1)}× (wall)`,
    );
    stageRow('snappy', reference.snappy);
    row(
      'total, per core',
      theirs.wall,
      theirs.cpu,
      `   writer path ${(theirs.cpu / ours.cpu).toFixed(2)}× faster (CPU), ${(theirs.wall / ours.wall).toFixed(2)}× (wall)`,
    );
    console.log(`  identical bodies      ${mismatches === 0 ? 'yes' : `NO: ${mismatches} requests differ`} (${requests} requests compared)`);
    if (mismatches > 0) process.exitCode = 1;
  }
}
if (!process.argv.includes('--path-only')) stages();

const jobsArg = process.argv.indexOf('--jobs');
const ballastArg = process.argv.indexOf('--ballast-mb');
const path = await measureWritePath({
  batch,
  jobs: jobsArg > 0 ? Number(process.argv[jobsArg + 1]) : 8,
  ballastMb: ballastArg > 0 ? Number(process.argv[ballastArg + 1]) : 200,
  config,
});
console.log(path);
