/**
 * InfluxDB adapter micro-benchmark: is line-protocol encoding with @influxdata/influxdb-client's Point the
 * bottleneck of the InfluxDB path, and what does the hand-written writer (line-writer.ts) give instead?
 * Batches are real OpenTelemetry JS SDK output (bench/payloads.ts: 10,000 metric points — counters, gauges,
 * 10-bucket histograms, 14 resource attributes, 4 point attributes — and 1,000 spans with events), decoded
 * by the gateway's own decoder afresh for every round, as each request would be (decoding is not timed).
 * Per core, on the same batches, the two encoders in alternating order, checking they give the same lines:
 *   translate  model → line protocol strings (the adapter's Translator with Point / with LineWriter)
 *   gzip       the request bodies (what the client's transport does above 1 KB)
 *   server     InfluxDB 1.6 over /write (a fresh database, dropped at the end) and VictoriaMetrics over
 *              /api/v2/write, wall time: the HTTP requests alone (the client's transport, gzip, the server's
 *              answer), then the adapter's whole write() per batch
 * Run: node --import tsx bench/micro/influx-encode.ts [--rounds N] [--no-server] [--writer-only]
 *   (server URLs from MANIFOLD_TEST_INFLUXDB1_URL / MANIFOLD_TEST_VICTORIA_URL, e.g. `set -a; . .backends/env`)
 * Profile: node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/micro/influx-encode.ts --no-server --writer-only,
 * then node --import tsx bench/profile-summary.ts bench/out/<file>.cpuprofile
 */
import { gzipSync } from 'node:zlib';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import pino from 'pino';
import { influxConfigSchema } from '../../src/adapters/influxdb/config.js';
import { InfluxClient } from '../../src/adapters/influxdb/http.js';
import { influxAdapter } from '../../src/adapters/influxdb/index.js';
import { PointLineBuilder } from '../../test/adapters/influxdb/point-encoder-reference.js';
import { writeDecoded } from '../../test/support/write.js';
import { Translator } from '../../src/adapters/influxdb/schema.js';
import type { TelemetryBatch } from '../../src/model/index.js';
import { decodeMetrics, decodeTraces } from '../../src/otlp/index.js';
import { buildMetrics, buildSpans } from '../payloads.js';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 30;
const WARMUP = 5;
const WRITER_ONLY = process.argv.includes('--writer-only');
const config = influxConfigSchema.parse({ url: 'http://127.0.0.1:9', database: 'bench' });
const writerTranslator = new Translator(config);
const pointTranslator = new Translator(config, () => new PointLineBuilder());

const bodies = {
  metrics: Buffer.from(ProtobufMetricsSerializer.serializeRequest(await buildMetrics())!),
  spans: Buffer.from(ProtobufTraceSerializer.serializeRequest(buildSpans())!),
};
/** A request's batch, decoded afresh: new model objects, as the gateway has for every request. */
const decode = (signal: keyof typeof bodies): TelemetryBatch =>
  (signal === 'metrics' ? decodeMetrics(bodies.metrics, 'protobuf') : decodeTraces(bodies.spans, 'protobuf')).batch;

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const logger = pino({ level: 'silent' });
const targets: [string, string | undefined, Record<string, unknown>][] = [
  ['InfluxDB 1.6 /write', process.env.MANIFOLD_TEST_INFLUXDB1_URL, { database: `bench_${process.pid}`, create_database: true }],
  ['VictoriaMetrics /api/v2/write', process.env.MANIFOLD_TEST_VICTORIA_URL, { bucket: 'bench' }],
];

