/** Log records → otel_logs of migrations/postgres/0010_logs.up.sql, written like spans (bulk.ts). */
import type { LogRecord } from '../../model/index.js';
import { serviceName } from '../../model/index.js';
import { type TableSpec, nsToTimestamptz } from './bulk.js';
import { cachedJson } from './cache.js';
import { attributesJson, valueJson } from './json.js';
import { canonicalAttributes } from './series.js';
import { hashId, resourceId, scopeId } from './series-id.js';

export const logTable: TableSpec<LogRecord> = {
  table: 'otel_logs',
  rowColumns: [
    { name: 'time_unix_nano', type: 'bigint', value: (l) => l.timeUnixNano.toString() },
    { name: 'observed_time_unix_nano', type: 'bigint', value: (l) => l.observedTimeUnixNano.toString() },
    { name: 'log_id', type: 'bigint', value: logId },
    { name: 'severity_number', type: 'smallint', value: (l) => l.severityNumber },
    { name: 'severity_text', type: 'text', value: (l) => l.severityText },
    { name: 'body', type: 'jsonb', value: (l) => (l.body === null ? null : valueJson(l.body)) },
    { name: 'attributes', type: 'jsonb', value: (l) => attributesJson(l.attributes) },
    { name: 'dropped_attributes_count', type: 'integer', value: (l) => l.droppedAttributesCount },
    { name: 'flags', type: 'bigint', value: (l) => l.flags },
    { name: 'trace_id', type: 'text', value: (l) => (l.traceId === '' ? null : l.traceId) },
    { name: 'span_id', type: 'text', value: (l) => (l.spanId === '' ? null : l.spanId) },
    { name: 'event_name', type: 'text', value: (l) => l.eventName },
  ],
  contextColumns: [
    { name: 'service_name', type: 'text', value: (l) => serviceName(l.resource) },
    { name: 'resource_attributes', type: 'jsonb', value: (l) => cachedJson(l.resource) },
    { name: 'scope_name', type: 'text', value: (l) => l.scope.name },
    { name: 'scope_version', type: 'text', value: (l) => l.scope.version },
    { name: 'scope_attributes', type: 'jsonb', value: (l) => cachedJson(l.scope) },
  ],
  contextOf: (l) => [l.resource, l.scope],
  computed: [
    // OTLP lets a record carry only its observed time; the time column (the hypertable's) then uses that.
    ['time', nsToTimestamptz('CASE WHEN u.time_unix_nano <> 0 THEN u.time_unix_nano ELSE u.observed_time_unix_nano END')],
    ['observed_time', `CASE WHEN u.observed_time_unix_nano <> 0 THEN ${nsToTimestamptz('u.observed_time_unix_nano')} END`],
  ],
};

/**
 * The idempotency key: a hash of everything the record holds (type-tagged and length-prefixed as series ids
 * are, src/adapters/postgres/series-id.ts), so a retried batch is stored once. Two records equal in every
 * field are one record here; nothing could tell them apart when read back anyway.
 */
export function logId(l: LogRecord): string {
  const s = (text: string) => `s${text.length}:${text}`;
  return hashId(
    `log r${resourceId(l.resource)} s${scopeId(l.scope)} t${l.timeUnixNano} o${l.observedTimeUnixNano} n${l.severityNumber} ` +
      `${s(l.severityText)}${s(l.traceId)}${s(l.spanId)}f${l.flags} d${l.droppedAttributesCount} ${s(l.eventName)}` +
      `b${canonicalAttributes({ body: l.body })}a${canonicalAttributes(l.attributes)}`,
  );
}
