/**
 * The series of every point, built once and kept compact: a series (`sid`) is its encoded label block in the
 * label arena (label-arena.ts); a point series (`fsid`: the labels of one point, whose histogram or summary
 * may add `_bucket`/`_sum`/`_count`/quantile series) is a row of typed arrays and shared strings. No Label
 * objects, no per-series Map or key string beyond the identity the delta state needs.
 *
 * Finding a point's series: its family (metric descriptor + resource + scope, by object: the model shares
 * them by reference) keeps a Map from attribute-set id (attribute-sets.ts: one lookup per point, the content
 * walk once per decoded attribute object) to fsid. Families and their maps are kept across requests by content.
 */
import {
  type Attributes,
  type InstrumentationScope,
  type MetricDescriptor,
  type Resource,
  type SummaryQuantile,
  attributeToString,
} from '../../model/index.js';
import { AttributeSetIds } from './attribute-sets.js';
import type { PrometheusConfig } from './config.js';
import { LabelArena, NO_BLOCK, grown } from './label-arena.js';
import { type Label, LabelSetBuilder, attributesKey, withLabel } from './labels.js';
import { prometheusMetricName } from './names.js';
import { formatFloat } from './values.js';
import { labelBlockView } from './wire-writer.js';
import { MainLabels, sameBytes } from './main-labels.js';

const SERVICE_KEYS: ReadonlySet<string> = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** A point that has no series (its metric name has no valid characters). */
export const NO_SERIES = -1;

export interface ResourceInfo {
  readonly key: string;
  /** Copied onto every series: resource constant labels, then job and instance (which win). */
  readonly constant: Attributes;
  readonly job: string;
  readonly instance: string;
  /** The sid of the resource's target_info series, or NO_SERIES when it has nothing to say. */
  readonly targetInfo: number;
  /** target_info's identity, to send it once per request however many resource objects share it. */
  readonly targetKey: string;
}

interface FamilyInfo {
  /** The model objects it was found for (the fast paths: a descriptor's points share one resource and scope). */
  readonly metric: MetricDescriptor;
  readonly metricResource: Resource;
  readonly scope: InstrumentationScope;
  readonly resource: ResourceInfo;
  readonly name: string;
  /** Attribute-set id → fsid; shared by every family of the same content, kept across batches. */
  readonly series: Map<number, number>;
}

/** A point series' derived series (histograms, summaries), made on first use. */
interface Derived {
  sum: number;
  count: number;
  /** Every `le`/`quantile` series made so far, by label text: equal labels, one series. */
  readonly byKey: Map<string, number>;
  /** The last bounds and their `_bucket` sids (+Inf last): points of one histogram share bounds. */
  bounds: readonly number[] | undefined;
  buckets: number[];
  /** The last quantiles and their sids. */
  quantiles: number[];
  quantileSeries: number[];
}

/** Kept across requests; cleared whole when it grows past these (between batches, never during one). */
export interface CatalogLimits {
  readonly maxPointSeries: number;
  readonly maxArenaBytes: number;
}
const DEFAULT_LIMITS: CatalogLimits = { maxPointSeries: 200_000, maxArenaBytes: 256 << 20 };

export class SeriesCatalog {
  private resources = new WeakMap<Resource, ResourceInfo>();
  /** The family of a descriptor's first point; the others (one descriptor under several resources or scopes) below. */
  private families = new WeakMap<MetricDescriptor, FamilyInfo>();
  private otherFamilies = new WeakMap<MetricDescriptor, WeakMap<Resource, WeakMap<InstrumentationScope, FamilyInfo>>>();
  private lastFamily: FamilyInfo | undefined;
  private lastResource: Resource | undefined;
  private lastResourceInfo: ResourceInfo | undefined;
  private byContent = new Map<string, Map<number, number>>();
  private byIdentity = new Map<string, number>();
  private targets = new Map<string, number>();
  private derivedKeys = new Map<string, string>();
  /** The one-label blocks composed derived series are made with: `__name__` by metric name, `le`/`quantile` by text. */
  private nameBlocks = new Map<string, number>();
  private extraBlocks = new Map<string, number>();
  private readonly attributeSets = new AttributeSetIds();
  /** Every series' label block. */
  readonly arena = new LabelArena();
  /** Changes whenever the arena is cleared: a sid is only valid with the generation it was found in. */
  generation = 0;

