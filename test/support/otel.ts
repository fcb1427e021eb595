import type { Attributes } from '@opentelemetry/api';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
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

export function metricExporter(transport: Transport, httpUrl: string, grpcUrl: string, temporality = AggregationTemporality.CUMULATIVE, options: ExporterOptions = {}): PushMetricExporter {
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

export function meterProvider(exporter: PushMetricExporter, resource: Attributes, views: ConstructorParameters<typeof MeterProvider>[0] extends infer O ? O extends { views?: infer V } ? V : never : never = []) {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  return new MeterProvider({ resource: resourceFromAttributes(resource), readers: [reader], views });
}

/** hrTime [seconds, nanoseconds] to exact bigint nanoseconds. */
export function hrToNanos([seconds, nanos]: readonly [number, number]): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}
