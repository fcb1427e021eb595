/**
 * Rows of the wide tables (migrations 0001-0004) back into model points and spans, for the upgrade to the series
 * layout (upgrade.ts). Each wide metric row carries its series_id (series.ts), a hash over the typed identity: the
 * attributes are parsed (wide-json.ts) and their readings tried until that hash comes out, so the series layout's
 * ids computed from them are the ones the gateway computes when the same sender writes again.
 */
import type {
  Attributes,
  Exemplar,
  InstrumentationScope,
  MetricDescriptor,
  MetricPoint,
  MetricType,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  Temporality,
} from '../../model/index.js';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from '../../model/index.js';
import { canonicalAttributes, seriesId } from './series.js';
import { type Slot, parseAttributes, parseJson, resolveSlots } from './wide-json.js';

/** The columns every wide metric table has, as the SELECT in upgrade.ts names them. */
export interface WideMetricRow {
  readonly series_id: string;
  readonly t: string;
  readonly st: string;
  readonly metric_name: string;
  readonly metric_type?: string;
  readonly metric_unit: string;
  readonly metric_description: string;
  readonly temporality?: string;
  readonly monotonic?: boolean;
  readonly a: string;
  readonly ra: string;
  readonly scope_name: string;
  readonly scope_version: string;
  readonly sa: string;
  readonly flags: string;
  readonly ex?: string | null;
  readonly [column: string]: unknown;
}

interface Identity {
  readonly metric: MetricDescriptor;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  readonly attributes: Attributes;
}

/** Bounded caches: rows come ordered by series, so a small one hits nearly always. */
const MAX_CACHED = 50_000;

export class WideRows {
  /** Series whose wide series_id no reading of the attributes reproduced (their likely reading is used). */
  unverified = 0;
  private readonly identities = new Map<string, Identity>();
  private readonly resources = new Map<string, Resource>();
  private readonly scopes = new Map<string, InstrumentationScope>();
  private readonly descriptors = new Map<string, MetricDescriptor>();
  /** Resource and scope jsonb text → the reading proven by a metric row, for spans (which carry no hash). */
  private readonly provenResources = new Map<string, Resource>();
  private readonly provenScopes = new Map<string, InstrumentationScope>();

  constructor(private readonly onUnverified: (row: WideMetricRow) => void) {}

  /** The shared part of a metric row as a point, `type` given by its table (number rows say it themselves). */
  point(row: WideMetricRow, type: MetricType): Omit<MetricPoint, 'type'> & { readonly type: MetricType } {
    const identity = this.identity(row, type);
    return {
      ...identity,
      type,
      timeUnixNano: BigInt(row.t),
      startTimeUnixNano: BigInt(row.st),
      flags: Number(row.flags),
      exemplars: row.ex ? exemplars(row.ex) : [],
    };
  }

  span(row: Record<string, unknown>): Span {
    const text = (c: string) => row[c] as string;
    const resourceText = text('ra');
    const scopeKey = `${text('scope_name')}\u0000${text('scope_version')}\u0000${text('sa')}`;
    return {
      resource: this.provenResources.get(resourceText) ?? this.resource(parseAttributes(resourceText)),
      scope: this.provenScopes.get(scopeKey) ?? this.scope(text('scope_name'), text('scope_version'), parseAttributes(text('sa'))),
      traceId: text('trace_id'),
      spanId: text('span_id'),
      parentSpanId: (row.parent_span_id as string | null) ?? '',
      traceState: text('trace_state'),
      flags: Number(row.flags),
      name: text('name'),
      kind: code(SPAN_KIND_NAMES, text('kind')) as Span['kind'],
      startTimeUnixNano: BigInt(text('st')),
      endTimeUnixNano: BigInt(text('et')),
      attributes: parseAttributes(text('a')),
      droppedAttributesCount: row.dropped_attributes_count as number,
      events: (parseJson(text('events')) as unknown as Record<string, unknown>[]).map(
        (e): SpanEvent => ({
          timeUnixNano: e.time_unix_nano as bigint,
          name: e.name as string,
          attributes: e.attributes as Attributes,
          droppedAttributesCount: Number(e.dropped_attributes_count),
        }),
      ),
      droppedEventsCount: row.dropped_events_count as number,
      links: (parseJson(text('links')) as unknown as Record<string, unknown>[]).map(
        (l): SpanLink => ({
          traceId: l.trace_id as string,
          spanId: l.span_id as string,
          traceState: l.trace_state as string,
          flags: Number(l.flags),
          attributes: l.attributes as Attributes,
          droppedAttributesCount: Number(l.dropped_attributes_count),
        }),
      ),
      droppedLinksCount: row.dropped_links_count as number,
      status: { code: code(STATUS_CODE_NAMES, text('status_code')) as Span['status']['code'], message: text('status_message') },
    };
  }

