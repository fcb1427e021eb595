/**
 * Real OpenTelemetry JS SDK output for the decoder tests: spans from sdk-trace-base, metrics from
 * sdk-metrics, serialized by @opentelemetry/otlp-transformer exactly as the OTLP exporters do.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  ValueType,
  trace,
  type Attributes as ApiAttributes,
  type HrTime,
  type SpanContext,
} from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { AttributeValue, Attributes } from '../../src/model/index.js';

/** A fixed base time with a nanosecond part, so the tests see nanosecond precision survive. */
export const T0: HrTime = [1_763_800_000, 123_456_789];
export function at(offsetNanos: number): HrTime {
  const nanos = T0[1] + offsetNanos;
  return [T0[0] + Math.floor(nanos / 1e9), nanos % 1e9];
}
export function hrToNanos(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

export const RESOURCE_A = { 'service.name': 'checkout', 'service.namespace': 'shop', 'host.cores': 8, 'deployment.canary': false };
export const RESOURCE_B = { 'service.name': 'payments', 'service.instance.id': 'p-1' };

/** Two services, two scopes on one; root/child spans, every span kind, events, links, status, all attribute types. */
export function makeSpans(): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  for (const [resourceAttrs, scopes] of [
    [RESOURCE_A, ['http-server', 'db-client']],
    [RESOURCE_B, ['payments-lib']],
  ] as const) {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes(resourceAttrs),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    for (const scopeName of scopes) {
      const tracer = provider.getTracer(scopeName, '1.2.3');
      const root = tracer.startSpan('GET /cart', {
        kind: SpanKind.SERVER,
        startTime: at(0),
        attributes: {
          'http.method': 'GET',
          'http.status_code': 200,
          'http.duration_ratio': 0.25,
          'http.ok': true,
          tags: ['a', 'b'],
          ports: [80, 443],
          weights: [1.5, 2.5],
          flags: [true, false],
        },
      });
      root.addEvent('cache.miss', { 'cache.key': 'cart:42', 'cache.size': 3 }, at(1_000));
      root.addEvent('no-attributes', at(2_000));
      const rootContext = root.spanContext();
      const child = tracer.startSpan(
        'SELECT cart',
        { kind: SpanKind.CLIENT, startTime: at(10_001), links: [{ context: rootContext, attributes: { 'link.reason': 'retry' } }] },
        traceContextWith(rootContext),
      );
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
      child.end(at(20_002));
      for (const kind of [SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
        tracer.startSpan(`kind ${kind}`, { kind, startTime: at(30_000) }).end(at(30_000)); // zero duration is valid
      }
      root.setStatus({ code: SpanStatusCode.OK });
      root.end(at(999_999_999));
    }
    spans.push(...exporter.getFinishedSpans());
  }
  return spans;
}

/** A parent context without registering a global context manager. */
function traceContextWith(parent: SpanContext) {
  return trace.setSpanContext(ROOT_CONTEXT, parent);
}

/** The model's form of SDK attributes, as OTLP carries them: integers become int64 (bigint), others doubles. */
export function expectedAttributes(attrs: ApiAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attrs ?? {})) out[key] = expectedValue(value);
  return out;
}
function expectedValue(value: unknown): AttributeValue {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(expectedValue);
  return value as AttributeValue;
}

class CollectingReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/**
 * One collection from each of a cumulative and a delta reader over the same instruments: gauges (sync and
 * observable), monotonic and non-monotonic sums (int and double), explicit and exponential histograms.
 */
export async function makeMetrics(): Promise<{ cumulative: ResourceMetrics; delta: ResourceMetrics }> {
  const cumulativeReader = new CollectingReader();
  const deltaReader = new CollectingReader({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE_A),
    readers: [cumulativeReader, deltaReader],
    views: [{ instrumentName: 'rpc.payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('shop-metrics', '0.9.0');
  const requests = meter.createCounter('http.requests', { description: 'requests served', unit: '{request}', valueType: ValueType.INT });
  requests.add(3, { route: '/cart', code: 200 });
  requests.add(1, { route: '/pay', code: 500 });
  const bytes = meter.createCounter('net.bytes', { unit: 'By' });
  bytes.add(1536.5, { direction: 'in' });
  const inflight = meter.createUpDownCounter('http.inflight', { valueType: ValueType.INT });
  inflight.add(5);
  inflight.add(-7);
  const temperature = meter.createGauge('room.temperature', { unit: 'Cel' });
  temperature.record(21.5, { room: 'a' });
  temperature.record(NaN, { room: 'b' }); // NaN is a legal gauge value
  meter.createObservableGauge('process.threads', { valueType: ValueType.INT }).addCallback((r) => r.observe(12, { pool: 'io' }));
  const latency = meter.createHistogram('http.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.1, 1, 10] } });
  for (const v of [0.003, 0.02, 0.5, 0.7, 42]) latency.record(v, { route: '/cart' });
  const payload = meter.createHistogram('rpc.payload.size', { unit: 'By' });
  for (const v of [-4, 0, 1, 2, 3, 100, 1e6]) payload.record(v);
  const cumulative = await cumulativeReader.collect();
  const delta = await deltaReader.collect();
  await provider.shutdown();
  return { cumulative: cumulative.resourceMetrics, delta: delta.resourceMetrics };
}
