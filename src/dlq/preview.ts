import { attributeToString, batchSize, serviceName, type MetricPoint, type Span } from '../model/index.js';
import { decodeBatch } from '../queue/codec.js';

/** A readable summary of a dead-lettered payload: what is in it, and its first items. */
export function previewPayload(payload: Uint8Array, maxItems = 10): string {
  let batch;
  try {
    batch = decodeBatch(payload);
  } catch (error) {
    return `(the payload could not be decoded: ${(error as Error).message})`;
  }
  const logs = batch.logs.length > 0 ? `, ${batch.logs.length} log records` : '';
  const lines = [`${batchSize(batch)} items: ${batch.metrics.length} data points, ${batch.spans.length} spans${logs}`];
  const names = new Map<string, number>();
  for (const point of batch.metrics)
    names.set(`metric ${point.metric.name} (${point.type})`, (names.get(`metric ${point.metric.name} (${point.type})`) ?? 0) + 1);
  for (const span of batch.spans) names.set(`spans of ${serviceName(span.resource)}`, (names.get(`spans of ${serviceName(span.resource)}`) ?? 0) + 1);
  for (const [name, count] of [...names].sort((a, b) => b[1] - a[1]).slice(0, 20)) lines.push(`  ${count} × ${name}`);
  lines.push('first items:');
  for (const point of batch.metrics.slice(0, maxItems)) lines.push(`  ${describePoint(point)}`);
  for (const span of batch.spans.slice(0, Math.max(0, maxItems - batch.metrics.length))) lines.push(`  ${describeSpan(span)}`);
  return lines.join('\n');
}

function describePoint(point: MetricPoint): string {
  const labels = Object.entries(point.attributes)
    .map(([k, v]) => `${k}=${JSON.stringify(attributeToString(v))}`)
    .join(',');
  const value = 'value' in point ? String(point.value) : `count=${point.count}`;
  return `${point.metric.name}{${labels}} ${value} @${new Date(Number(point.timeUnixNano / 1_000_000n)).toISOString()} (${serviceName(point.resource)})`;
}

function describeSpan(span: Span): string {
  return `span "${span.name}" trace=${span.traceId} span=${span.spanId} @${new Date(Number(span.startTimeUnixNano / 1_000_000n)).toISOString()} (${serviceName(span.resource)})`;
}
