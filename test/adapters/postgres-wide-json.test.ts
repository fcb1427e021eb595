/**
 * The wide tables' jsonb read back into typed attributes for the upgrade (src/adapters/postgres/wide-json.ts): the
 * likely reading, the other readings JSON cannot rule out, and the search for the one a hash proves. Against the
 * servers: test/adapters/postgres-upgrade.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attributesJson } from '../../src/adapters/postgres/json.js';
import { canonicalAttributes } from '../../src/adapters/postgres/series.js';
import { type Slot, parseAttributes, parseJson, resolveSlots } from '../../src/adapters/postgres/wide-json.js';
import type { Attributes } from '../../src/model/index.js';
import * as f from './postgres.fixtures.js';

test('jsonb text as PostgreSQL prints it: spaces, escapes, nesting; integers as int64 where they fit, else doubles', () => {
  assert.deepEqual(
    parseAttributes(
      '{"a": 1, "b": -9223372036854775808, "c": 1000000000000000000000, "d": 0.0000001, "e": "q\\"\\\\ \\u00e9 é", "f": [true, false, null, [1.5]], "g": {}, "h": []}',
    ),
    { a: 1n, b: -(2n ** 63n), c: 1e21, d: 1e-7, e: 'q"\\ é é', f: [true, false, null, [1.5]], g: {}, h: [] },
  );
  assert.deepEqual(parseJson('[{"time_unix_nano": 1763800000123456789, "value": -0.5}]'), [{ time_unix_nano: 1763800000123456789n, value: -0.5 }]);
  assert.throws(() => parseAttributes('[1]'), /expected a JSON object of attributes/);
});

test('every value JSON cannot type is a slot with its other readings; int64s past 2^53 that no double equals are not', () => {
  const slots: Slot[] = [];
  parseAttributes(
    '{"n": 5, "big": 9223372036854775807, "pow": 1152921504606846976, "b64": "AQL/", "nan": "NaN", "inf": "-Infinity", "s": "a.b", "e": ""}',
    slots,
  );
  assert.deepEqual(
    slots.map((s) => [s.initial, ...s.alternatives]),
    [
      [5n, 5],
      [2n ** 60n, 2 ** 60],
      ['AQL/', new Uint8Array([1, 2, 255])],
      ['NaN', Number.NaN],
      ['-Infinity', Number.NEGATIVE_INFINITY],
      ['', new Uint8Array([])],
    ],
  );
});

test('the search finds the typed attributes whose canonical text a hash was made from, even with two readings changed', () => {
  const sent: Attributes[] = [
    f.resource.attributes,
    { ratio: 2, route: '/r/1', raw: new Uint8Array([1, 2, 255]), list: [1, 2n, 'abcd', Number.NaN], kv: { n: 3, m: 3n } },
    { plain: 'checkout', count: 7n },
  ];
  for (const attributes of sent) {
    const slots: Slot[] = [];
    const read = parseAttributes(attributesJson(attributes), slots);
    const wanted = canonicalAttributes(attributes);
    assert.ok(
      resolveSlots(slots, () => canonicalAttributes(read) === wanted),
      attributesJson(attributes),
    );
    assert.deepEqual(read, attributes);
  }
});

test('past its budget the search gives up and leaves the likely reading', () => {
  const slots: Slot[] = [];
  const read = parseAttributes(`{${Array.from({ length: 20 }, (_, i) => `"k${i}": ${i}`).join(', ')}}`, slots);
  let tries = 0;
  assert.equal(
    resolveSlots(
      slots,
      () => {
        tries++;
        return false;
      },
      50,
    ),
    false,
  );
  assert.equal(tries, 51, 'the likely reading, then the budget');
  assert.deepEqual(
    Object.values(read),
    Array.from({ length: 20 }, (_, i) => BigInt(i)),
  );
});
