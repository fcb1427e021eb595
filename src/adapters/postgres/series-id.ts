/**
 * The series layout's ids, computed in the gateway so a write needs no round trip to learn them:
 *
 *   id(text) = the first 8 bytes of SHA-256(UTF-8 text), read as a big-endian signed 64-bit integer
 *
 * over a canonical text (`canonicalAttributes` in series.ts: keys sorted, every value type-tagged and
 * length-prefixed, so int 1, double 1 and string "1" differ):
 *   resource  "resource" + attributes
 *   scope     "scope" + s(name) + s(version) + attributes
 *   series    "series" + s(metric name) + s(type) + s(unit) + s(temporality) + T|F (monotonic)
 *             + "r" + resource id + "s" + scope id + point attributes
 *   bounds    "bounds" + the explicit bounds joined by ","
 * where s(x) = "s" + length + ":" + x. In SQL: ('x' || left(encode(sha256(convert_to(text, 'UTF8')), 'hex'), 16))::bit(64)::bigint.
 *
 * STABILITY: these ids are the dedup keys across retries, restarts and gateways, and users join on them.
 * Never change the canonical text or the hash (test/adapters/postgres-series-id.test.ts pins fixed vectors).
 *
 * Cost: SHA-256 runs once per distinct series per process. Per point the id is looked up, not computed: under a
 * per-(descriptor, resource, scope) prefix, by the attribute key set and then value by value in nested maps
 * (Map keys compare as the canonical text does: by type and value, 0 and -0 alike), so the canonical text is only
 * built for a series not seen yet, or for attributes with array, map or bytes values (looked up by that text).
 */
import { createHash } from 'node:crypto';
import type { InstrumentationScope, MetricDescriptor, MetricPoint, Resource } from '../../model/index.js';
import type { AttributeValue, Attributes } from '../../model/index.js';
import { attributeShape, canonicalAttributes, canonicalWithShape, type Shape } from './series.js';

export function hashId(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest().readBigInt64BE(0).toString();
}

const s = (text: string): string => `s${text.length}:${text}`;

const resourceIds = new WeakMap<Resource, string>();
const scopeIds = new WeakMap<InstrumentationScope, string>();

export function resourceId(resource: Resource): string {
  let id = resourceIds.get(resource);
  if (id === undefined) resourceIds.set(resource, (id = hashId(`resource${canonicalAttributes(resource.attributes)}`)));
  return id;
}

export function scopeId(scope: InstrumentationScope): string {
  let id = scopeIds.get(scope);
  if (id === undefined) scopeIds.set(scope, (id = hashId(`scope${s(scope.name)}${s(scope.version)}${canonicalAttributes(scope.attributes)}`)));
  return id;
}

/** The shared part of a series' canonical text, and the ids already computed under it. */
interface Prefix {
  readonly text: string;
  /** By canonical attribute text: attributes with array, map or bytes values. */
  readonly ids: Map<string, string>;
  /** By key set signature, then one level per sorted key's value; the last level holds ids. */
  readonly byValues: Map<string, ValueNode>;
  /** Ids in byValues, to keep it bounded like ids. */
  valueIds: number;
}

type ValueNode = Map<unknown, unknown>;

/** Per prefix; cleared when full, so memory stays bounded under series churn (ids are recomputed, never changed). */
const MAX_IDS_PER_PREFIX = 10_000;
const prefixes = new WeakMap<MetricDescriptor, WeakMap<Resource, WeakMap<InstrumentationScope, Prefix>>>();

function prefixOf(metric: MetricDescriptor, resource: Resource, scope: InstrumentationScope): Prefix {
  let byResource = prefixes.get(metric);
  if (!byResource) prefixes.set(metric, (byResource = new WeakMap()));
  let byScope = byResource.get(resource);
  if (!byScope) byResource.set(resource, (byScope = new WeakMap()));
  let prefix = byScope.get(scope);
  if (!prefix) {
    const text =
      'series' +
      s(metric.name) +
      s(metric.type) +
      s(metric.unit) +
      s(metric.temporality) +
      (metric.monotonic ? 'T' : 'F') +
      'r' +
      resourceId(resource) +
      's' +
      scopeId(scope);
    byScope.set(scope, (prefix = { text, ids: new Map(), byValues: new Map(), valueIds: 0 }));
  }
  return prefix;
}

