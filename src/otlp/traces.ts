/** ExportTraceServiceRequest (decoded by either encoding) to model spans, validating span by span. */
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanKind, SpanLink, StatusCode } from '../model/index.js';
import { DecodeContext, EMPTY_LIST } from './context.js';
import type { EventMsg, Id, LinkMsg, SpanMsg, TraceRequestMsg } from './messages.js';
import { INT64_MAX, idHex, idProblem, optionalIdHex, toBigInt } from './scalars.js';

const UNSET_STATUS = Object.freeze({ code: 0 as StatusCode, message: '' });

/**
 * Spans of one trace usually arrive next to each other: reuse the previous trace id's hex string when the
 * bytes repeat (a 16-byte compare is cheaper than a hex conversion, and the batch holds one string, not N).
 */
interface TraceIdMemo {
  bytes: Id | undefined;
  hex: string;
}

function traceIdHex(id: Id, memo: TraceIdMemo): string {
  const prev = memo.bytes;
  if (prev !== undefined && typeof id !== 'string' && typeof prev !== 'string' && id.length === 16 && prev.length === 16) {
    let i = 0;
    while (i < 16 && id[i] === prev[i]) i++;
    if (i === 16) return memo.hex;
  }
  memo.bytes = id;
  return (memo.hex = idHex(id));
}

export function spansFromRequest(req: TraceRequestMsg, ctx: DecodeContext): Span[] {
  const out: Span[] = [];
  const memo: TraceIdMemo = { bytes: undefined, hex: '' };
  for (const rs of req.resourceSpans) {
    const resource = ctx.resource(rs.resource, rs.schemaUrl);
    for (const ss of rs.scopeSpans) {
      const scope = ctx.scope(ss.scope, ss.schemaUrl);
      const spans = ss.spans;
      for (let i = 0; i < spans.length; i++) {
        const span = toSpan(spans[i] as SpanMsg, resource, scope, i, ctx, memo);
        if (span !== undefined) out.push(span);
      }
    }
  }
  return out;
}

function toSpan(
  m: SpanMsg,
  resource: Resource,
  scope: InstrumentationScope,
  index: number,
  ctx: DecodeContext,
  memo: TraceIdMemo,
): Span | undefined {
  const traceId = traceIdHex(m.traceId, memo);
  const spanId = idHex(m.spanId);
  let parentSpanId = idHex(m.parentSpanId);
  const start = toBigInt(m.startTimeUnixNano);
  const end = toBigInt(m.endTimeUnixNano);
  let problem = idProblem('trace_id', traceId, 16) || idProblem('span_id', spanId, 8);
  if (problem === '' && parentSpanId !== '') {
    const parentProblem = idProblem('parent_span_id', parentSpanId, 8);
    // An all-zero parent is how some senders spell "no parent".
    if (parentProblem.endsWith('all zero')) parentSpanId = '';
    else problem = parentProblem;
  }
  if (problem === '') problem = timeProblem(start, end);
  if (problem !== '') {
    ctx.reject(1, `span ${index} of scope "${scope.name}": ${problem}`);
    return undefined;
  }
  const attributes = ctx.attributes(m.attributes);
  const droppedAttributesCount = m.droppedAttributesCount + ctx.lastDropped;
  const status = m.status;
  return {
    resource,
    scope,
    traceId,
    spanId,
    parentSpanId,
    traceState: m.traceState,
    flags: m.flags,
    name: m.name,
    kind: (m.kind >= 0 && m.kind <= 5 ? m.kind : 0) as SpanKind,
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    droppedAttributesCount,
    events: m.events.length === 0 ? EMPTY_LIST : toEvents(m.events, ctx),
    droppedEventsCount: m.droppedEventsCount,
    links: m.links.length === 0 ? EMPTY_LIST : toLinks(m.links, ctx),
    droppedLinksCount: m.droppedLinksCount,
    status:
      status == null || (status.code === 0 && status.message === '')
        ? UNSET_STATUS
        : { code: (status.code >= 0 && status.code <= 2 ? status.code : 0) as StatusCode, message: status.message },
  };
}

function timeProblem(start: bigint, end: bigint): string {
  if (start === 0n) return 'start_time_unix_nano is 0';
  if (start > INT64_MAX) return `start_time_unix_nano ${start} is beyond int64 nanoseconds (year 2262)`;
  if (end > INT64_MAX) return `end_time_unix_nano ${end} is beyond int64 nanoseconds (year 2262)`;
  if (end < start) return `end_time_unix_nano ${end} is before start_time_unix_nano ${start}`;
  return '';
}

function toEvents(events: EventMsg[], ctx: DecodeContext): SpanEvent[] {
  const out: SpanEvent[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) {
    const e = events[i] as EventMsg;
    const attributes = ctx.attributes(e.attributes);
    out[i] = {
      timeUnixNano: toBigInt(e.timeUnixNano),
      name: e.name,
      attributes,
      droppedAttributesCount: e.droppedAttributesCount + ctx.lastDropped,
    };
  }
  return out;
}

function toLinks(links: LinkMsg[], ctx: DecodeContext): SpanLink[] {
  const out: SpanLink[] = new Array(links.length);
  for (let i = 0; i < links.length; i++) {
    const l = links[i] as LinkMsg;
    const attributes = ctx.attributes(l.attributes);
    out[i] = {
      traceId: optionalIdHex(l.traceId),
      spanId: optionalIdHex(l.spanId),
      traceState: l.traceState,
      attributes,
      droppedAttributesCount: l.droppedAttributesCount + ctx.lastDropped,
      flags: l.flags,
    };
  }
  return out;
}