  /** Point series, by fsid. */
  private pointSeries = 0;
  private mainOf = new Int32Array(1024);
  private identityOf: string[] = [];
  private nameOf: string[] = [];
  private derivedOf: (Derived | undefined)[] = [];

  private readonly withSuffixes: boolean;
  private readonly constantKeys: ReadonlySet<string> | undefined;

  constructor(
    private readonly translation: PrometheusConfig['translation'],
    private readonly limits: CatalogLimits = DEFAULT_LIMITS,
  ) {
    this.withSuffixes = translation.add_metric_suffixes ?? translation.translation_strategy === 'UnderscoreEscapingWithSuffixes';
    this.constantKeys = translation.resource_constant_labels.length > 0 ? new Set(translation.resource_constant_labels) : undefined;
  }

  /** Call between batches: keeps memory bounded without breaking identities inside a batch. */
  trim(): void {
    if (this.pointSeries <= this.limits.maxPointSeries && this.arena.bytes <= this.limits.maxArenaBytes) return;
    this.byContent = new Map();
    this.byIdentity = new Map();
    this.targets = new Map();
    this.derivedKeys = new Map();
    this.nameBlocks = new Map();
    this.extraBlocks = new Map();
    this.attributeSets.clear();
    this.arena.clear();
    this.generation++;
    this.pointSeries = 0;
    this.identityOf = [];
    this.nameOf = [];
    this.derivedOf = [];
    // Everything below points at cleared ids.
    this.resources = new WeakMap();
    this.families = new WeakMap();
    this.otherFamilies = new WeakMap();
    this.lastFamily = undefined;
    this.lastResource = undefined;
    this.lastResourceInfo = undefined;
  }

  /** Drops the references to the decoded objects of the part just translated (see attribute-sets.ts). */
  forgetObjects(): void {
    this.attributeSets.forget();
  }

  get size(): { pointSeries: number; series: number; arenaBytes: number } {
    return { pointSeries: this.pointSeries, series: this.arena.size, arenaBytes: this.arena.bytes };
  }

  metricName(metric: MetricDescriptor): string {
    return prometheusMetricName(metric, this.withSuffixes);
  }

  /** The fsid of one point's series, or NO_SERIES when the metric name has no valid characters. */
  series(metric: MetricDescriptor, resource: Resource, scope: InstrumentationScope, attributes: Attributes): number {
    const family = this.family(metric, resource, scope);
    if (family.name === '') return NO_SERIES;
    const set = this.attributeSets.of(attributes);
    let fsid = family.series.get(set);
    if (fsid === undefined) {
      fsid = this.build(family, attributes);
      family.series.set(set, fsid);
    }
    return fsid;
  }

  /** The sid of the point series' own labels (__name__ = the metric name). */
  main(fsid: number): number {
    return this.mainOf[fsid]!;
  }

  /** The Prometheus metric name of the point series' family. */
  familyName(fsid: number): string {
    return this.nameOf[fsid]!;
  }

  /** Canonical identity (name + sorted labels): the delta state's key. */
  identity(fsid: number): string {
    return this.identityOf[fsid]!;
  }

