/**
 * The label sets of every series a point produces, built once and cached: per resource, scope and metric
 * descriptor (shared by reference in the model, so WeakMaps), and per series content (so the cache also holds
 * across requests, whose decoded objects are new each time): a tree per family with one level per attribute,
 * keyed by attribute name then raw value, so a point costs two map lookups per attribute and builds no string.
 */
import { type Attributes, type InstrumentationScope, type MetricDescriptor, type Resource, attributeToString } from '../../../../src/model/index.js';
import type { PrometheusConfig } from '../../../../src/adapters/prometheus/config.js';
import { type EncodedLabels, type Label, LabelSetBuilder, attributesKey, encodeLabels, withLabel } from './labels.js';
import { prometheusMetricName } from '../../../../src/adapters/prometheus/names.js';
import { formatFloat } from '../../../../src/adapters/prometheus/values.js';

const SERVICE_KEYS: ReadonlySet<string> = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** One series family: the labels of a point, and the derived sets (`_sum`, `le=…`) made on first use. */
export class SeriesLabels {
  private derived: Map<string, EncodedLabels> | undefined;
  /** The main series: __name__ = the metric name. */
  readonly main: EncodedLabels;

  constructor(
    /** Canonical identity (name + sorted labels): the delta state and request grouping key. */
    readonly key: string,
    /** Sorted, without __name__. */
    readonly base: readonly Label[],
    readonly name: string,
  ) {
    this.main = encodeLabels(withLabel(base, '__name__', name));
  }

  private lastBounds: readonly number[] | undefined;
  private lastBuckets: EncodedLabels[] | undefined;

  /** The `_bucket` label sets for these bounds plus `+Inf`; points of one histogram share bounds, so the last set is kept. */
  buckets(bounds: readonly number[]): EncodedLabels[] {
    const last = this.lastBounds;
    if (last !== undefined && this.lastBuckets !== undefined && last.length === bounds.length) {
      let same = true;
      for (let i = 0; i < bounds.length; i++)
        if (last[i] !== bounds[i]) {
          same = false;
          break;
        }
      if (same) return this.lastBuckets;
    }
    const sets = bounds.map((bound) => this.named('_bucket', 'le', formatFloat(bound)));
    sets.push(this.named('_bucket', 'le', '+Inf'));
    this.lastBounds = bounds;
    this.lastBuckets = sets;
    return sets;
  }

  /** `name_suffix`, optionally with one extra label (`le`, `quantile`). */
  named(suffix: string, extraName?: string, extraValue?: string): EncodedLabels {
    const key = extraName === undefined ? suffix : `${suffix}\u0000${extraName}\u0000${extraValue}`;
    this.derived ??= new Map();
    let labels = this.derived.get(key);
    if (labels === undefined) {
      let set = withLabel(this.base, '__name__', this.name + suffix);
      if (extraName !== undefined) set = withLabel(set, extraName, extraValue!);
      labels = encodeLabels(set);
      this.derived.set(key, labels);
    }
    return labels;
  }
}

interface ResourceInfo {
  readonly key: string;
  /** Copied onto every series: resource constant labels, then job and instance (which win). */
  readonly constant: Attributes;
  readonly job: string;
  readonly instance: string;
  /** Sorted labels of the resource's target_info series, or undefined when it has nothing to say. */
  readonly targetInfo: EncodedLabels | undefined;
  /** target_info's identity, to send it once per request however many resource objects share it. */
  readonly targetKey: string;
}

/**
 * One attribute-prefix of a family's series: the series whose attributes end here, and the next attribute by
 * name, then by value (strings, numbers, booleans and bigints as they are; arrays, maps and bytes by their
 * label text). Two values with the same label text may get two nodes; both lead to the same SeriesLabels.
 */
interface ContentNode {
  series: SeriesLabels | undefined;
  /** The first attribute name seen after this prefix and its values: the points of a metric share their names. */
  name: string | undefined;
  values: Map<unknown, ContentNode> | undefined;
  /** Values of the other names seen after this prefix. */
  others: Map<string, Map<unknown, ContentNode>> | undefined;
}

