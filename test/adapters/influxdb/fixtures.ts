/** Spans for the InfluxDB tests (metric points come from the shared model fixtures in ../prometheus/fixtures.ts). */
import type { Attributes, InstrumentationScope, Resource, Span, SpanEvent, SpanLink } from '../../../src/model/index.js';

export * from '../prometheus/fixtures.js';

let next = 1;
/** A lower-case hex id of `bytes` bytes, unique in this process. */
export function hexId(bytes: number): string {
  return (next++).toString(16).padStart(bytes * 2, '0');
}

export function span(c: {
  resource: Resource;
  scope: InstrumentationScope;
  name: string;
  start: bigint;
  end: bigint;
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  kind?: Span['kind'];
  attributes?: Attributes;
  events?: SpanEvent[];
  links?: SpanLink[];
  status?: Span['status'];
  traceState?: string;
}): Span {
  return {
    resource: c.resource,
    scope: c.scope,
    traceId: c.traceId ?? hexId(16),
    spanId: c.spanId ?? hexId(8),
    parentSpanId: c.parentSpanId ?? '',
    traceState: c.traceState ?? '',
    flags: 1,
    name: c.name,
    kind: c.kind ?? 1,
    startTimeUnixNano: c.start,
    endTimeUnixNano: c.end,
    attributes: c.attributes ?? {},
    droppedAttributesCount: 0,
    events: c.events ?? [],
    droppedEventsCount: 0,
    links: c.links ?? [],
    droppedLinksCount: 0,
    status: c.status ?? { code: 0, message: '' },
  };
}

export function event(name: string, time: bigint, attributes: Attributes = {}): SpanEvent {
  return { name, timeUnixNano: time, attributes, droppedAttributesCount: 0 };
}

export function link(traceId: string, spanId: string, attributes: Attributes = {}, traceState = ''): SpanLink {
  return { traceId, spanId, traceState, attributes, droppedAttributesCount: 0, flags: 0 };
}