  /** The `_bucket` sids for these bounds plus `+Inf` (a cached array: read it, don't keep it). */
  buckets(fsid: number, bounds: readonly number[]): readonly number[] {
    const derived = this.derived(fsid);
    const last = derived.bounds;
    if (last === bounds) return derived.buckets; // decoded points of one payload share their bounds array
    if (last !== undefined && last.length === bounds.length) {
      let same = true;
      for (let i = 0; i < bounds.length; i++)
        if (last[i] !== bounds[i]) {
          same = false;
          break;
        }
      if (same) return derived.buckets;
    }
    const main = new MainLabels(this, fsid);
    const sids = bounds.map((bound) => this.named(main, derived, '_bucket', 'le', formatFloat(bound)));
    sids.push(this.named(main, derived, '_bucket', 'le', '+Inf'));
    derived.bounds = bounds;
    derived.buckets = sids;
    return sids;
  }

  /** The quantile series' sids, in the order of `quantiles` (a cached array: read it, don't keep it). */
  quantiles(fsid: number, quantiles: readonly SummaryQuantile[]): readonly number[] {
    const derived = this.derived(fsid);
    const last = derived.quantiles;
    if (last.length === quantiles.length) {
      let same = true;
      for (let i = 0; i < quantiles.length; i++)
        if (last[i] !== quantiles[i]!.quantile) {
          same = false;
          break;
        }
      if (same) return derived.quantileSeries;
    }
    const main = new MainLabels(this, fsid);
    derived.quantiles = quantiles.map((one) => one.quantile);
    derived.quantileSeries = quantiles.map((one) => this.named(main, derived, '', 'quantile', formatFloat(one.quantile)));
    return derived.quantileSeries;
  }

  sum(fsid: number): number {
    const derived = this.derived(fsid);
    if (derived.sum === NO_SERIES) derived.sum = this.derive(new MainLabels(this, fsid), '_sum');
    return derived.sum;
  }

  count(fsid: number): number {
    const derived = this.derived(fsid);
    if (derived.count === NO_SERIES) derived.count = this.derive(new MainLabels(this, fsid), '_count');
    return derived.count;
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

  private derived(fsid: number): Derived {
    let derived = this.derivedOf[fsid];
    if (derived === undefined) {
      derived = { sum: NO_SERIES, count: NO_SERIES, byKey: new Map(), bounds: undefined, buckets: [], quantiles: [], quantileSeries: [] };
      this.derivedOf[fsid] = derived;
    }
    return derived;
  }

  /** `name_suffix` with one extra label (`le`, `quantile`): one series per label text. */
  private named(main: MainLabels, derived: Derived, suffix: string, extraName: string, extraValue: string): number {
    const text = [suffix, extraName, extraValue].join('\u0000');
    // One string per distinct key for all series (every histogram of the same bounds has the same keys).
    let key = this.derivedKeys.get(text);
    if (key === undefined) this.derivedKeys.set(text, (key = text));
    let sid = derived.byKey.get(key);
    if (sid === undefined) derived.byKey.set(key, (sid = this.derive(main, suffix, extraName, extraValue)));
    return sid;
  }

  /**
   * A derived series' block, from the main one's labels: withLabel replaces __name__ wherever base had it, so
   * base + (__name__, name + suffix) is main with __name__ replaced. Kept as a composed block (main's pieces, the
   * new `__name__` and the extra label: label-arena.ts) when that gives the very same bytes, which it does
   * unless main already has a label of the extra's name; otherwise as bytes of its own.
   */
  private derive(main: MainLabels, suffix: string, extraName?: string, extraValue?: string): number {
    let set = withLabel(main.labels(), '__name__', main.name + suffix);
    if (extraName !== undefined) set = withLabel(set, extraName, extraValue!);
    const composed = this.compose(main, suffix, extraName, extraValue);
    const block = labelBlockView(set); // after compose(): it writes its one-label blocks with the same writer
    // The check costs a compare per derived series made, once: the composed form can never send other bytes.
    // (A refused composition leaves its row unused: 24 bytes, and it does not happen with the rules above.)
    if (composed !== NO_SERIES && sameBytes(this.arena.view(composed), block)) return composed;
    return this.arena.add(block);
  }

  /** The composed block for main with __name__ = name + suffix and the extra label, or NO_SERIES when it cannot be. */
  private compose(main: MainLabels, suffix: string, extraName?: string, extraValue?: string): number {
    const labels = main.labels();
    const nameAt = labels.findIndex((label) => label.name === '__name__');
    if (nameAt < 0) return NO_SERIES;
    const ends = main.entryEnds();
    const entryStart = (index: number): number => (index === 0 ? 0 : ends[index - 1]!);
    let extra = NO_BLOCK;
    let extraAt = ends[nameAt]!;
    if (extraName !== undefined) {
      // Where withLabel puts it: before the first label whose name sorts at or after it.
      let index = labels.findIndex((label) => label.name >= extraName);
      if (index < 0) index = labels.length;
      else if (labels[index]!.name === extraName) return NO_SERIES; // it replaces one of main's labels
      if (index <= nameAt) return NO_SERIES;
      extraAt = entryStart(index);
      const text = `${extraName}\u0000${extraValue!}`;
      extra = this.extraBlocks.get(text) ?? NO_BLOCK;
      if (extra === NO_BLOCK) {
        extra = this.arena.add(labelBlockView([{ name: extraName, value: extraValue! }]));
        this.extraBlocks.set(text, extra);
      }
    }
    const nameValue = main.name + suffix;
    let name = this.nameBlocks.get(nameValue);
    if (name === undefined) {
      name = this.arena.add(labelBlockView([{ name: '__name__', value: nameValue }]));
      this.nameBlocks.set(nameValue, name);
    }
    return this.arena.compose(main.sid, name, entryStart(nameAt), ends[nameAt]!, extra, extraAt);
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
      let series = this.byContent.get(key);
      if (series === undefined) this.byContent.set(key, (series = new Map()));
      family = { metric, metricResource: resource, scope, resource: info, name, series };
      byScope.set(scope, family);
    }
    if (first === undefined) this.families.set(metric, family);
    return family;
  }

