/** Real OpenTelemetry JS SDK log records (sdk-logs), for the logs decoder and receiver tests. */
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { type AnyValue, SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor, type ReadableLogRecord, type SdkLogRecord } from '@opentelemetry/sdk-logs';
import assert from 'node:assert/strict';
import type { AttributeValue, LogRecord } from '../../src/model/index.js';
import { RESOURCE_A, at, expectedAttributes, hrToNanos } from './fixtures.js';

export const LOG_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const LOG_SPAN_ID = 'b7ad6b7169203331';

/** Every body type (string, int, double, bool, bytes, array, kvlist, nested, none), several severities, trace context, events. */
export const LOG_BODIES: readonly AnyValue[] = [
  'plain message\nwith a second line',
  42,
  3.25,
  true,
  new Uint8Array([0, 1, 254, 255]),
  ['a', 7, false],
  { user: 'ada', retries: 3 },
  { nested: { list: [1.5, { deep: 'x' }], bytes: new Uint8Array([9]) } },
  undefined,
];
const SEVERITIES = [
  SeverityNumber.TRACE,
  SeverityNumber.DEBUG2,
  SeverityNumber.INFO,
  SeverityNumber.WARN3,
  SeverityNumber.ERROR,
  SeverityNumber.FATAL4,
];

/** `startMs`: the first record's time (by default the fixtures' fixed T0); the others follow it by microseconds. */
export async function makeLogRecords(startMs?: number): Promise<ReadableLogRecord[]> {
  const time = (offsetNanos: number) =>
    startMs === undefined ? at(offsetNanos) : ([Math.floor(startMs / 1000), (startMs % 1000) * 1e6 + offsetNanos] as const);
  // A collecting processor, as fixtures.ts's CollectingReader: the records exactly as the SDK hands them to an exporter.
  const records: SdkLogRecord[] = [];
  const collect: LogRecordProcessor = { onEmit: (record) => void records.push(record), forceFlush: async () => {}, shutdown: async () => {} };
  const provider = new LoggerProvider({ resource: resourceFromAttributes(RESOURCE_A), processors: [collect] });
  const logger = provider.getLogger('shop-logs', '2.0.1');
  const traced = trace.setSpanContext(ROOT_CONTEXT, { traceId: LOG_TRACE_ID, spanId: LOG_SPAN_ID, traceFlags: 1 });
  LOG_BODIES.forEach((body, i) => {
    logger.emit({
      timestamp: time(i * 1000) as [number, number],
      observedTimestamp: time(i * 1000 + 7) as [number, number],
      severityNumber: SEVERITIES[i % SEVERITIES.length] as SeverityNumber,
      severityText: `level-${i}`,
      body,
      attributes: { index: i, 'http.route': '/cart', ratio: 0.5, tags: ['x', 'y'] },
      ...(i % 2 === 0 ? { context: traced } : {}),
      ...(i === 3 ? { eventName: 'checkout.completed' } : {}),
    });
  });
  await provider.forceFlush();
  return records;
}

/** The model's form of an SDK AnyValue, as OTLP carries it: integers become int64 (bigint), absent becomes null. */
export function expectedBody(value: AnyValue): AttributeValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(expectedBody);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expectedBody(v)]));
  return value as AttributeValue;
}

/** Every field of every record decoded as the SDK emitted it (records in the order sent). */
export function assertLogsAsSent(logs: readonly LogRecord[], sdkRecords: readonly ReadableLogRecord[]): void {
  assert.equal(logs.length, sdkRecords.length);
  sdkRecords.forEach((sdk, i) => {
    const log = logs[i] as LogRecord;
    const traced = sdk.spanContext !== undefined;
    assert.equal(log.timeUnixNano, hrToNanos(sdk.hrTime), `record ${i} time`);
    assert.equal(log.observedTimeUnixNano, hrToNanos(sdk.hrTimeObserved));
    assert.equal(log.severityNumber, sdk.severityNumber);
    assert.equal(log.severityText, sdk.severityText);
    assert.deepEqual(log.body, expectedBody(sdk.body), `record ${i} body`);
    assert.deepEqual(log.attributes, expectedAttributes(sdk.attributes as never));
    assert.equal(log.droppedAttributesCount, 0);
    assert.equal(log.traceId, traced ? LOG_TRACE_ID : '');
    assert.equal(log.spanId, traced ? LOG_SPAN_ID : '');
    assert.equal(log.flags, traced ? 1 : 0);
    assert.equal(log.eventName, sdk.eventName ?? '');
    assert.deepEqual(log.resource.attributes, expectedAttributes(RESOURCE_A));
    assert.equal(log.scope.name, 'shop-logs');
    assert.equal(log.scope.version, '2.0.1');
  });
  assert.ok(
    logs.some((l) => l.eventName === 'checkout.completed'),
    'an event name came through',
  );
  // One resource and one scope per request: shared by reference, as for points and spans.
  assert.ok(logs.every((l) => l.resource === logs[0]?.resource && l.scope === logs[0]?.scope));
}
