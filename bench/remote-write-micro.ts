/**
 * Remote-write encoder micro-benchmark: model points → compressed WriteRequest bodies, per core.
 * 10,000 realistic points per batch (40% monotonic sums, 30% gauges, 30% histograms with 10 bounds; 4 point
 * attributes; 2 resources, 4 scopes). Each round gets freshly built model objects with the same series and
 * later timestamps, as decoded requests would be: the WeakMaps miss, the content cache hits.
 * Run: node --import tsx bench/remote-write-micro.ts [--rounds N]
 */
import pino from 'pino';
import { prometheusConfigSchema } from '../src/adapters/prometheus/config.js';
import { CumulativeState } from '../src/adapters/prometheus/delta.js';
import { encodeWriteRequest, splitRequests } from '../src/adapters/prometheus/encode.js';
import { remoteWriteMessages } from '../src/adapters/prometheus/proto.js';
import { SeriesCatalog } from '../src/adapters/prometheus/series.js';
import { Translator } from '../src/adapters/prometheus/translate.js';
import snappy from 'snappy';
import type { MetricDescriptor, MetricPoint } from '../src/model/index.js';
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
const samplesArg = process.argv.indexOf('--max-samples');
const config = prometheusConfigSchema.parse({
  url: 'http://127.0.0.1:9/api/v1/write',
  ...(samplesArg > 0 ? { max_samples_per_request: Number(process.argv[samplesArg + 1]) } : {}),
});
const catalog = new SeriesCatalog(config.translation);
const translator = new Translator(config, catalog, new CumulativeState(100_000, 3_600_000), new Map());
const limits = { maxSamples: config.max_samples_per_request, maxBytes: config.max_bytes_per_request };
const messages = remoteWriteMessages();

// Batches are built one at a time, outside the timed stages: a heap full of pre-built batches would make
// every GC dearer than in the gateway, where one batch is live at a time.
let cpuMs = 0, translateMs = 0, encodeMs = 0, snappyMs = 0, samples = 0, rawBytes = 0, compressedBytes = 0, requests = 0;
for (let round = 0; round < ROUNDS + 5; round++) {
  const points = batch(round);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const translation = translator.translate(points);
  const parts = splitRequests(translation.series, limits);
  const t1 = performance.now();
  const raws = parts.map((timeseries) => messages.writeRequestEncodedLabels.encode({ timeseries }).finish());
  const t2 = performance.now();
  const bodies = raws.map((raw) => snappy.compressSync(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength)));
  const t3 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  if (round < 5) continue; // warm-up: JIT and the series cache
  cpuMs += (cpu.user + cpu.system) / 1000;
  translateMs += t1 - t0;
  encodeMs += t2 - t1;
  snappyMs += t3 - t2;
  for (const s of translation.series) samples += s.samples.length;
  for (const raw of raws) rawBytes += raw.byteLength;
  for (const body of bodies) compressedBytes += body.length;
  requests += parts.length;
}
// The adapter's own entry point, to check the stages add up.
const t = performance.now();
const again = batch(ROUNDS + 5);
for (let round = 0; round < 5; round++) {
  const translation = translator.translate(again);
  for (const part of splitRequests(translation.series, limits)) encodeWriteRequest(part);
}
const endToEndMs = (performance.now() - t) / 5;

const total = translateMs + encodeMs + snappyMs;
const perSec = (ms: number) => Math.round((POINTS * ROUNDS) / (ms / 1000)).toLocaleString('en');
console.log(`remote-write encode, ${POINTS.toLocaleString('en')} points/batch, ${ROUNDS} rounds, ${(samples / ROUNDS).toFixed(0)} samples/batch, ${(requests / ROUNDS).toFixed(1)} requests/batch`);
console.log(`  translate+split ${(translateMs / ROUNDS).toFixed(2)} ms/batch  ${perSec(translateMs)} points/s`);
console.log(`  protobufjs      ${(encodeMs / ROUNDS).toFixed(2)} ms/batch  ${perSec(encodeMs)} points/s  (${(rawBytes / ROUNDS / 1e6).toFixed(2)} MB raw)`);
console.log(`  snappy          ${(snappyMs / ROUNDS).toFixed(2)} ms/batch  ${perSec(snappyMs)} points/s  (${(compressedBytes / ROUNDS / 1e3).toFixed(0)} KB compressed)`);
console.log(`  total           ${(total / ROUNDS).toFixed(2)} ms/batch  ${perSec(total)} points/s per core`);
console.log(`  process CPU     ${(cpuMs / ROUNDS).toFixed(2)} ms/batch  ${perSec(cpuMs)} points per CPU-second (includes GC helper threads)`);
console.log(`  adapter path    ${endToEndMs.toFixed(2)} ms/batch (translate+split+encode+snappy, one batch 5 times)`);
