import type { Attributes } from '@opentelemetry/api';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** The official OTLP exporters, as an application would configure them. */
export type Transport = 'http/protobuf' | 'http/json' | 'grpc';
export const TRANSPORTS: readonly Transport[] = ['http/protobuf', 'http/json', 'grpc'];

export interface ExporterOptions {
  readonly compression?: 'gzip' | 'none';
}

export function traceExporter(transport: Transport, httpUrl: string, grpcUrl: string, options: ExporterOptions = {}): SpanExporter {
  const compression = (options.compression ?? 'none') as never;
  if (transport === 'grpc') return new GrpcTraceExporter({ url: grpcUrl, compression });
  const config = { url: `${httpUrl}/v1/traces`, compression };
  return transport === 'http/json' ? new JsonTraceExporter(config) : new ProtoTraceExporter(config);
}

export function metricExporter(
  transport: Transport,
  httpUrl: string,
  grpcUrl: string,
  temporality = AggregationTemporality.CUMULATIVE,
  options: ExporterOptions = {},
): PushMetricExporter {
  const compression = (options.compression ?? 'none') as never;
  const temporalityPreference = temporality;
  if (transport === 'grpc') return new GrpcMetricExporter({ url: grpcUrl, compression, temporalityPreference });
  const config = { url: `${httpUrl}/v1/metrics`, compression, temporalityPreference };
  return transport === 'http/json' ? new JsonMetricExporter(config) : new ProtoMetricExporter(config);
}

/** A tracer provider that exports through `exporter` and also keeps every span it ended, to compare with what was stored. */
export function tracerProvider(exporter: SpanExporter, resource: Attributes) {
  const sent = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(sent)],
  });
  return { provider, sent };
}

export function meterProvider(
  exporter: PushMetricExporter,
  resource: Attributes,
  views: ConstructorParameters<typeof MeterProvider>[0] extends infer O ? (O extends { views?: infer V } ? V : never) : never = [],
) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  return new MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader], views });
}

/** hrTime [seconds, nanoseconds] to exact bigint nanoseconds. */
export function hrToNanos([seconds, nanos]: readonly [number, number]): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/**
 * The metric set both SDK e2e suites send (embedded store, ClickHouse): a counter (5 + 7 on /a, 1 on /b), an
 * up-down counter (-3), an explicit-bucket histogram [10, 100, 1000] of 1, 5, 50, 500, 5000 ms, a gauge (42.5, core 0)
 * and an exponential histogram of 100..800 bytes; exported once, by the provider's shutdown.
 */
export async function recordE2eMetrics(exporter: PushMetricExporter, service: string): Promise<void> {
  const provider = meterProvider(exporter, { 'service.name': service }, [
    { instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } },
  ]);
  const meter = provider.getMeter('e2e-meter', '2.0.0');
  const requests = meter.createCounter('http.requests', { unit: '{request}', description: 'requests served' });
  requests.add(5, { route: '/a' });
  requests.add(7, { route: '/a' });
  requests.add(1, { route: '/b' });
  meter.createUpDownCounter('queue.depth').add(-3);
  const latency = meter.createHistogram('http.latency', { unit: 'ms', advice: { explicitBucketBoundaries: [10, 100, 1000] } });
  for (const value of [1, 5, 50, 500, 5000]) latency.record(value);
  meter.createObservableGauge('cpu.temperature', { unit: 'Cel' }).addCallback((result) => result.observe(42.5, { core: 0 }));
  const sizes = meter.createHistogram('payload.size', { unit: 'By' });
  for (const value of [100, 200, 400, 800]) sizes.record(value);
  await provider.shutdown(); // one collection, one export
}