  /** A new point series, or the one with the same labels reached by another attribute set or family. */
  private build(family: FamilyInfo, attributes: Attributes): number {
    const builder = new LabelSetBuilder();
    builder.addAttributes(family.resource.constant);
    builder.addAttributes(attributes);
    builder.set('job', family.resource.job).set('instance', family.resource.instance);
    if (this.translation.scope_labels) {
      builder.set('otel_scope_name', family.scope.name).set('otel_scope_version', family.scope.version);
    }
    const base = builder.build();
    // Joined, not concatenated: a concatenation is kept as a tree of its pieces (~20 small strings), this is one.
    const parts = [family.name];
    for (const label of base) parts.push(label.name, label.value);
    const identity = parts.join('\u0000');
    let fsid = this.byIdentity.get(identity);
    if (fsid === undefined) {
      fsid = this.pointSeries++;
      if (fsid === this.mainOf.length) this.mainOf = grown(this.mainOf, fsid * 2);
      this.mainOf[fsid] = this.arena.add(labelBlockView(withLabel(base, '__name__', family.name)));
      this.identityOf[fsid] = identity;
      this.nameOf[fsid] = family.name;
      this.byIdentity.set(identity, fsid);
    }
    return fsid;
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
    let targetSid = NO_SERIES;
    if (targetInfo !== undefined) {
      // One series per target_info identity, however many decoded resource objects carry it.
      // Keyed by the bytes, not targetKey: a value holding \u0000 could make two label sets share a targetKey.
      const block = labelBlockView(targetInfo);
      const bytes = Buffer.from(block.buffer, block.byteOffset, block.length).toString('latin1');
      targetSid = this.targets.get(bytes) ?? NO_SERIES;
      if (targetSid === NO_SERIES) this.targets.set(bytes, (targetSid = this.arena.add(block)));
    }
    return { key, constant, job, instance, targetInfo: targetSid, targetKey };
  }
}
