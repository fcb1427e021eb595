/**
 * Log records to otel_logs rows for JSONCompactEachRow, in LOGS_TABLE's column order, as the Collector's
 * clickhouse exporter fills them. TimestampTime is left to its DEFAULT (toDateTime(Timestamp)).
 */
import type { LogRecord } from '../../model/index.js';
import { attributeMap, attributeText, dateTime64, sharedResource, sharedScope } from './encode.js';

export { LOGS_TABLE } from './logs-table.js';

export function logRow(record: LogRecord): unknown[] {
  const resource = sharedResource(record.resource);
  return [
    dateTime64(logTime(record)),
    record.traceId,
    record.spanId,
    record.flags & 0xff,
    record.severityText,
    record.severityNumber,
    resource.service,
    logBody(record),
    record.resource.schemaUrl,
    resource.attributes,
    record.scope.schemaUrl,
    record.scope.name,
    record.scope.version,
    sharedScope(record.scope),
    attributeMap(record.attributes),
    record.eventName,
  ];
}

/** The record's time, or its observed time when the sender gave none (0), as the Collector does. */
export function logTime(record: LogRecord): bigint {
  return record.timeUnixNano === 0n ? record.observedTimeUnixNano : record.timeUnixNano;
}

/**
 * Body as the Collector's Body().AsString(): a string as is, int64 in full digits, doubles as JavaScript
 * prints them, booleans as true/false, bytes in base64, arrays and kvlists as JSON, no body as ''.
 */
export function logBody(record: LogRecord): string {
  return attributeText(record.body);
}
