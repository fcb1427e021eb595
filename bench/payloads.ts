/**
 * Benchmark request bodies, built once per run with the real OpenTelemetry JS SDK and its own OTLP
 * serializers (@opentelemetry/otlp-transformer's ProtobufTraceSerializer / ProtobufMetricsSerializer):
 * - traces: 1,000 spans across 3 services, 14 resource attributes, 10-12 span attributes, events on some spans;
 * - metrics: 10,000 data points: 9 counters, 8 gauges, 8 histograms (10 buckets) x 400 series of 4 attributes;
 * - logs: 1,500 log records across 3 services (sdk-logs, ProtobufLogsSerializer), the traces' resource attributes,
 *   string bodies of 80-200 characters and one kvlist body in ten, five severities, 3-6 attributes, trace context on half.
 * Each is written to bench/out/payloads/ as protobuf and gzipped protobuf for the load generator to send.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT_CONTEXT, SpanKind, ValueType, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ProtobufLogsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { decodeLogs, decodeMetrics, decodeTraces } from '../src/otlp/index.js';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface Payload {
  readonly signal: Signal;
  /** 'identity' or 'gzip': the Content-Encoding the body is sent with. */
  readonly contentEncoding: 'identity' | 'gzip';
  readonly file: string;
  readonly bytes: number;
  /** Spans, data points or log records in one request, as the gateway's decoder counts them. */
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

const LOG_LEVELS = [
  [SeverityNumber.DEBUG, 'DEBUG'],
  [SeverityNumber.INFO, 'INFO'],
  [SeverityNumber.INFO, 'INFO'],
  [SeverityNumber.INFO, 'INFO'],
  [SeverityNumber.WARN, 'WARN'],
  [SeverityNumber.INFO, 'INFO'],
  [SeverityNumber.ERROR, 'ERROR'],
] as const;

/** Typical application log lines (80-200 characters once filled in). */
function logLine(i: number): string {
  const id = (i * 7919).toString(16).padStart(8, '0');
  switch (i % 6) {
    case 0:
      return `GET /api/v1/items/${i} 200 in ${(i % 97) + 3} ms (cache ${i % 2 ? 'miss' : 'hit'}, 12 items, user agent Mozilla/5.0 X11 Linux)`;
    case 1:
      return `order ${id}-${i} accepted: 3 lines, total 129.90 EUR, payment provider stripe, customer tier gold, region eu-west-1`;
    case 2:
      return `upstream catalog.internal:443 timed out after 2000 ms on attempt ${(i % 3) + 1} of 3; retrying with backoff 250 ms (request ${id})`;
    case 3:
      return `SELECT id, name, price FROM shop.items WHERE id = $1 took ${(i % 40) + 1} ms, 1 row, pool ${i % 20}/20 busy`;
    case 4:
      return `session ${id} refreshed for user ${i % 500} from 10.0.7.${i % 250}; token expires in 3600 s, scopes read:items write:cart checkout`;
    default:
      return `payment ${id} declined by issuer: insufficient_funds (card ending ${1000 + (i % 9000)}, attempt ${(i % 4) + 1}); the order stays pending, the customer is notified by email and the cart kept for 24 h`;
  }
}

/** `count` records as the SDK hands them to an exporter, split across the 3 services. */
export async function buildLogs(count = 1500): Promise<ReadableLogRecord[]> {
  const records: ReadableLogRecord[] = [];
  const collect: LogRecordProcessor = { onEmit: (record) => void records.push(record), forceFlush: async () => {}, shutdown: async () => {} };
  for (let s = 0; s < SERVICES.length; s++) {
    const provider = new LoggerProvider({ resource: resourceFromAttributes(resourceAttributes(SERVICES[s]!)), processors: [collect] });
    const logger = provider.getLogger('@opentelemetry/instrumentation-pino', '0.47.0');
    const n = Math.floor(count / SERVICES.length) + (s < count % SERVICES.length ? 1 : 0);
    for (let i = 0; i < n; i++) {
      const [severityNumber, severityText] = LOG_LEVELS[i % LOG_LEVELS.length]!;
      const traced = i % 2 === 0;
      const context = trace.setSpanContext(ROOT_CONTEXT, {
        traceId: `0af7651916cd43dd8448eb21${(s * 100_000 + i).toString(16).padStart(8, '0')}`,
        spanId: `b7ad6b71${i.toString(16).padStart(8, '0')}`,
        traceFlags: 1,
      });
      logger.emit({
        severityNumber,
        severityText,
        body:
          i % 10 === 9
            ? {
                msg: 'request completed',
                'http.route': '/api/v1/items/{id}',
                status: 200,
                duration_ms: (i % 97) + 0.5,
                user: { id: i % 500, tier: 'gold' },
              }
            : logLine(i),
        attributes: {
          'code.function': i % 3 ? 'handleRequest' : 'processOrder',
          'code.filepath': 'src/routes/items.ts',
          'thread.name': 'main',
          ...(i % 2 ? { 'http.route': '/api/v1/items/{id}', 'http.response.status_code': 200 } : {}),
          ...(i % 4 === 0 ? { 'app.retry': i % 3 } : {}),
        },
        ...(traced ? { context } : {}),
      });
    }
    await provider.forceFlush();
  }
  return records;
}

/** Builds, checks (the gateway's decoder must accept every item) and writes the bodies. */
export async function writePayloads(dir: string): Promise<PayloadSet> {
  mkdirSync(dir, { recursive: true });
  const traces = Buffer.from(ProtobufTraceSerializer.serializeRequest(buildSpans())!);
  const metrics = Buffer.from(ProtobufMetricsSerializer.serializeRequest(await buildMetrics())!);
  const logs = Buffer.from(ProtobufLogsSerializer.serializeRequest(await buildLogs())!);
  const decodedTraces = decodeTraces(traces, 'protobuf');
  const decodedMetrics = decodeMetrics(metrics, 'protobuf');
  const decodedLogs = decodeLogs(logs, 'protobuf');
  const spanCount = checked('traces', decodedTraces.rejected.count, decodedTraces.batch.spans.length);
  const pointCount = checked('metrics', decodedMetrics.rejected.count, decodedMetrics.batch.metrics.length);
  const recordCount = checked('logs', decodedLogs.rejected.count, decodedLogs.logs.length);
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
    'logs-identity': write('logs', 'identity', logs, recordCount),
    'logs-gzip': write('logs', 'gzip', gzipSync(logs), recordCount),
  };
}

function checked(signal: Signal, rejected: number, items: number): number {
  if (rejected > 0) throw new Error(`the ${signal} payload has ${rejected} items the gateway rejects`);
  return items;
}
