/**
 * InfluxDB adapter micro-benchmark: is line-protocol encoding with @influxdata/influxdb-client's Point the
 * bottleneck of the InfluxDB path, and what does the hand-written writer (line-writer.ts) give instead?
 * Measures, per core, on the same batches, the two encoders in alternating order, and checks that they give
 * the same lines:
 *   translate  model points → line protocol strings (the adapter's Translator with Point / with LineWriter)
 *   gzip       the request bodies (what the client's transport does above 1 KB)
 *   server     InfluxDB 1.6 over /write (a fresh database, dropped at the end) and VictoriaMetrics over
 *              /api/v2/write, wall time: the HTTP requests alone (the client's transport, gzip, the server's
 *              answer), then the adapter's whole write() per batch
 * 10,000 points per batch (40% monotonic sums, 30% gauges, 30% histograms with 10 bounds; 4 point
 * attributes; 2 resources with 5 attributes, 4 scopes), later timestamps each round, as decoded requests would be.
 * Run: node --import tsx bench/micro/influx-encode.ts [--rounds N] [--no-server] [--writer-only]
 *   (server URLs from MANIFOLD_TEST_INFLUXDB1_URL / MANIFOLD_TEST_VICTORIA_URL, e.g. `set -a; . .backends/env`)
 * Profile: node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/micro/influx-encode.ts --no-server --writer-only,
 * then node --import tsx bench/profile-summary.ts bench/out/<file>.cpuprofile
 */
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { influxAdapter } from '../../src/adapters/influxdb/index.js';
import { influxConfigSchema } from '../../src/adapters/influxdb/config.js';
import { InfluxClient } from '../../src/adapters/influxdb/http.js';
import { PointLineBuilder } from '../../src/adapters/influxdb/point-encoder.js';
import { Translator } from '../../src/adapters/influxdb/schema.js';
import type { MetricDescriptor, MetricPoint } from '../../src/model/index.js';
import { descriptor, histogramPoint, numberPoint, resource, scope } from '../../test/adapters/prometheus/fixtures.js';

const POINTS = 10_000;
const METRICS = 100;
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

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
      points.push(numberPoint({ ...common, value: metric.type === 'sum' ? BigInt(i * 10 + round) : 1e6 + i + 0.5 }));
    }
  }
  return points;
}

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 30;
const WARMUP = 5;
const WRITER_ONLY = process.argv.includes('--writer-only');
const config = influxConfigSchema.parse({ url: 'http://127.0.0.1:9', database: 'bench' });
const writerTranslator = new Translator(config);
const pointTranslator = new Translator(config, () => new PointLineBuilder());

