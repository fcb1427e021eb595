/**
 * Remote-write series catalog memory: bytes of heap (and of ArrayBuffers outside it) the adapter keeps per series
 * once it has seen them, after a full GC.
 *
 * Load: the OpenTelemetry JS SDK's metrics request (bench/payloads.ts: 10,000 points, 400 attribute sets, 9 sums,
 * 8 gauges, 8 histograms with 10 bounds) from `--senders` senders (one `service.instance.id` each, as the
 * delivery scenario's connections), each request taken as the gateway takes it: OTLP decode, queue payload
 * (format v3), queue decode. Every sender's request is translated `--rounds` times (fresh objects, later
 * timestamps), as consecutive writes would be; then the points are dropped, GC runs, and what is left is the
 * catalog, the translator's reused arrays and the delta state.
 * Run: node --expose-gc --import tsx bench/micro/remote-write-catalog.ts [--senders N] [--rounds N]
 */
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { prometheusConfigSchema } from '../../src/adapters/prometheus/config.js';
import { CumulativeState } from '../../src/adapters/prometheus/delta.js';
import { SeriesCatalog } from '../../src/adapters/prometheus/series.js';
import { Translator } from '../../src/adapters/prometheus/translate.js';
import type { MetricPoint } from '../../src/model/index.js';
import { decodeMetrics } from '../../src/otlp/index.js';
import { decodeBatch, encodeBatch } from '../../src/queue/codec.js';
import { buildMetrics } from '../payloads.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');
const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SENDERS = arg('--senders', 4);
const ROUNDS = arg('--rounds', 3);

const body = Buffer.from(ProtobufMetricsSerializer.serializeRequest(await buildMetrics())!);

/** One sender's request as delivery decodes it from the queue: its resources carry the sender's instance id. */
function request(sender: number, round: number): readonly MetricPoint[] {
  const decoded = decodeMetrics(body, 'protobuf').batch;
  const shift = BigInt(round) * 10_000_000_000n;
  const resources = new Set(decoded.metrics.map((point) => point.resource));
  for (const resource of resources) resource.attributes['service.instance.id'] = `bench-sender-${sender}`;
  const metrics = decoded.metrics.map((point) => ({
    ...point,
    timeUnixNano: point.timeUnixNano + shift,
    startTimeUnixNano: point.startTimeUnixNano,
  }));
  return decodeBatch(encodeBatch({ metrics, spans: [], logs: [] })).metrics;
}

function settle(): NodeJS.MemoryUsage {
  for (let i = 0; i < 4; i++) gc!();
  return process.memoryUsage();
}

const config = prometheusConfigSchema.parse({ url: 'http://127.0.0.1:9/api/v1/write' });
const before = settle();
const catalog = new SeriesCatalog(config.translation);
const translator = new Translator(
  config,
  catalog,
  new CumulativeState(config.delta_to_cumulative.max_series, config.delta_to_cumulative.max_stale),
  new Map(),
);
let series = 0;
let points = 0;
for (let round = 0; round < ROUNDS; round++) {
  for (let sender = 0; sender < SENDERS; sender++) {
    catalog.trim();
    const translation = translator.translate(request(sender, round));
    if (round === 0) {
      series += translation.series.length;
      points += translation.points;
    }
  }
}
const after = settle();
const heap = after.heapUsed - before.heapUsed;
const buffers = after.arrayBuffers - before.arrayBuffers;
const mb = (bytes: number): string => (bytes / 1e6).toFixed(1).padStart(6);
console.log(
  `remote-write catalog: ${SENDERS} senders x ${(points / SENDERS).toLocaleString('en')} points, ${ROUNDS} rounds; ${series.toLocaleString('en')} series sent (${(points).toLocaleString('en')} point series)`,
);
console.log(
  `  heap used      ${mb(heap)} MB  ${Math.round(heap / series)
    .toString()
    .padStart(5)} B/series  ${Math.round(heap / points)
    .toString()
    .padStart(5)} B/point series`,
);
console.log(
  `  array buffers  ${mb(buffers)} MB  ${Math.round(buffers / series)
    .toString()
    .padStart(5)} B/series  ${Math.round(buffers / points)
    .toString()
    .padStart(5)} B/point series`,
);
console.log(`  rss now        ${mb(after.rss)} MB (before ${mb(before.rss).trim()} MB)`);
void translator;
const size = catalog.size;
console.log(
  `  catalog        ${size.pointSeries.toLocaleString('en')} point series, ${size.series.toLocaleString('en')} series, label arena ${mb(size.arenaBytes).trim()} MB (${Math.round(size.arenaBytes / size.series)} B/series allocated)`,
);
