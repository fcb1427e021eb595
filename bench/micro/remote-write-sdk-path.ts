/**
 * The remote-write adapter's steady state on the OpenTelemetry JS SDK's own request (bench/payloads.ts: 10,000
 * points, 400 attribute sets shared per request as the OTLP reader gives them, 9 sums, 8 gauges, 8 histograms):
 * 8 queue payloads per write (80,000 points, delivery.batch.max_items), from 4 senders (one service.instance.id
 * each, as the delivery scenario's connections), decoded from the queue format as delivery does, then translated
 * part by part (begin / add per payload / finish) and cut, encoded and compressed. CPU per write of the translate
 * and of split + encode + snappy (the queue decode is not counted), after 3 warm-up writes.
 * Run: node --import tsx bench/micro/remote-write-sdk-path.ts [writes]
 */
import { prometheusConfigSchema } from '../../src/adapters/prometheus/config.js';
import { CumulativeState } from '../../src/adapters/prometheus/delta.js';
import { encodeWriteRequest, splitRequests } from '../../src/adapters/prometheus/encode.js';
import { SeriesCatalog } from '../../src/adapters/prometheus/series.js';
import { Translator } from '../../src/adapters/prometheus/translate.js';
import { decodeBatch, encodeBatch } from '../../src/queue/codec.js';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { decodeMetrics } from '../../src/otlp/index.js';
import { buildMetrics } from '../payloads.js';
const body = Buffer.from(ProtobufMetricsSerializer.serializeRequest(await buildMetrics())!);
const payloads = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => {
  const d = decodeMetrics(body, 'protobuf').batch;
  for (const r of new Set(d.metrics.map((p) => p.resource))) r.attributes['service.instance.id'] = `s${i % 4}`;
  const shift = BigInt(i) * 1_000_000n;
  return encodeBatch({ metrics: d.metrics.map((p) => ({ ...p, timeUnixNano: p.timeUnixNano + shift })), spans: [], logs: [] });
});
const config = prometheusConfigSchema.parse({ url: 'http://127.0.0.1:9/api/v1/write' });
const translator = new Translator(config, new SeriesCatalog(config.translation), new CumulativeState(1e5, 3.6e6), new Map());
const limits = { maxSamples: config.max_samples_per_request, maxBytes: config.max_bytes_per_request };
let tr = 0,
  enc = 0,
  n = 0;
for (let w = 0; w < Number(process.argv[2] ?? 30); w++) {
  const parts = payloads.map((p) => decodeBatch(p).metrics);
  const c0 = process.cpuUsage();
  translator.begin();
  for (const part of parts) translator.add(part);
  const t = translator.finish();
  const c1 = process.cpuUsage();
  for (const r of splitRequests(t.series, limits)) encodeWriteRequest(r);
  const c2 = process.cpuUsage();
  if (w >= 3) {
    tr += (c1.user + c1.system - c0.user - c0.system) / 1000;
    enc += (c2.user + c2.system - c1.user - c1.system) / 1000;
    n++;
  }
}
console.log(
  `SDK payloads, 4 senders, 80K points/write: translate ${(tr / n).toFixed(1)} ms, split+encode+snappy ${(enc / n).toFixed(1)} ms, ${Math.round(80000 / ((tr + enc) / n / 1000)).toLocaleString('en')} points/s per core`,
);