for (const signal of ['metrics', 'spans'] as const) {
  let writerCpu = 0,
    pointCpu = 0,
    gzipCpu = 0,
    lines = 0,
    bytes = 0,
    gzBytes = 0,
    mismatches = 0,
    items = 0;
  for (let round = 0; round < ROUNDS + WARMUP; round++) {
    const { metrics, spans } = decode(signal);
    const timed = round >= WARMUP;
    const via = (translator: Translator, pointPath: boolean) => {
      const c0 = process.cpuUsage();
      const result = translator.translate(metrics, spans);
      if (timed) pointPath ? (pointCpu += cpuMs(c0)) : (writerCpu += cpuMs(c0));
      return result;
    };
    let translation, reference;
    if (WRITER_ONLY) reference = translation = via(writerTranslator, false);
    else if (round % 2 === 0) [translation, reference] = [via(writerTranslator, false), via(pointTranslator, true)];
    else [reference, translation] = [via(pointTranslator, true), via(writerTranslator, false)];
    if (translation.lines.length !== reference.lines.length) mismatches++;
    for (let i = 0; i < translation.lines.length; i++) if (translation.lines[i] !== reference.lines[i]) mismatches++;
    const c0 = process.cpuUsage();
    let compressed = 0;
    for (let from = 0; from < translation.lines.length; from += config.max_lines_per_request) {
      compressed += gzipSync(translation.lines.slice(from, from + config.max_lines_per_request).join('\n')).length;
    }
    if (!timed) continue;
    gzipCpu += cpuMs(c0);
    items += translation.written;
    lines += translation.lines.length;
    bytes += translation.lines.reduce((n, line) => n + Buffer.byteLength(line) + 1, 0);
    gzBytes += compressed;
  }
  const unit = signal === 'metrics' ? 'points' : 'spans';
  const perItem = items / ROUNDS;
  const perSec = (ms: number) =>
    Math.round(items / (ms / 1000))
      .toLocaleString('en')
      .padStart(10);
  const perBatch = (ms: number) => (ms / ROUNDS).toFixed(2).padStart(8);
  console.log(
    `\n${signal}: ${perItem.toLocaleString('en')} ${unit}/batch (${(lines / ROUNDS).toFixed(0)} lines, ${(bytes / ROUNDS / 1e6).toFixed(2)} MB, ${(gzBytes / ROUNDS / 1e3).toFixed(0)} KB gzipped), ${ROUNDS} rounds`,
  );
  console.log(`  ${''.padEnd(46)} ${'ms/batch'.padStart(8)} ${`${unit}/s`.padStart(10)}`);
  if (!WRITER_ONLY) console.log(`  ${'translate + Point (CPU)'.padEnd(46)} ${perBatch(pointCpu)} ${perSec(pointCpu)}`);
  console.log(
    `  ${'translate + LineWriter (CPU)'.padEnd(46)} ${perBatch(writerCpu)} ${perSec(writerCpu)}${WRITER_ONLY ? '' : `   ${(pointCpu / writerCpu).toFixed(1)}x`}`,
  );
  if (!WRITER_ONLY) console.log(`  lines differing between the two: ${mismatches}`);
  console.log(`  ${'gzip (CPU)'.padEnd(46)} ${perBatch(gzipCpu)} ${perSec(gzipCpu)}`);

  if (process.argv.includes('--no-server')) continue;
  const serverRounds = Math.min(ROUNDS, 10);
  for (const [label, url, options] of targets) {
    if (!url) {
      console.log(`  ${label.padEnd(46)} (no URL in the environment)`);
      continue;
    }
    const parsed = influxAdapter.configSchema.parse({ url, ...options });
    const adapter = influxAdapter.create(parsed, { name: 'bench', logger, dataDir: '/tmp' });
    await adapter.start();
    await writeDecoded(adapter, { id: 'warm', attempt: 1, ...decode(signal) });
    // The HTTP part alone (the client's transport: gzip, POST, the server's answer), then the whole write().
    const client = new InfluxClient(parsed);
    let httpWall = 0,
      writeWall = 0;
    for (let round = 0; round < serverRounds; round++) {
      const batch = decode(signal);
      const { lines: body } = writerTranslator.translate(batch.metrics, batch.spans);
      let t0 = performance.now();
      for (let from = 0; from < body.length; from += parsed.max_lines_per_request)
        await client.write(body.slice(from, from + parsed.max_lines_per_request));
      httpWall += performance.now() - t0;
      const again = decode(signal);
      t0 = performance.now();
      await writeDecoded(adapter, { id: `bench-${round}`, attempt: 1, ...again });
      writeWall += performance.now() - t0;
    }
    const rate = (wall: number) =>
      Math.round((perItem * serverRounds) / (wall / 1000))
        .toLocaleString('en')
        .padStart(10);
    console.log(`  ${`${label}: HTTP only (wall)`.padEnd(46)} ${(httpWall / serverRounds).toFixed(2).padStart(8)} ${rate(httpWall)}`);
    console.log(`  ${`${label}: adapter.write (wall)`.padEnd(46)} ${(writeWall / serverRounds).toFixed(2).padStart(8)} ${rate(writeWall)}`);
    client.close();
    await adapter.close();
    if (options.database) await fetch(new URL(`/query?q=${encodeURIComponent(`DROP DATABASE "${options.database}"`)}`, url), { method: 'POST' });
  }
}
