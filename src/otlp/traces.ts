/** ExportTraceServiceRequest (decoded by either encoding) to model spans, validating span by span. */
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanKind, SpanLink, StatusCode } from '../model/index.js';
import { type DecodeContext, EMPTY_LIST } from './context.js';
import type { EventMsg, Id, LinkMsg, SpanMsg, TraceRequestMsg } from './messages.js';
import { INT64_MAX, idHex, idProblem, optionalIdHex, toBigInt } from './scalars.js';

export const UNSET_STATUS = Object.freeze({ code: 0 as StatusCode, message: '' });

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

function toSpan(m: SpanMsg, resource: Resource, scope: InstrumentationScope, index: number, ctx: DecodeContext, memo: TraceIdMemo): Span | undefined {
  const traceId = traceIdHex(m.traceId, memo);
  const spanId = idHex(m.spanId);
  const parentSpanId = rootParent(idHex(m.parentSpanId));
  const start = toBigInt(m.startTimeUnixNano);
  const end = toBigInt(m.endTimeUnixNano);
  const problem = spanProblem(traceId, spanId, parentSpanId, start, end);
  if (problem !== '') {
    ctx.reject(1, spanRejection(index, scope, problem));
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
    kind: spanKind(m.kind),
    startTimeUnixNano: start,
    endTimeUnixNano: end,
    attributes,
    droppedAttributesCount,
    events: m.events.length === 0 ? EMPTY_LIST : toEvents(m.events, ctx),
    droppedEventsCount: m.droppedEventsCount,
    links: m.links.length === 0 ? EMPTY_LIST : toLinks(m.links, ctx),
    droppedLinksCount: m.droppedLinksCount,
    status: status == null ? UNSET_STATUS : spanStatus(status.code, status.message),
  };
}

/** An all-zero parent is how some senders spell "no parent". */
export function rootParent(parentSpanIdHex: string): string {
  return parentSpanIdHex.length === 16 && parentSpanIdHex === '0000000000000000' ? '' : parentSpanIdHex;
}

/** Why a span is rejected ('' when it is fine); the parent id has been through rootParent(). */
export function spanProblem(traceId: string, spanId: string, parentSpanId: string, start: bigint, end: bigint): string {
  let problem = idProblem('trace_id', traceId, 16) || idProblem('span_id', spanId, 8);
  if (problem === '' && parentSpanId !== '') problem = idProblem('parent_span_id', parentSpanId, 8);
  if (problem === '') problem = timeProblem(start, end);
  return problem;
}

export function spanRejection(index: number, scope: InstrumentationScope, problem: string): string {
  return `span ${index} of scope "${scope.name}": ${problem}`;
}

export function spanKind(kind: number): SpanKind {
  return (kind >= 0 && kind <= 5 ? kind : 0) as SpanKind;
}

export function spanStatus(code: number, message: string): Span['status'] {
  if (code === 0 && message === '') return UNSET_STATUS;
  return { code: (code >= 0 && code <= 2 ? code : 0) as StatusCode, message };
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
