/**
 * The series layout's ids are dedup keys across retries, restarts and gateways: fixed vectors pin them (a change
 * here means a retried batch would be stored twice after an upgrade), PostgreSQL computes the same hash from the
 * same text, and the known-rows cache stays bounded, forgetting the least recently seen.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { KnownRows } from '../../src/adapters/postgres/known-rows.js';
import { boundsIdOf, hashId, resourceId, scopeId, seriesIdOf } from '../../src/adapters/postgres/series-id.js';
import { canonicalAttributes } from '../../src/adapters/postgres/series.js';
import { backendUrl } from '../support/backends.js';
import * as f from './postgres.fixtures.js';

test('fixed vectors: the hash is the first 8 bytes of SHA-256 as a signed big-endian int64', () => {
  assert.equal(hashId(''), '-2039914840885289964'); // sha256('') = e3b0c44298fc1c14…
  assert.equal(hashId('series'), '-7144335280220416116');
  assert.equal(resourceId(f.resource), '3335655130955115132');
  assert.equal(scopeId(f.scope), '2915737062365813697');
  assert.equal(seriesIdOf(f.gaugePoint), '6646164376904450056');
  assert.equal(seriesIdOf(f.sumPoint), '6537605710477260184');
  assert.equal(boundsIdOf([0.5, 2.5]).id, '5510515366631319212');
});

test('labels in any order give the same id; a different label value, type or unit another', () => {
  const reordered = { ...f.sumPoint, attributes: Object.fromEntries(Object.entries(f.sumPoint.attributes).reverse()) };
  assert.equal(seriesIdOf(reordered), seriesIdOf(f.sumPoint));
  assert.notEqual(
    seriesIdOf({ ...f.sumPoint, attributes: { ...f.sumPoint.attributes, worker: '1' } }),
    seriesIdOf(f.sumPoint),
    'string "1" is not int 1',
  );
  assert.notEqual(seriesIdOf({ ...f.sumPoint, metric: { ...f.sumPoint.metric, unit: 'ms' } }), seriesIdOf(f.sumPoint));
  assert.equal(
    seriesIdOf({ ...f.sumPoint, metric: { ...f.sumPoint.metric, description: 'other words' } }),
    seriesIdOf(f.sumPoint),
    'the description is not identity',
  );
});

test('PostgreSQL computes the same id from the canonical text (README, "Series layout")', async () => {
  const text = `resource${canonicalAttributes(f.resource.attributes)}`;
  const db = new pg.Client({ connectionString: backendUrl('postgres') });
  await db.connect();
  try {
    const { rows } = await db.query(`SELECT ('x' || left(encode(sha256(convert_to($1, 'UTF8')), 'hex'), 16))::bit(64)::bigint::text AS id`, [text]);
    assert.equal(rows[0].id, resourceId(f.resource));
  } finally {
    await db.end();
  }
});

test('the known-rows cache is bounded and forgets the least recently seen', () => {
  const known = new KnownRows(3);
  for (const id of ['a', 'b', 'c']) known.add(id);
  assert.ok(known.has('a')); // a is now the most recent
  known.add('d');
  assert.equal(known.size, 3);
  assert.equal(known.has('b'), false, 'b was idle longest');
  assert.ok(known.has('a') && known.has('c') && known.has('d'));
});
