/**
 * Log records to otel_logs rows for JSONCompactEachRow, in LOGS_TABLE's column order, as the Collector's
 * clickhouse exporter fills them. TimestampTime is left to its DEFAULT (toDateTime(Timestamp)).
 */
import { type LogRecord, logTime, valueText } from '../../model/index.js';
import { attributeMap, dateTime64, sharedResource, sharedScope } from './encode.js';

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
    valueText(record.body), // as the Collector's Body().AsString(): src/model/attributes.ts; no body is ''
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
