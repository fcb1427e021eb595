/**
 * jsonb text of a shared resource's or scope's attributes, computed once per object: every point under
 * a ResourceMetrics shares one Resource by reference (see src/model/resource.ts).
 */
import type { InstrumentationScope, Resource } from '../../model/index.js';
import { attributesJson } from './json.js';

const jsonCache = new WeakMap<Resource | InstrumentationScope, string>();

export function cachedJson(owner: Resource | InstrumentationScope): string {
  let json = jsonCache.get(owner);
  if (json === undefined) jsonCache.set(owner, (json = attributesJson(owner.attributes)));
  return json;
}
