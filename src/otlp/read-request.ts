/**
 * The container walk both purpose-written readers share: Export*ServiceRequest → Resource* → Scope* → item*
 * (spans or metrics). Each resource and scope is read once and handed, shared by reference, to every item
 * under it; the items themselves are the caller's (read-traces.ts, read-metrics.ts).
 */
import { EMPTY_ATTRIBUTES, type InstrumentationScope, type Resource } from '../model/index.js';
import { type DecodeContext, newResource, newScope } from './context.js';
import { V_RESOURCE, V_SCOPE, readResource, readScope } from './read-common.js';
import { type VType, type WireReader, fieldMask, validateRange, within } from './wire.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
/** ExportTraceServiceRequest, ExportMetricsServiceRequest */
const enum RequestTag {
  ResourceItems_LEN = 0x0a, // ExportTraceServiceRequest.resourceSpans, ExportMetricsServiceRequest.resourceMetrics
}
/** ResourceSpans, ScopeSpans, ResourceMetrics, ScopeMetrics: a header message, the items, the schema URL */
const enum ContainerTag {
  Header_LEN = 0x0a, // ResourceSpans.resource, ScopeSpans.scope, ResourceMetrics.resource, ScopeMetrics.scope
  Items_LEN = 0x12, // ResourceSpans.scopeSpans, ScopeSpans.spans, ResourceMetrics.scopeMetrics, ScopeMetrics.metrics
  SchemaUrl_LEN = 0x1a, // ResourceSpans.schemaUrl, ScopeSpans.schemaUrl, ResourceMetrics.schemaUrl, ScopeMetrics.schemaUrl
}
// ---- end of generated field tags ----

const REQUEST_FIELDS = fieldMask(1);
const CONTAINER_FIELDS = fieldMask(1, 2, 3);

/** The message names of one signal, for error paths ("ResourceSpans > ScopeSpans > Span: …"). */
export interface RequestShape {
  readonly request: string;
  readonly resource: string;
  readonly scope: string;
}

/** Reads one item: the reader is at its first byte, `end` is past its last; `index` counts within its scope. */
export type ItemReader = (end: number, depth: number, resource: Resource, scope: InstrumentationScope, index: number) => void;

export function walkRequest(r: WireReader, ctx: DecodeContext, shape: RequestShape, item: ItemReader): void {
  const header = new Header();
  const end = r.buf.length;
  try {
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === RequestTag.ResourceItems_LEN) {
        const e = r.lenEnd(end);
        walkResource(r, ctx, header, shape, item, e, 1);
        r.pos = e;
      } else r.other(tag, end, 0, REQUEST_FIELDS);
    }
  } catch (err) {
    throw within(err, shape.request);
  }
}

function walkResource(r: WireReader, ctx: DecodeContext, h: Header, shape: RequestShape, item: ItemReader, end: number, depth: number): void {
  const start = r.pos;
  try {
    // Field order on the wire is free: find the resource (field 1) first, then walk the scopes (field 2).
    h.scan(r, end, depth, V_RESOURCE);
    let resource: Resource;
    if (h.start >= 0) {
      r.pos = h.start;
      resource = readResource(r, ctx, h.end, depth + 1, h.schemaUrl);
    } else resource = newResource(EMPTY_ATTRIBUTES, 0, h.schemaUrl);
    r.pos = start;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === ContainerTag.Items_LEN) {
        const e = r.lenEnd(end);
        walkScope(r, ctx, h, shape, item, e, depth + 1, resource);
        r.pos = e;
      } else r.skip(tag, end, depth);
    }
  } catch (err) {
    throw within(err, shape.resource);
  }
}

function walkScope(r: WireReader, ctx: DecodeContext, h: Header, shape: RequestShape, item: ItemReader, end: number, depth: number, resource: Resource): void {
  const start = r.pos;
  try {
    h.scan(r, end, depth, V_SCOPE);
    let scope: InstrumentationScope;
    if (h.start >= 0) {
      r.pos = h.start;
      scope = readScope(r, ctx, h.end, depth + 1, h.schemaUrl);
    } else scope = newScope('', '', EMPTY_ATTRIBUTES, 0, h.schemaUrl);
    r.pos = start;
    let index = 0;
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === ContainerTag.Items_LEN) {
        const e = r.lenEnd(end);
        item(e, depth + 1, resource, scope, index++);
        r.pos = e;
      } else r.skip(tag, end, depth);
    }
  } catch (err) {
    throw within(err, shape.scope);
  }
}

/**
 * A container's (ResourceSpans / ScopeSpans / ResourceMetrics / ScopeMetrics) header: its field 1 message
 * (the last one sent wins; earlier ones must still decode) and its field 3 schema_url, which the encoders
 * write after the items. Skips everything else; r.pos is left at end.
 */
class Header {
  start = -1;
  end = -1;
  schemaUrl = '';

  scan(r: WireReader, end: number, depth: number, headerType: VType): void {
    this.start = -1;
    this.end = -1;
    this.schemaUrl = '';
    while (r.pos < end) {
      const tag = r.uint32(end);
      if (tag === ContainerTag.Items_LEN) r.pos = r.lenEnd(end);
      else if (tag === ContainerTag.Header_LEN) {
        const e = r.lenEnd(end);
        if (this.start >= 0) validateRange(r, headerType, this.start, this.end, depth + 1);
        this.start = r.pos;
        this.end = e;
        r.pos = e;
      } else if (tag === ContainerTag.SchemaUrl_LEN) this.schemaUrl = r.string(end);
      else r.other(tag, end, depth, CONTAINER_FIELDS);
    }
  }
}