/**
 * A bigint attribute value as a content-tree key: the equal number when it is exact (a Map hashes a number
 * in line, a bigint through a call into the runtime: the walk's dearest step when status codes are int64).
 * Safe: a number key of the same value has the same label text (String(200n) === String(200)).
 */
function bigintKey(value: bigint): number | bigint {
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

const newNode = (): ContentNode => ({ series: undefined, name: undefined, values: undefined, others: undefined });

/** The values map of `name` after `node`, made on first use. */
function valuesAfter(node: ContentNode, name: string): Map<unknown, ContentNode> {
  if (node.name === undefined) {
    node.name = name;
    return (node.values = new Map());
  }
  let values = node.others?.get(name);
  if (values === undefined) {
    node.others ??= new Map();
    node.others.set(name, (values = new Map()));
  }
  return values;
}

interface FamilyInfo {
  /** The model objects it was found for (the fast paths: a descriptor's points share one resource and scope). */
  readonly metric: MetricDescriptor;
  readonly metricResource: Resource;
  readonly key: string;
  /** The root of the family's content tree (families are per batch; the tree is kept across batches). */
  readonly content: ContentNode;
  readonly resource: ResourceInfo;
  readonly scope: InstrumentationScope;
  readonly name: string;
}

/** Kept across requests; cleared whole when it grows past this (between batches, never during one). */
const MAX_CACHED_SERIES = 200_000;

export class SeriesCatalog {
  private readonly resources = new WeakMap<Resource, ResourceInfo>();
  /** The family of a descriptor's first point; the others (one descriptor under several resources or scopes) below. */
  private families = new WeakMap<MetricDescriptor, FamilyInfo>();
  private otherFamilies = new WeakMap<MetricDescriptor, WeakMap<Resource, WeakMap<InstrumentationScope, FamilyInfo>>>();
  private lastFamily: FamilyInfo | undefined;
  private lastResource: Resource | undefined;
  private lastResourceInfo: ResourceInfo | undefined;
  private byContent = new Map<string, ContentNode>();
  private contentSeries = 0;
  private byIdentity = new Map<string, SeriesLabels>();
  private readonly withSuffixes: boolean;
  private readonly constantKeys: ReadonlySet<string> | undefined;

  constructor(private readonly translation: PrometheusConfig['translation']) {
    this.withSuffixes = translation.add_metric_suffixes ?? translation.translation_strategy === 'UnderscoreEscapingWithSuffixes';
    this.constantKeys = translation.resource_constant_labels.length > 0 ? new Set(translation.resource_constant_labels) : undefined;
  }

  /** Call between batches: keeps memory bounded without breaking identities inside a batch. */
  trim(): void {
    if (this.contentSeries > MAX_CACHED_SERIES) {
      this.byContent = new Map();
      this.contentSeries = 0;
      this.byIdentity = new Map();
      this.families = new WeakMap(); // they point into the old trees
      this.otherFamilies = new WeakMap();
      this.lastFamily = undefined;
    }
  }

  metricName(metric: MetricDescriptor): string {
    return prometheusMetricName(metric, this.withSuffixes);
  }

  /** The series of one point; `name` is the metric's Prometheus name (empty when it has no valid characters). */
  series(metric: MetricDescriptor, resource: Resource, scope: InstrumentationScope, attributes: Attributes): SeriesLabels | undefined {
    const family = this.family(metric, resource, scope);
    if (family.name === '') return undefined;
    let node = family.content;
    for (const name in attributes) {
      const value = attributes[name]!;
      const key = typeof value === 'object' ? attributeToString(value) : typeof value === 'bigint' ? bigintKey(value) : value;
      const byValue = node.name === name ? node.values! : valuesAfter(node, name);
      let child = byValue.get(key);
      if (child === undefined) byValue.set(key, (child = newNode()));
      node = child;
    }
    if (node.series === undefined) {
      node.series = this.build(family, attributes);
      this.contentSeries++;
    }
    return node.series;
  }

  resourceInfo(resource: Resource): ResourceInfo {
    if (resource === this.lastResource) return this.lastResourceInfo!;
    let info = this.resources.get(resource);
    if (info === undefined) {
      info = this.describeResource(resource);
      this.resources.set(resource, info);
    }
    this.lastResource = resource;
    this.lastResourceInfo = info;
    return info;
  }

  private family(metric: MetricDescriptor, resource: Resource, scope: InstrumentationScope): FamilyInfo {
    const last = this.lastFamily;
    // A metric's points come one after another in decoded OTLP: most points find the family of the one before.
    if (last !== undefined && last.metric === metric && last.metricResource === resource && last.scope === scope) return last;
    const family = this.findFamily(metric, resource, scope);
    this.lastFamily = family;
    return family;
  }

  private findFamily(metric: MetricDescriptor, resource: Resource, scope: InstrumentationScope): FamilyInfo {
    const first = this.families.get(metric);
    if (first !== undefined && first.metricResource === resource && first.scope === scope) return first;
    let byResource = this.otherFamilies.get(metric);
    if (byResource === undefined) this.otherFamilies.set(metric, (byResource = new WeakMap()));
    let byScope = byResource.get(resource);
    if (byScope === undefined) byResource.set(resource, (byScope = new WeakMap()));
    let family = byScope.get(scope);
    if (family === undefined) {
      const info = this.resourceInfo(resource);
      const name = this.metricName(metric);
      const key = `${name}\u0002${info.key}\u0002${scope.name}\u0000${scope.version}\u0002`;
      let content = this.byContent.get(key);
      if (content === undefined) this.byContent.set(key, (content = newNode()));
      family = { metric, metricResource: resource, key, content, resource: info, scope, name };
      byScope.set(scope, family);
    }
    if (first === undefined) this.families.set(metric, family);
    return family;
  }

  private build(family: FamilyInfo, attributes: Attributes): SeriesLabels {
    const builder = new LabelSetBuilder();
    builder.addAttributes(family.resource.constant);
    builder.addAttributes(attributes);
    builder.set('job', family.resource.job).set('instance', family.resource.instance);
    if (this.translation.scope_labels) {
      builder.set('otel_scope_name', family.scope.name).set('otel_scope_version', family.scope.version);
    }
    const base = builder.build();
    let identity = family.name;
    for (const label of base) identity += `\u0000${label.name}\u0000${label.value}`;
    let series = this.byIdentity.get(identity);
    if (series === undefined) {
      series = new SeriesLabels(identity, base, family.name);
      this.byIdentity.set(identity, series);
    }
    return series;
  }

  private describeResource(resource: Resource): ResourceInfo {
    const attributes = resource.attributes;
    const text = (key: string): string => (attributes[key] == null ? '' : attributeToString(attributes[key]!));
    const serviceName = text('service.name');
    const namespace = text('service.namespace');
    const job = serviceName === '' ? '' : namespace === '' ? serviceName : `${namespace}/${serviceName}`;
    const instance = text('service.instance.id');

    const constant: Attributes = {};
    const conversion = this.translation.resource_to_telemetry_conversion;
    for (const key of Object.keys(attributes)) {
      const copyAll = conversion.enabled && !(conversion.exclude_service_attributes && SERVICE_KEYS.has(key));
      if (copyAll || this.constantKeys?.has(key)) constant[key] = attributes[key]!;
    }

    let targetInfo: Label[] | undefined;
    if (this.translation.target_info.enabled && Object.keys(attributes).some((key) => !SERVICE_KEYS.has(key))) {
      targetInfo = new LabelSetBuilder()
        .addAttributes(attributes, SERVICE_KEYS)
        .set('job', job)
        .set('instance', instance)
        .set('__name__', 'target_info')
        .build();
    }
    const key = `${job}\u0000${instance}\u0000${attributesKey(constant)}`;
    const targetKey = targetInfo === undefined ? '' : targetInfo.map((label) => `${label.name}\u0000${label.value}`).join('\u0000');
    return { key, constant, job, instance, targetInfo: targetInfo && encodeLabels(targetInfo), targetKey };
  }
}
