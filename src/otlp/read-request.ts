/**
 * The container walk both purpose-written readers share: Export*ServiceRequest → Resource* → Scope* → item*
 * (spans or metrics). Each resource and scope is read once and handed, shared by reference, to every item
 * under it; the items themselves are the caller's (read-traces.ts, read-metrics.ts).
 */
import { EMPTY_ATTRIBUTES, type InstrumentationScope, type Resource } from '../model/index.js';
import { type DecodeContext, newResource, newScope } from './context.js';
import { RESOURCE_SCHEMA, SCOPE_SCHEMA, readResource, readScope } from './read-common.js';
import { type WireReader, fieldMask, within } from './wire.js';
import { type MessageSchema, validateRange } from './wire-schema.js';

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

export function walkRequest(reader: WireReader, ctx: DecodeContext, shape: RequestShape, item: ItemReader): void {
  const header = new Header();
  const end = reader.buf.length;
  try {
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === RequestTag.ResourceItems_LEN) {
        const fieldEnd = reader.lenEnd(end);
        walkResource(reader, ctx, header, shape, item, fieldEnd, 1);
        reader.pos = fieldEnd;
      } else reader.other(tag, end, 0, REQUEST_FIELDS);
    }
  } catch (err) {
    throw within(err, shape.request);
  }
}

function walkResource(
  reader: WireReader,
  ctx: DecodeContext,
  header: Header,
  shape: RequestShape,
  item: ItemReader,
  end: number,
  depth: number,
): void {
  const start = reader.pos;
  try {
    // Field order on the wire is free: find the resource (field 1) first, then walk the scopes (field 2).
    header.scan(reader, end, depth, RESOURCE_SCHEMA);
    let resource: Resource;
    if (header.start >= 0) {
      reader.pos = header.start;
      resource = readResource(reader, ctx, header.end, depth + 1, header.schemaUrl);
    } else resource = newResource(EMPTY_ATTRIBUTES, 0, header.schemaUrl);
    reader.pos = start;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === ContainerTag.Items_LEN) {
        const fieldEnd = reader.lenEnd(end);
        walkScope(reader, ctx, header, shape, item, fieldEnd, depth + 1, resource);
        reader.pos = fieldEnd;
      } else reader.skip(tag, end, depth);
    }
  } catch (err) {
    throw within(err, shape.resource);
  }
}

function walkScope(
  reader: WireReader,
  ctx: DecodeContext,
  header: Header,
  shape: RequestShape,
  item: ItemReader,
  end: number,
  depth: number,
  resource: Resource,
): void {
  const start = reader.pos;
  try {
    header.scan(reader, end, depth, SCOPE_SCHEMA);
    let scope: InstrumentationScope;
    if (header.start >= 0) {
      reader.pos = header.start;
      scope = readScope(reader, ctx, header.end, depth + 1, header.schemaUrl);
    } else scope = newScope('', '', EMPTY_ATTRIBUTES, 0, header.schemaUrl);
    reader.pos = start;
    let index = 0;
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === ContainerTag.Items_LEN) {
        const fieldEnd = reader.lenEnd(end);
        item(fieldEnd, depth + 1, resource, scope, index++);
        reader.pos = fieldEnd;
      } else reader.skip(tag, end, depth);
    }
  } catch (err) {
    throw within(err, shape.scope);
  }
}

/**
 * A container's (ResourceSpans / ScopeSpans / ResourceMetrics / ScopeMetrics) header: its field 1 message
 * (the last one sent wins; earlier ones must still decode) and its field 3 schema_url, which the encoders
 * write after the items. Skips everything else; reader.pos is left at end.
 */
class Header {
  start = -1;
  end = -1;
  schemaUrl = '';

  scan(reader: WireReader, end: number, depth: number, headerType: MessageSchema): void {
    this.start = -1;
    this.end = -1;
    this.schemaUrl = '';
    while (reader.pos < end) {
      const tag = reader.uint32(end);
      if (tag === ContainerTag.Items_LEN) reader.pos = reader.lenEnd(end);
      else if (tag === ContainerTag.Header_LEN) {
        const fieldEnd = reader.lenEnd(end);
        if (this.start >= 0) validateRange(reader, headerType, this.start, this.end, depth + 1);
        this.start = reader.pos;
        this.end = fieldEnd;
        reader.pos = fieldEnd;
      } else if (tag === ContainerTag.SchemaUrl_LEN) this.schemaUrl = reader.string(end);
      else reader.other(tag, end, depth, CONTAINER_FIELDS);
    }
  }
}
