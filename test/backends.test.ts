/**
 * Every test backend answers, in its own language: a real round trip per backend.
 * If one of these fails, the other suites' failures against that backend are noise.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from '@clickhouse/client';
import { backendUrl } from './support/backends.js';

const run = `${Date.now()}_${process.pid}`;

async function http(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, text: await res.text() };
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function withPg<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('test backends', () => {
  test('redis: SET then GET', async () => {
    const redis = new Redis(backendUrl('redis'), { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      const key = `manifold:backends-test:${run}`;
      assert.equal(await redis.set(key, 'hello', 'EX', 60), 'OK');
      assert.equal(await redis.get(key), 'hello');
      await redis.del(key);
    } finally {
      redis.disconnect();
    }
  });

  for (const name of ['prometheus', 'prometheus-native'] as const) {
    test(`${name}: PromQL query answers success`, async () => {
      const r = await http(`${backendUrl(name)}/api/v1/query?query=up`);
      assert.equal(r.status, 200, r.text);
      assert.equal((JSON.parse(r.text) as { status: string }).status, 'success');
    });
  }

  test('prometheus-native: native histograms and exemplars are enabled', async () => {
    const r = await http(`${backendUrl('prometheus-native')}/api/v1/status/flags`);
    assert.equal(r.status, 200, r.text);
    const flags = (JSON.parse(r.text) as { data: Record<string, string> }).data;
    assert.match(flags['enable-feature'] ?? '', /native-histograms/);
    assert.match(flags['enable-feature'] ?? '', /exemplar-storage/);
  });

  test('victoria: import, force flush, export', async () => {
    const base = backendUrl('victoria');
    const ts = Date.now();
    const w = await http(`${base}/api/v1/import/prometheus`, {
      method: 'POST',
      body: `manifold_backends_test{run="${run}"} 42 ${ts}\n`,
    });
    assert.equal(w.status, 204, w.text);
    const got = await eventually('the sample in /api/v1/export', async () => {
      await http(`${base}/internal/force_flush`);
      const r = await http(`${base}/api/v1/export?match[]=${encodeURIComponent(`manifold_backends_test{run="${run}"}`)}`);
      assert.equal(r.status, 200, r.text);
      return r.text.trim() ? r.text.trim() : undefined;
    });
    const series = JSON.parse(got.split('\n')[0] ?? '') as { metric: Record<string, string>; values: number[]; timestamps: number[] };
    assert.equal(series.metric.__name__, 'manifold_backends_test');
    assert.deepEqual(series.values, [42]);
    assert.deepEqual(series.timestamps, [ts]);
  });

  test('influxdb 1.x: CREATE DATABASE, /write, /query', async () => {
    const base = backendUrl('influxdb1');
    const db = `manifold_backends_test_${run}`;
    const c = await http(`${base}/query?q=${encodeURIComponent(`CREATE DATABASE "${db}"`)}`, { method: 'POST' });
    assert.equal(c.status, 200, c.text);
    try {
      const ts = Date.now();
      const w = await http(`${base}/write?db=${db}&precision=ms`, { method: 'POST', body: `m,run=r1 v=1.5 ${ts}\n` });
      assert.equal(w.status, 204, w.text);
      const q = await http(`${base}/query?db=${db}&epoch=ms&q=${encodeURIComponent(`SELECT v FROM m WHERE run='r1'`)}`);
      assert.equal(q.status, 200, q.text);
      const body = JSON.parse(q.text) as { results: { series?: { values: [number, number][] }[] }[] };
      assert.deepEqual(body.results[0]?.series?.[0]?.values, [[ts, 1.5]]);
    } finally {
      await http(`${base}/query?q=${encodeURIComponent(`DROP DATABASE "${db}"`)}`, { method: 'POST' });
    }
  });

  test('postgres 15: select version()', async () => {
    const v = await withPg(backendUrl('postgres'), async (c) => (await c.query<{ version: string }>('select version()')).rows[0]?.version);
    assert.match(v ?? '', /^PostgreSQL 15\./);
  });

  test('timescaledb: extension, hypertable insert and select', async () => {
    await withPg(backendUrl('timescale'), async (c) => {
      await c.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
      const ext = await c.query<{ extversion: string }>("select extversion from pg_extension where extname = 'timescaledb'");
      assert.ok(ext.rows[0]?.extversion, 'timescaledb extension installed');
      const table = `manifold_backends_test_${run}`;
      await c.query(`CREATE TABLE ${table} (time timestamptz NOT NULL, name text NOT NULL, value double precision)`);
      try {
        await c.query(`SELECT create_hypertable('${table}', 'time')`);
        await c.query(`INSERT INTO ${table} VALUES (now(), 'a', 1.5), (now() - interval '1 day', 'b', 2.5)`);
        const r = await c.query<{ name: string; value: number }>(`SELECT name, value FROM ${table} ORDER BY name`);
        assert.deepEqual(r.rows, [
          { name: 'a', value: 1.5 },
          { name: 'b', value: 2.5 },
        ]);
        const h = await c.query('SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_name = $1', [table]);
        assert.equal(h.rowCount, 1);
      } finally {
        await c.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });
  });

  test('timescaledb community (PGlite): license, hypertable, continuous aggregate', async () => {
    await withPg(backendUrl('timescale-community'), async (c) => {
      await c.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
      const lic = await c.query<{ 'timescaledb.license': string }>('SHOW timescaledb.license');
      assert.equal(lic.rows[0]?.['timescaledb.license'], 'timescale');
      const table = `manifold_backends_test_${run}`;
      await c.query(`CREATE TABLE ${table} (time timestamptz NOT NULL, value double precision)`);
      try {
        await c.query(`SELECT create_hypertable('${table}', 'time')`);
        await c.query(`INSERT INTO ${table} VALUES (now() - interval '2 hours', 1), (now() - interval '2 hours', 3)`);
        await c.query(`CREATE MATERIALIZED VIEW ${table}_1h WITH (timescaledb.continuous) AS
          SELECT time_bucket('1 hour', time) AS bucket, avg(value) AS avg FROM ${table} GROUP BY 1 WITH NO DATA`);
        await c.query(`CALL refresh_continuous_aggregate('${table}_1h', NULL, NULL)`);
        const r = await c.query<{ avg: number }>(`SELECT avg FROM ${table}_1h`);
        assert.deepEqual(r.rows, [{ avg: 2 }]);
      } finally {
        await c.query(`DROP MATERIALIZED VIEW IF EXISTS ${table}_1h`);
        await c.query(`DROP TABLE IF EXISTS ${table}`);
      }
    });
  });

  test('clickhouse (chDB front): create, insert, select through @clickhouse/client', async () => {
    // Request compression on, to prove the front takes gzip bodies; response compression on too.
    const client = createClient({ url: backendUrl('clickhouse'), compression: { request: true, response: true } });
    const table = `default.manifold_backends_test_${run}`;
    try {
      assert.equal((await client.ping()).success, true);
      await client.command({
        query: `CREATE TABLE ${table} (
          Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
          ServiceName LowCardinality(String),
          Attributes Map(LowCardinality(String), String),
          Value Float64
        ) ENGINE = MergeTree ORDER BY (ServiceName, Timestamp)`,
      });
      const now = new Date();
      const ts = `${now.toISOString().replace('T', ' ').replace('Z', '')}123456`; // nanosecond precision
      const inserted1 = await client.insert({
        table,
        format: 'JSONEachRow',
        values: [{ Timestamp: ts, ServiceName: 'svc-a', Attributes: { k: 'v' }, Value: 1.5 }],
      });
      assert.equal(inserted1.summary?.written_rows, '1');
      const inserted2 = await client.insert({
        table,
        format: 'JSONCompactEachRow',
        values: [
          [ts, 'svc-b', { a: '1', b: '2' }, 2.5],
          [ts, 'svc-b', {}, 3.5],
        ],
      });
      assert.equal(inserted2.summary?.written_rows, '2');
      const rs = await client.query({
        query: `SELECT ServiceName, Attributes, Value, toString(Timestamp) AS ts FROM ${table}
                WHERE Value > {min:Float64} ORDER BY Value`,
        query_params: { min: 0 },
        format: 'JSON',
      });
      const body = await rs.json<{ ServiceName: string; Attributes: Record<string, string>; Value: number; ts: string }>();
      assert.deepEqual(
        body.data.map((r) => [r.ServiceName, r.Attributes, r.Value]),
        [
          ['svc-a', { k: 'v' }, 1.5],
          ['svc-b', { a: '1', b: '2' }, 2.5],
          ['svc-b', {}, 3.5],
        ],
      );
      assert.equal(body.data[0]?.ts, ts);
      // A bad row is the server's permanent error, with its code, as from a real server.
      await assert.rejects(
        client.insert({ table, format: 'JSONEachRow', values: [{ Timestamp: ts, ServiceName: 'x', Attributes: {}, Value: 'not a number' }] }),
        (e: Error & { code?: string; type?: string }) => {
          assert.match(e.message, /Cannot (parse|read)/);
          assert.match(e.code ?? '', /^\d+$/, 'error carries the ClickHouse code');
          assert.match(e.type ?? '', /^CANNOT_PARSE/);
          return true;
        },
      );
    } finally {
      await client.command({ query: `DROP TABLE IF EXISTS ${table}` }).catch(() => undefined);
      await client.close();
    }
  });
});
