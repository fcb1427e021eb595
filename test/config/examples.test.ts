/**
 * config/<kind>.yaml documents every key of its adapter: each key of the adapter's schema (nested blocks included)
 * and of the shared `delivery` block appears in the file, set or commented, so a new key cannot ship undocumented.
 * (That each example passes the check is test/config/collector.test.ts's "every example under config/".)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ZodType } from 'zod';
import { adapterSchemas } from '../../src/adapters/registry.js';
import { deliverySchema } from '../../src/config/schema.js';
import { REPO } from '../support/process.js';

/** Every object key under `schema`, as dotted paths, looking through defaults, optionals, refinements and pipes. */
function keyPaths(schema: ZodType, prefix = ''): string[] {
  const def = (schema as any)._zod.def;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape as Record<string, ZodType>).flatMap(([key, inner]) => [
        `${prefix}${key}`,
        ...keyPaths(inner, `${prefix}${key}.`),
      ]);
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'readonly':
      return keyPaths(def.innerType, prefix);
    case 'pipe':
      return keyPaths(def.in, prefix);
    default:
      return []; // a value, not a block: records (headers) and arrays have no fixed keys
  }
}

const kinds = adapterSchemas.kinds();

test('there is one example per adapter kind', () => {
  assert.deepEqual(kinds.toSorted(), ['clickhouse', 'influxdb', 'postgres', 'prometheus']);
});

for (const kind of kinds) {
  test(`config/${kind}.yaml names every key of the ${kind} adapter and of delivery`, () => {
    const text = readFileSync(path.join(REPO, 'config', `${kind}.yaml`), 'utf8');
    assert.match(text, new RegExp(`kind: ${kind}\\b`));
    const schema = adapterSchemas.get(kind);
    assert.ok(schema, kind);
    const adapterKeys = keyPaths(schema);
    assert.ok(adapterKeys.length >= 8, `${kind}: only ${adapterKeys.join(', ')} found in its schema`);
    const missing = [...adapterKeys, ...keyPaths(deliverySchema).map((key) => `delivery.${key}`)].filter((key) => {
      const last = key.split('.').at(-1)!;
      return !new RegExp(`(^|[\\s{,#])${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:`, 'm').test(text);
    });
    assert.deepEqual(missing, [], `config/${kind}.yaml does not mention: ${missing.join(', ')}`);
  });
}
