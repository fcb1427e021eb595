/** Spans → otel_spans of migrations/postgres/0001_init.up.sql. */
import type { Span, SpanEvent, SpanLink } from '../../model/index.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES, serviceName } from '../../model/index.js';
import { type TableSpec, nsToTimestamptz } from './bulk.js';
import { cachedJson } from './cache.js';
import { attributesJson } from './json.js';
import { jsonString } from './storable.js';

export const spanTable: TableSpec<Span> = {
  table: 'otel_spans',
  rowColumns: [
    { name: 'start_time_unix_nano', type: 'bigint', value: (s) => s.startTimeUnixNano.toString() },
    { name: 'end_time_unix_nano', type: 'bigint', value: (s) => s.endTimeUnixNano.toString() },
    { name: 'trace_id', type: 'text', value: (s) => s.traceId },
    { name: 'span_id', type: 'text', value: (s) => s.spanId },
    { name: 'parent_span_id', type: 'text', value: (s) => (s.parentSpanId === '' ? null : s.parentSpanId) },
    { name: 'trace_state', type: 'text', value: (s) => s.traceState },
    { name: 'flags', type: 'bigint', value: (s) => s.flags },
    { name: 'name', type: 'text', value: (s) => s.name },
    { name: 'kind', type: 'text', value: (s) => SPAN_KIND_NAMES[s.kind] ?? String(s.kind) },
    { name: 'status_code', type: 'text', value: (s) => STATUS_CODE_NAMES[s.status.code] ?? String(s.status.code) },
    { name: 'status_message', type: 'text', value: (s) => s.status.message },
    { name: 'attributes', type: 'jsonb', value: (s) => attributesJson(s.attributes) },
    { name: 'dropped_attributes_count', type: 'integer', value: (s) => s.droppedAttributesCount },
    { name: 'events', type: 'jsonb', value: (s) => eventsJson(s.events) },
    { name: 'dropped_events_count', type: 'integer', value: (s) => s.droppedEventsCount },
    { name: 'links', type: 'jsonb', value: (s) => linksJson(s.links) },
    { name: 'dropped_links_count', type: 'integer', value: (s) => s.droppedLinksCount },
  ],
  contextColumns: [
    { name: 'service_name', type: 'text', value: (s) => serviceName(s.resource) },
    { name: 'resource_attributes', type: 'jsonb', value: (s) => cachedJson(s.resource) },
    { name: 'scope_name', type: 'text', value: (s) => s.scope.name },
    { name: 'scope_version', type: 'text', value: (s) => s.scope.version },
    { name: 'scope_attributes', type: 'jsonb', value: (s) => cachedJson(s.scope) },
  ],
  contextOf: (s) => [s.resource, s.scope],
  computed: [
    ['time', nsToTimestamptz('u.start_time_unix_nano')],
    ['end_time', nsToTimestamptz('u.end_time_unix_nano')],
    ['duration_ns', 'u.end_time_unix_nano - u.start_time_unix_nano'],
  ],
};

function eventsJson(events: readonly SpanEvent[]): string {
  let out = '[';
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as SpanEvent;
    out +=
      (i > 0 ? ',' : '') +
      `{"time_unix_nano":${e.timeUnixNano.toString()},"name":${jsonString(e.name)},` +
      `"attributes":${attributesJson(e.attributes)},"dropped_attributes_count":${e.droppedAttributesCount}}`;
  }
  return `${out}]`;
}

function linksJson(links: readonly SpanLink[]): string {
  let out = '[';
  for (let i = 0; i < links.length; i++) {
    const l = links[i] as SpanLink;
    out +=
      (i > 0 ? ',' : '') +
      `{"trace_id":${jsonString(l.traceId)},"span_id":${jsonString(l.spanId)},"trace_state":${jsonString(l.traceState)},` +
      `"flags":${l.flags},"attributes":${attributesJson(l.attributes)},"dropped_attributes_count":${l.droppedAttributesCount}}`;
  }
  return `${out}]`;
}
