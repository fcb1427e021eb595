/**
 * Decode timing, not a test: realistic OTel JS SDK requests (1,000 spans over 3 services with 14 resource
 * attributes, 10-12 span attributes, events on some; 10,080 metric points as sums, gauges and 10-bucket
 * histograms with 4 attributes each) serialized by @opentelemetry/otlp-transformer, decoded into the model
 * in a loop; the purpose-written reader (decodeTraces / decodeMetrics) and the protobufjs path it replaced
 * (decode*Reference, test/otlp/reference.ts) run in the same rounds and their ratio is printed. Compare with docs' performance.md (protobufjs 7 static: 171K spans/s, 123K points/s).
 *
 * The cases run in turns (10 rounds); best and median per CPU-second are printed, since the machine is shared.
 *
 *   node --import tsx bench/decode-micro.ts [seconds per case, default 5]     (NO_JSON=1: protobuf cases only)
 *   --cpu-prof works as usual (node --cpu-prof --import tsx bench/decode-micro.ts)
 *   node --max-semi-space-size=64 --import tsx bench/decode-micro.ts           (GC is a third of the time)
 */
import { SpanKind, ValueType } from '@opentelemetry/api';
import { JsonMetricsSerializer, JsonTraceSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeMetrics, decodeTraces } from '../src/otlp/decode.js';
import { decodeMetricsReference, decodeTracesReference } from '../test/otlp/reference.js';
import { ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../src/otlp/proto.js';

const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = 10;

function resourceAttributes(service: string) {
  return {
    'service.name': service,
    'service.namespace': 'shop',
    'service.version': '2.14.1',
    'service.instance.id': `${service}-7d9f-x2`,
    'deployment.environment': 'production',
    'host.name': 'ip-10-0-3-17',
    'host.arch': 'amd64',
    'host.id': 'i-0abc123def456',
    'os.type': 'linux',
    'process.pid': 4242,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': '20.20.2',
    'telemetry.sdk.language': 'nodejs',
    'cloud.region': 'eu-west-1',
  };
}

function makeSpans(): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  const services = ['checkout', 'payments', 'catalog'];
  for (let s = 0; s < services.length; s++) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes(resourceAttributes(services[s]!)),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.1');
    const count = s === 0 ? 334 : 333;
    for (let i = 0; i < count; i++) {
      const span = tracer.startSpan(`GET /api/v1/items/{id}`, {
        kind: i % 3 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'GET',
          'http.response.status_code': i % 17 === 0 ? 500 : 200,
          'http.route': '/api/v1/items/{id}',
          'url.full': `https://catalog.internal/api/v1/items/${i}?expand=price,stock`,
          'url.scheme': 'https',
          'server.address': 'catalog.internal',
          'server.port': 443,
          'network.protocol.version': '1.1',
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
          'client.address': '10.0.7.44',
          ...(i % 2 === 0 ? { 'app.cache.hit': true, 'app.items': 12 } : {}),
        },
      });
      if (i % 4 === 0) span.addEvent('exception', { 'exception.type': 'TimeoutError', 'exception.message': 'upstream timed out after 2000ms' });
      if (i % 10 === 0) span.addEvent('retry', { attempt: 2 });
      span.end();
    }
    spans.push(...exporter.getFinishedSpans());
  }
  return spans;
}

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** 10 counters, 10 gauges, 10 histograms (9 bounds, 10 buckets) x 336 attribute sets = 10,080 points. */
async function makeMetricsRequest() {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes(resourceAttributes('checkout')), readers: [reader] });
  const meter = provider.getMeter('shop-metrics', '1.0.0');
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const attributeSets: Record<string, string | number>[] = [];
  for (const route of ['/cart', '/pay', '/items', '/items/{id}', '/login', '/logout', '/search', '/health'])
    for (const method of ['GET', 'POST', 'PUT'])
      for (const status of [200, 201, 204, 400, 404, 500, 503])
        for (const region of ['eu', 'us'])
          attributeSets.push({ 'http.route': route, 'http.request.method': method, 'http.response.status_code': status, region });
  for (let m = 0; m < 10; m++) {
    const counter = meter.createCounter(`app.requests.${m}`, { valueType: ValueType.INT });
    const gauge = meter.createGauge(`app.queue.depth.${m}`);
    const histogram = meter.createHistogram(`app.latency.${m}`, { unit: 's', advice: { explicitBucketBoundaries: bounds } });
    for (const attrs of attributeSets) {
      counter.add(3, attrs);
      gauge.record(Math.random() * 100, attrs);
      for (let k = 0; k < 3; k++) histogram.record(Math.random(), attrs);
    }
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

interface Case {
  label: string;
  items: number;
  unit: string;
  run: () => number;
  perCpu: number[];
  perWall: number[];
}
const cases: Case[] = [];
function add(label: string, items: number, unit: string, run: () => number): void {
  cases.push({ label, items, unit, run, perCpu: [], perWall: [] });
}

/** One timed slice of a case; the cases take turns, so a noisy neighbour hits them all alike. */
function slice(c: Case): void {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let n = 0;
  while (Number(process.hrtime.bigint() - t0) < (SECONDS / ROUNDS) * 1e9) {
    if (c.run() !== c.items) throw new Error(`${c.label}: decoded a wrong number of items`);
    n++;
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpuUsage = process.cpuUsage(cpu0);
  c.perWall.push((n * c.items) / wall);
  c.perCpu.push((n * c.items) / ((cpuUsage.user + cpuUsage.system) / 1e6));
}

function report(c: Case): void {
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const cpu = sorted(c.perCpu);
  const wall = sorted(c.perWall);
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
  console.log(
    `${c.label.padEnd(34)} best ${fmt(cpu[cpu.length - 1]!)} median ${fmt(median(cpu))} ${c.unit}/CPU-s;` +
      ` best ${fmt(wall[wall.length - 1]!)} ${c.unit}/s wall`,
  );
}

function fmt(n: number): string {
  return `${(n / 1000).toFixed(0)}K`.padStart(6);
}

const spans = makeSpans();
const tracesPb = ProtobufTraceSerializer.serializeRequest(spans)!;
const tracesJson = JsonTraceSerializer.serializeRequest(spans)!;
const resourceMetrics = await makeMetricsRequest();
const metricsPb = ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!;
const metricsJson = JsonMetricsSerializer.serializeRequest(resourceMetrics)!;
const points = decodeMetrics(metricsPb, 'protobuf').batch.metrics.length;
console.log(
  `node ${process.version}; traces ${spans.length} spans: ${(tracesPb.length / 1024).toFixed(0)} KB protobuf, ${(tracesJson.length / 1024).toFixed(0)} KB JSON;` +
    ` metrics ${points} points: ${(metricsPb.length / 1024).toFixed(0)} KB protobuf, ${(metricsJson.length / 1024).toFixed(0)} KB JSON`,
);
// Baselines: protobufjs reflection decode alone, no model, to show what the conversion adds on this machine now.
const tracesBuf = Buffer.from(tracesPb);
const metricsBuf = Buffer.from(metricsPb);
add('(protobufjs decode only, traces)', spans.length, 'spans', () => {
  ExportTraceServiceRequest.decode(tracesBuf);
  return spans.length;
});
add('(protobufjs decode only, metrics)', points, 'points', () => {
  ExportMetricsServiceRequest.decode(metricsBuf);
  return points;
});
add('decodeTraces protobuf (reader)', spans.length, 'spans', () => decodeTraces(tracesPb, 'protobuf').batch.spans.length);
add('decodeTraces protobuf (protobufjs)', spans.length, 'spans', () => decodeTracesReference(tracesPb, 'protobuf').batch.spans.length);
add('decodeMetrics protobuf (reader)', points, 'points', () => decodeMetrics(metricsPb, 'protobuf').batch.metrics.length);
add('decodeMetrics protobuf (protobufjs)', points, 'points', () => decodeMetricsReference(metricsPb, 'protobuf').batch.metrics.length);
if (!process.env.NO_JSON) add('decodeTraces json', spans.length, 'spans', () => decodeTraces(tracesJson, 'json').batch.spans.length);
if (!process.env.NO_JSON) add('decodeMetrics json', points, 'points', () => decodeMetrics(metricsJson, 'json').batch.metrics.length);

for (const c of cases) for (let i = 0; i < 10; i++) c.run(); // warm up
for (let round = 0; round < ROUNDS; round++) for (const c of cases) slice(c);
for (const c of cases) report(c);
// The purpose-written reader against the protobufjs path it replaced, same run, per round (median of ratios).
for (const signal of ['Traces', 'Metrics']) {
  const reader = cases.find((c) => c.label === `decode${signal} protobuf (reader)`)!;
  const reference = cases.find((c) => c.label === `decode${signal} protobuf (protobufjs)`)!;
  const ratios = reader.perCpu.map((x, i) => x / reference.perCpu[i]!).sort((a, b) => a - b);
  console.log(
    `reader / protobufjs, ${signal.toLowerCase()}: ${ratios[Math.floor(ratios.length / 2)]!.toFixed(2)}x per CPU-second (median of ${ratios.length} rounds)`,
  );
}
