/**
 * Benchmark request bodies, built once per run with the real OpenTelemetry JS SDK and its own OTLP
 * serializers (@opentelemetry/otlp-transformer's ProtobufTraceSerializer / ProtobufMetricsSerializer):
 * - traces: 1,000 spans across 3 services, 14 resource attributes, 10-12 span attributes, events on some spans;
 * - metrics: 10,000 data points: 9 counters, 8 gauges, 8 histograms (10 buckets) x 400 series of 4 attributes.
 * Each is written to bench/out/payloads/ as protobuf and gzipped protobuf for the load generator to send.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { SpanKind, ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeMetrics, decodeTraces } from '../src/otlp/index.js';

export type Signal = 'traces' | 'metrics';

export interface Payload {
  readonly signal: Signal;
  /** 'identity' or 'gzip': the Content-Encoding the body is sent with. */
  readonly contentEncoding: 'identity' | 'gzip';
  readonly file: string;
  readonly bytes: number;
  /** Spans or data points in one request, as the gateway's decoder counts them. */
  readonly items: number;
}

export type PayloadSet = Record<`${Signal}-${'identity' | 'gzip'}`, Payload>;

const SERVICES = ['checkout', 'payments', 'catalog'] as const;

function resourceAttributes(service: string) {
  return {
    'service.name': service,
    'service.namespace': 'shop',
    'service.version': '2.14.1',
    'service.instance.id': `${service}-5c8b-q7`,
    'deployment.environment.name': 'production',
    'host.name': 'ip-10-0-3-17',
    'host.arch': 'amd64',
    'host.id': 'i-0abc123def4567890',
    'os.type': 'linux',
    'process.pid': 4242,
    'process.runtime.name': 'nodejs',
    'process.runtime.version': '20.20.2',
    'telemetry.sdk.language': 'nodejs',
    'cloud.region': 'eu-west-1',
  };
}

export function buildSpans(count = 1000): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  for (let s = 0; s < SERVICES.length; s++) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes(resourceAttributes(SERVICES[s]!)),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('@opentelemetry/instrumentation-http', '0.223.1');
    const n = Math.floor(count / SERVICES.length) + (s < count % SERVICES.length ? 1 : 0);
    for (let i = 0; i < n; i++) {
      const failed = i % 17 === 0;
      const span = tracer.startSpan(i % 3 === 0 ? 'GET /api/v1/items/{id}' : `SELECT shop.items ${i % 5}`, {
        kind: i % 3 === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
        attributes: {
          'http.request.method': 'GET',
          'http.response.status_code': failed ? 500 : 200,
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
      if (failed) span.setStatus({ code: 2, message: 'upstream returned 500' });
      if (i % 4 === 0) span.addEvent('exception', { 'exception.type': 'TimeoutError', 'exception.message': 'upstream timed out after 2000ms' });
      if (i % 10 === 0) span.addEvent('retry', { 'retry.attempt': 2 });
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

/** 25 instruments (9 counters, 8 gauges, 8 histograms) x 400 attribute sets = 10,000 points. */
export async function buildMetrics() {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ resource: resourceFromAttributes(resourceAttributes('checkout')), readers: [reader] });
  const meter = provider.getMeter('shop-metrics', '1.0.0');
  const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const sets: Record<string, string | number>[] = [];
  for (const route of ['/cart', '/pay', '/items', '/items/{id}', '/login', '/logout', '/search', '/health', '/orders', '/orders/{id}'])
    for (const method of ['GET', 'POST', 'PUT', 'DELETE'])
      for (const status of [200, 201, 400, 404, 500])
        for (const region of ['eu', 'us'])
          sets.push({ 'http.route': route, 'http.request.method': method, 'http.response.status_code': status, region });
  let seed = 1;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let m = 0; m < 9; m++) {
    const counter = meter.createCounter(`app.requests.${m}`, { valueType: ValueType.INT, unit: '{request}' });
    for (const attrs of sets) counter.add(1 + Math.floor(random() * 5), attrs);
  }
  for (let m = 0; m < 8; m++) {
    const gauge = meter.createGauge(`app.queue.depth.${m}`, { unit: '{item}' });
    for (const attrs of sets) gauge.record(random() * 100, attrs);
  }
  for (let m = 0; m < 8; m++) {
    const histogram = meter.createHistogram(`app.latency.${m}`, { unit: 's', advice: { explicitBucketBoundaries: bounds } });
    for (const attrs of sets) for (let k = 0; k < 3; k++) histogram.record(random() * 3, attrs);
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

/** Builds, checks (the gateway's decoder must accept every item) and writes the bodies. */
export async function writePayloads(dir: string): Promise<PayloadSet> {
  mkdirSync(dir, { recursive: true });
  const traces = Buffer.from(ProtobufTraceSerializer.serializeRequest(buildSpans())!);
  const metrics = Buffer.from(ProtobufMetricsSerializer.serializeRequest(await buildMetrics())!);
  const spanCount = checked('traces', decodeTraces(traces, 'protobuf'));
  const pointCount = checked('metrics', decodeMetrics(metrics, 'protobuf'));
  const write = (signal: Signal, contentEncoding: 'identity' | 'gzip', body: Buffer, items: number): Payload => {
    const file = path.join(dir, `${signal}${contentEncoding === 'gzip' ? '.pb.gz' : '.pb'}`);
    writeFileSync(file, body);
    return { signal, contentEncoding, file, bytes: body.length, items };
  };
  return {
    'traces-identity': write('traces', 'identity', traces, spanCount),
    'traces-gzip': write('traces', 'gzip', gzipSync(traces), spanCount),
    'metrics-identity': write('metrics', 'identity', metrics, pointCount),
    'metrics-gzip': write('metrics', 'gzip', gzipSync(metrics), pointCount),
  };
}

function checked(signal: Signal, decoded: ReturnType<typeof decodeTraces>): number {
  if (decoded.rejected.count > 0) throw new Error(`the ${signal} payload has ${decoded.rejected.count} items the gateway rejects`);
  return decoded.batch.spans.length + decoded.batch.metrics.length;
}