let lastKey: readonly [MetricDescriptor, Resource, InstrumentationScope] | undefined;
let lastPrefix: Prefix | undefined;

export function seriesIdOf(point: MetricPoint): string {
  // Points arrive in runs under one descriptor, resource and scope: skip the three WeakMap lookups then.
  const k = lastKey;
  let prefix: Prefix;
  if (k && k[0] === point.metric && k[1] === point.resource && k[2] === point.scope) prefix = lastPrefix as Prefix;
  else {
    prefix = prefixOf(point.metric, point.resource, point.scope);
    lastKey = [point.metric, point.resource, point.scope];
    lastPrefix = prefix;
  }
  const shape = attributeShape(point.attributes);
  return byValues(prefix, point.attributes, shape) ?? byText(prefix, canonicalWithShape(point.attributes, shape));
}

/** The id through the nested value maps; undefined when a value is an array, map or bytes. */
function byValues(prefix: Prefix, attributes: Attributes, shape: Shape): string | undefined {
  const { sorted } = shape;
  let node = prefix.byValues.get(shape.signature);
  if (node === undefined) prefix.byValues.set(shape.signature, (node = new Map()));
  const last = sorted.length - 1;
  for (let i = 0; i < last; i++) {
    const value = attributes[sorted[i] as string] as AttributeValue;
    if (typeof value === 'object' && value !== null) return undefined;
    let next = node.get(value) as ValueNode | undefined;
    if (next === undefined) node.set(value, (next = new Map()));
    node = next;
  }
  const value = last < 0 ? EMPTY : (attributes[sorted[last] as string] as AttributeValue);
  if (typeof value === 'object' && value !== null) return undefined;
  let id = node.get(value) as string | undefined;
  if (id === undefined) {
    id = hashId(prefix.text + canonicalWithShape(attributes, shape));
    if (prefix.valueIds >= MAX_IDS_PER_PREFIX) {
      prefix.byValues.clear();
      prefix.valueIds = 0;
      return id;
    }
    node.set(value, id);
    prefix.valueIds++;
  }
  return id;
}

/** The key of the one id of a series with no attributes. */
const EMPTY = Symbol('no attributes');

function byText(prefix: Prefix, attributes: string): string {
  let id = prefix.ids.get(attributes);
  if (id === undefined) {
    id = hashId(prefix.text + attributes);
    if (prefix.ids.size >= MAX_IDS_PER_PREFIX) prefix.ids.clear();
    prefix.ids.set(attributes, id);
  }
  return id;
}

const boundsIds = new Map<string, string>();

export interface BoundsId {
  readonly id: string;
  /** The bounds joined by ",": the canonical text's tail and the array literal's body. */
  readonly key: string;
}

/** The last bounds seen, by value: histogram points of one instrument repeat them point after point. */
let lastBounds: readonly number[] = [];
let lastBoundsId: BoundsId | undefined;

/** Bounds lists are few (one per histogram instrument); the map is bounded anyway. */
export function boundsIdOf(bounds: readonly number[]): BoundsId {
  if (lastBoundsId !== undefined && sameNumbers(bounds, lastBounds)) return lastBoundsId;
  const key = bounds.join(',');
  let id = boundsIds.get(key);
  if (id === undefined) {
    if (boundsIds.size >= MAX_IDS_PER_PREFIX) boundsIds.clear();
    boundsIds.set(key, (id = hashId(`bounds${key}`)));
  }
  lastBounds = [...bounds];
  lastBoundsId = { id, key };
  return lastBoundsId;
}

/** Equal as their joined text would be: Object.is, so 0 and -0 (joined "0" both) count as different, which only costs a lookup. */
function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