let translateCpu = 0, pointCpu = 0, gzipCpu = 0, lines = 0, bytes = 0, gzBytes = 0, mismatches = 0;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
for (let round = 0; round < ROUNDS + WARMUP; round++) {
  const points = batch(round);
  const timed = round >= WARMUP;
  const viaWriter = () => {
    const c0 = process.cpuUsage();
    const result = writerTranslator.translate(points, []);
    if (timed) translateCpu += cpuMs(c0);
    return result;
  };
  const viaPoint = () => {
    const c0 = process.cpuUsage();
    const result = pointTranslator.translate(points, []);
    if (timed) pointCpu += cpuMs(c0);
    return result;
  };
  let translation, reference;
  if (WRITER_ONLY) {
    translation = viaWriter();
    reference = translation;
  } else if (round % 2 === 0) {
    translation = viaWriter();
    reference = viaPoint();
  } else {
    reference = viaPoint();
    translation = viaWriter();
  }
  for (let i = 0; i < translation.lines.length; i++) if (translation.lines[i] !== reference.lines[i]) mismatches++;
  if (translation.lines.length !== reference.lines.length) mismatches++;
  const c0 = process.cpuUsage();
  let compressed = 0;
  for (let from = 0; from < translation.lines.length; from += config.max_lines_per_request) {
    compressed += gzipSync(translation.lines.slice(from, from + config.max_lines_per_request).join('\n')).length;
  }
  if (timed) {
    gzipCpu += cpuMs(c0);
    lines += translation.lines.length;
    bytes += translation.lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
    gzBytes += compressed;
  }
}
const perSec = (ms: number) => Math.round((POINTS * ROUNDS) / (ms / 1000)).toLocaleString('en').padStart(10);
const perBatch = (ms: number) => (ms / ROUNDS).toFixed(2).padStart(8);
console.log(`InfluxDB line protocol, ${POINTS.toLocaleString('en')} points/batch (${(lines / ROUNDS).toFixed(0)} lines, ${(bytes / ROUNDS / 1e6).toFixed(2)} MB, ${(gzBytes / ROUNDS / 1e3).toFixed(0)} KB gzipped), ${ROUNDS} rounds`);
console.log(`  ${''.padEnd(34)} ${'ms/batch'.padStart(8)} ${'points/s'.padStart(10)}`);
console.log(`  ${'translate + Point (CPU)'.padEnd(34)} ${perBatch(pointCpu)} ${perSec(pointCpu)}`);
console.log(`  ${'translate + LineWriter (CPU)'.padEnd(34)} ${perBatch(translateCpu)} ${perSec(translateCpu)}   ${(pointCpu / translateCpu).toFixed(1)}x`);
console.log(`  lines differing between the two: ${mismatches}`);
console.log(`  ${'gzip (CPU)'.padEnd(34)} ${perBatch(gzipCpu)} ${perSec(gzipCpu)}`);

if (!process.argv.includes('--no-server')) {
  const logger = pino({ level: 'silent' });
  const targets: [string, string | undefined, Record<string, unknown>][] = [
    ['InfluxDB 1.6 /write', process.env.MANIFOLD_TEST_INFLUXDB1_URL, { database: `bench_${process.pid}`, create_database: true }],
    ['VictoriaMetrics /api/v2/write', process.env.MANIFOLD_TEST_VICTORIA_URL, { bucket: 'bench' }],
  ];
  const serverRounds = Math.min(ROUNDS, 10);
  for (const [label, url, options] of targets) {
    if (!url) {
      console.log(`  ${label.padEnd(34)} (no URL in the environment)`);
      continue;
    }
    const parsed = influxAdapter.configSchema.parse({ url, ...options });
    const adapter = influxAdapter.create(parsed, { name: 'bench', logger, dataDir: '/tmp' });
    await adapter.start();
    await adapter.write({ id: 'warm', attempt: 1, metrics: batch(1_000), spans: [] });
    // The HTTP part alone (the client's transport: gzip, POST, the server's answer), then the whole write().
    const client = new InfluxClient(parsed);
    let httpWall = 0, writeWall = 0;
    for (let round = 0; round < serverRounds; round++) {
      const { lines } = writerTranslator.translate(batch(2_000 + round), []);
      let t0 = performance.now();
      for (let from = 0; from < lines.length; from += parsed.max_lines_per_request) await client.write(lines.slice(from, from + parsed.max_lines_per_request));
      httpWall += performance.now() - t0;
      const points = batch(3_000 + round);
      t0 = performance.now();
      await adapter.write({ id: `bench-${round}`, attempt: 1, metrics: points, spans: [] });
      writeWall += performance.now() - t0;
    }
    const rate = (wall: number) => Math.round((POINTS * serverRounds) / (wall / 1000)).toLocaleString('en').padStart(10);
    console.log(`  ${`${label}: HTTP only (wall)`.padEnd(34)} ${(httpWall / serverRounds).toFixed(2).padStart(8)} ${rate(httpWall)}`);
    console.log(`  ${`${label}: adapter.write (wall)`.padEnd(34)} ${(writeWall / serverRounds).toFixed(2).padStart(8)} ${rate(writeWall)}`);
    client.close();
    await adapter.close();
    if (options.database) await fetch(new URL(`/query?q=${encodeURIComponent(`DROP DATABASE "${options.database}"`)}`, url), { method: 'POST' });
  }
}