  private identity(row: WideMetricRow, type: MetricType): Identity {
    const known = this.identities.get(row.series_id);
    if (known) return known;
    if (this.identities.size >= MAX_CACHED) this.clear();
    const metric = this.descriptor({
      name: row.metric_name,
      description: row.metric_description,
      unit: row.metric_unit,
      type,
      temporality: (row.temporality ?? 'unspecified') as Temporality,
      monotonic: row.monotonic ?? false,
      metadata: {},
    });
    const slots: Slot[] = [];
    const resourceAttributes = parseAttributes(row.ra, slots);
    const scopeAttributes = parseAttributes(row.sa, slots);
    const attributes = parseAttributes(row.a, slots);
    // A fresh resource and scope per try: series.ts caches hash states by object.
    const proven = resolveSlots(
      slots,
      () =>
        seriesId({
          metric,
          resource: { attributes: resourceAttributes, droppedAttributesCount: 0, schemaUrl: '' },
          scope: { name: row.scope_name, version: row.scope_version, attributes: scopeAttributes, droppedAttributesCount: 0, schemaUrl: '' },
          attributes,
        } as MetricPoint) === row.series_id,
    );
    const identity: Identity = {
      metric,
      resource: this.resource(resourceAttributes),
      scope: this.scope(row.scope_name, row.scope_version, scopeAttributes),
      attributes,
    };
    if (proven) {
      this.provenResources.set(row.ra, identity.resource);
      this.provenScopes.set(`${row.scope_name}\u0000${row.scope_version}\u0000${row.sa}`, identity.scope);
    } else {
      this.unverified++;
      this.onUnverified(row);
    }
    this.identities.set(row.series_id, identity);
    return identity;
  }

  /** One object per distinct resource, as a decoder shares them: the series writer caches by object. */
  private resource(attributes: Attributes): Resource {
    const key = canonicalAttributes(attributes);
    let resource = this.resources.get(key);
    if (!resource) this.resources.set(key, (resource = { attributes, droppedAttributesCount: 0, schemaUrl: '' }));
    return resource;
  }

  private scope(name: string, version: string, attributes: Attributes): InstrumentationScope {
    const key = `${name}\u0000${version}\u0000${canonicalAttributes(attributes)}`;
    let scope = this.scopes.get(key);
    if (!scope) this.scopes.set(key, (scope = { name, version, attributes, droppedAttributesCount: 0, schemaUrl: '' }));
    return scope;
  }

  private descriptor(metric: MetricDescriptor): MetricDescriptor {
    const key = JSON.stringify(metric);
    let known = this.descriptors.get(key);
    if (!known) this.descriptors.set(key, (known = metric));
    return known;
  }

  private clear(): void {
    for (const map of [this.identities, this.resources, this.scopes, this.descriptors, this.provenResources, this.provenScopes]) map.clear();
  }
}

function exemplars(text: string): Exemplar[] {
  return (parseJson(text) as unknown as Record<string, unknown>[]).map((e) => ({
    filteredAttributes: e.filtered_attributes as Attributes,
    timeUnixNano: e.time_unix_nano as bigint,
    value: e.value as number | bigint,
    traceId: e.trace_id as string,
    spanId: e.span_id as string,
  }));
}

/** A kind or status name back to its OTLP number (unknown numbers were stored as their digits). */
function code(names: readonly string[], name: string): number {
  const i = names.indexOf(name);
  return i >= 0 ? i : Number(name);
}
