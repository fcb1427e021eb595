/**
 * series_id: a stable signed 64-bit hash of a point's series identity, the first half of each metric
 * table's unique key (series_id, time_unix_nano). Identity = metric name, type, unit, temporality,
 * monotonic (the OTLP metric identity), resource attributes, scope name, version and attributes, and the
 * point's attributes. Unit and temporality are in it so two genuinely different series can never share a
 * key and lose a point to ON CONFLICT DO NOTHING.
 *
 * STABILITY: the id is the dedup key across retries and restarts, and users join on it. Never change the
 * canonical encoding or the hash below, or a batch retried across an upgrade would be stored twice.
 *
 * Cost: resources, scopes and descriptors are shared by reference, so the hash state after them is cached
 * per (descriptor, resource, scope) in WeakMaps; per point only the point attributes are encoded and hashed
 * (a 2x32-bit multiply-xorshift hash in plain JS: ~20x cheaper than crypto's sha256 per call here).
 */
import type { AttributeValue, Attributes, InstrumentationScope, MetricDescriptor, MetricPoint, Resource } from '../../model/index.js';
import { attributesJson } from './json.js';

type State = readonly [number, number];

/** Hash state after the shared part, plus ids already computed for this prefix (series repeat every export). */
interface Prefix {
  readonly state: State;
  readonly ids: Map<string, SeriesInfo>;
}

/** Per prefix; cleared when full, so memory stays bounded under high series churn. */
const MAX_IDS_PER_PREFIX = 10_000;

const SEED: State = [0x6d616e69, 0x666f6c64]; // "mani" "fold"

const prefixCache = new WeakMap<MetricDescriptor, WeakMap<Resource, WeakMap<InstrumentationScope, Prefix>>>();

export interface SeriesInfo {
  readonly id: string;
  /** The point attributes as jsonb text: same series, same attributes, so it is cached alongside. */
  readonly attributesJson: string;
}

let lastPoint: MetricPoint | undefined;
let lastInfo: SeriesInfo | undefined;

/** series_id and attributes of a point; the columns of one row ask in turn, so the last answer is kept. */
export function seriesInfo(point: MetricPoint): SeriesInfo {
  if (point === lastPoint) return lastInfo as SeriesInfo;
  const prefix = prefixOf(point.metric, point.resource, point.scope);
  const key = canonicalAttributes(point.attributes);
  let info = prefix.ids.get(key);
  if (info === undefined) {
    const [h1, h2] = finish(mix(prefix.state, key));
    info = { id: BigInt.asIntN(64, (BigInt(h2) << 32n) | BigInt(h1)).toString(), attributesJson: attributesJson(point.attributes) };
    if (prefix.ids.size >= MAX_IDS_PER_PREFIX) prefix.ids.clear();
    prefix.ids.set(key, info);
  }
  lastPoint = point;
  lastInfo = info;
  return info;
}

export const seriesId = (point: MetricPoint): string => seriesInfo(point).id;

let lastPrefixKey: [MetricDescriptor, Resource, InstrumentationScope] | undefined;
let lastPrefix: Prefix | undefined;

function prefixOf(metric: MetricDescriptor, resource: Resource, scope: InstrumentationScope): Prefix {
  // Points arrive in runs under one descriptor, resource and scope: skip the three WeakMap lookups then.
  const k = lastPrefixKey;
  if (k && k[0] === metric && k[1] === resource && k[2] === scope) return lastPrefix as Prefix;
  const prefix = lookupPrefix(metric, resource, scope);
  lastPrefixKey = [metric, resource, scope];
  lastPrefix = prefix;
  return prefix;
}

function lookupPrefix(metric: MetricDescriptor, resource: Resource, scope: InstrumentationScope): Prefix {
  let byResource = prefixCache.get(metric);
  if (!byResource) prefixCache.set(metric, (byResource = new WeakMap()));
  let byScope = byResource.get(resource);
  if (!byScope) byResource.set(resource, (byScope = new WeakMap()));
  let prefix = byScope.get(scope);
  if (!prefix) {
    const text =
      str(metric.name) +
      str(metric.type) +
      str(metric.unit) +
      str(metric.temporality) +
      (metric.monotonic ? 'T' : 'F') +
      canonicalAttributes(resource.attributes) +
      str(scope.name) +
      str(scope.version) +
      canonicalAttributes(scope.attributes);
    byScope.set(scope, (prefix = { state: mix(SEED, text), ids: new Map() }));
  }
  return prefix;
}

/** Type-tagged, length-prefixed, keys sorted: int 1, double 1 and string "1" all differ. */
export function canonicalAttributes(attributes: Attributes): string {
  return canonicalWithShape(attributes, shapeOf(Object.keys(attributes)));
}

/** canonicalAttributes, for a shape the caller already has (attributeShape). */
export function canonicalWithShape(attributes: Attributes, { sorted, prefixes }: Shape): string {
  let out = '{';
  for (let i = 0; i < sorted.length; i++) out += (prefixes[i] as string) + canonicalValue(attributes[sorted[i] as string] as AttributeValue);
  return `${out}}`;
}

/** An attribute object's keys in sorted order, each with its canonical prefix. */
export interface Shape {
  readonly keys: readonly string[];
  readonly sorted: readonly string[];
  readonly prefixes: readonly string[];
  /** The prefixes joined: the same for the same key set, whatever the order. */
  readonly signature: string;
}

export const attributeShape = (attributes: Attributes): Shape => shapeOf(Object.keys(attributes));

/**
 * Points come in runs with the same keys in the same order (one instrument, one call site): the last few shapes
 * are kept, so the sort and the key prefixes are paid once per run instead of once per point.
 */
const shapes: Shape[] = [];
const MAX_SHAPES = 8;
let nextShape = 0;

function shapeOf(keys: readonly string[]): Shape {
  for (let s = 0; s < shapes.length; s++) {
    const shape = shapes[s] as Shape;
    if (sameKeys(shape.keys, keys)) return shape;
  }
  const sorted = [...keys].sort();
  const prefixes = sorted.map(str);
  const shape = { keys, sorted, prefixes, signature: prefixes.join('') };
  shapes[nextShape] = shape;
  nextShape = (nextShape + 1) % MAX_SHAPES;
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function canonicalValue(value: AttributeValue): string {
  switch (typeof value) {
    case 'string':
      return str(value);
    case 'boolean':
      return value ? 'T' : 'F';
    case 'bigint':
      return `i${value.toString()};`;
    case 'number':
      return `d${String(value)};`;
    default:
      if (value === null) return 'n';
      if (value instanceof Uint8Array) return `x${value.length}:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}`;
      if (Array.isArray(value)) return `[${value.map(canonicalValue).join('')}]`;
      return canonicalAttributes(value);
  }
}

function str(s: string): string {
  return `s${s.length}:${s}`;
}

function mix([a, b]: State, text: string): State {
  let h1 = a;
  let h2 = b;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  return [h1, h2];
}

function finish([a, b]: State): State {
  let h1 = a;
  let h2 = b;
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}
