/**
 * The series layout's fast write path (issue 14), against what it replaced:
 *   - binary COPY (times as microseconds since 2000) and unnest (microseconds turned into timestamptz in SQL)
 *     store the instant PostgreSQL's exact arithmetic gives, from 1970 to the last uint64 nanosecond;
 *   - points and spans are COPY'd straight into the keyed tables, falling back to the staged
 *     INSERT … ON CONFLICT DO NOTHING when a row is already there: a batch partly stored, or repeating a row,
 *     stores each row once, on the servers that take COPY (PostgreSQL 15, TimescaleDB);
 *   - the encoder's caches (series ids looked up value by value, sorted key shapes, JSON strings quoted without
 *     JSON.stringify) give exactly what the plain computations give.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { PermanentWriteError } from '../../src/adapters/contract.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { hashId, resourceId, scopeId, seriesIdOf } from '../../src/adapters/postgres/series-id.js';
import { NUMBER_POINTS } from '../../src/adapters/postgres/series-tables.js';
import { canonicalAttributes } from '../../src/adapters/postgres/series.js';
import { jsonString, storableText } from '../../src/adapters/postgres/storable.js';
import type { Attributes, MetricPoint, NumberPoint, Span } from '../../src/model/index.js';
import { backendUrl, type BackendName } from '../support/backends.js';
import { adapterWithSchema } from '../support/schema-at-start.js';
import { writeDecoded } from '../support/write.js';
import * as f from './postgres.fixtures.js';

const logger = pino({ level: 'silent' });

/** Microseconds around the edges: the epoch, second and day boundaries, a leap day, before 1970, beyond 2^53 µs. */
const EDGE_US = [
  0n,
  1n,
  999_999n,
  1_000_000n,
  -1n,
  -999_999n,
  -1_000_000n,
  -1_000_001n,
  1_709_164_799_999_999n, // 2024-02-28 23:59:59.999999
  1_709_164_800_000_000n, // 2024-02-29
  1_763_800_000_123_456n,
  BigInt(Number.MAX_SAFE_INTEGER) - 1n,
  BigInt(Number.MAX_SAFE_INTEGER),
  BigInt(Number.MAX_SAFE_INTEGER) + 1n, // 2255
  18_446_744_073_709_551n, // the largest uint64 of nanoseconds, in µs (2554)
  -9_223_372_036_854_775n, // the smallest int64 of nanoseconds, in µs (1677)
];

const servers: [string, BackendName][] = [
  ['PostgreSQL 15', 'postgres'],
  ['TimescaleDB (Apache build)', 'timescale'],
];

for (const [name, backend] of servers) {
  describe(`series layout COPY on ${name}`, () => {
    test("times through binary COPY and unnest's microseconds are the instants PostgreSQL's exact arithmetic gives", async () => {
      const url = backendUrl(backend);
      const timeColumn = NUMBER_POINTS.columns.find((c) => c.name === 'time');
      assert.ok(timeColumn?.sql);
      const unnestTime = timeColumn.sql.replace(/\bv\b/g, 'us');
      const exact = "timestamptz 'epoch' + (us / 1000000) * interval '1 second' + (us % 1000000) * interval '1 microsecond'";
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const schema = `manifold_pg2_times_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
      const config = postgresAdapter.configSchema.parse({ url, schema, layout: 'series', pool_size: 1, maintenance_interval: 0 });
      const adapter = adapterWithSchema(postgresAdapter, config, { name: 'pg2-times', logger, dataDir: '/tmp' });
      try {
        // unnest's SQL form (bigint * interval alone goes through float8, inexact beyond 2^53 µs)
        const { rows: sql } = await db.query<{ us: string; same: boolean }>(
          `SELECT us::text, ${unnestTime} = ${exact} AS same FROM unnest($1::bigint[]) AS u(us)`,
          [EDGE_US.map(String)],
        );
        for (const r of sql) assert.ok(r.same, `${r.us} µs: unnest's form differs from the exact instant`);

        // binary COPY through the adapter: nanoseconds with sub-microsecond digits, truncated as before
        const nanos = EDGE_US.filter((us) => us >= 0n).map((us) => us * 1000n + (us === 18_446_744_073_709_551n ? 615n : 789n));
        await adapter.start();
        const points = nanos.map((ns, i) => f.numberPoint(f.sumDouble, 0, i, { timeUnixNano: ns, startTimeUnixNano: ns }));
        assert.equal((await writeDecoded(adapter, { id: 'times', attempt: 1, metrics: points, spans: [] })).written, nanos.length);
        const { rows } = await db.query<{ got: string; start_same: boolean }>(
          `SELECT (extract(epoch FROM time) * 1000000)::numeric(30,0)::text AS got, start_time = time AS start_same
           FROM "${schema}".number_points ORDER BY value`,
        );
        assert.deepEqual(
          rows.map((r) => r.got),
          nanos.map((ns) => (ns / 1000n).toString()),
        );
        assert.ok(rows.every((r) => r.start_same));
      } finally {
        await adapter.close();
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await db.end();
      }
    });

    test('a batch partly stored already stores its new rows and the old ones once, as a new batch or a retry; a row repeated in one batch is stored once', async () => {
      const url = backendUrl(backend);
      const schema = `manifold_pg2_copy_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
      const config = postgresAdapter.configSchema.parse({ url, schema, layout: 'series', pool_size: 1, maintenance_interval: 0 });
      const adapter = adapterWithSchema(postgresAdapter, config, { name: 'pg2-copy', logger, dataDir: '/tmp' });
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const points = (from: number, to: number): NumberPoint[] =>
        Array.from({ length: to - from }, (_, k) =>
          f.numberPoint(f.sumDouble, 0, (from + k) * 0.5, { timeUnixNano: f.T0 + BigInt(from + k) * 1_000_000n }),
        );
      const span = (i: number): Span => ({ ...f.rootSpan, spanId: (i + 1).toString(16).padStart(16, '0'), events: [], links: [] });
      const stored = async () => {
        const { rows } = await db.query<{ points: number; spans: number; values: number[]; times: string[] }>(
          `SELECT (SELECT count(*)::int FROM "${schema}".number_points) AS points, (SELECT count(*)::int FROM "${schema}".trace_spans) AS spans,
                  (SELECT array_agg(value ORDER BY time) FROM "${schema}".number_points) AS values,
                  (SELECT array_agg((extract(epoch FROM time) * 1000000)::bigint::text ORDER BY time) FROM "${schema}".number_points) AS times`,
        );
        return rows[0]!;
      };
      try {
        await adapter.start();
        const write = (metrics: MetricPoint[], spans: Span[], attempt = 1) =>
          writeDecoded(adapter, { id: `copy-${Math.random()}`, attempt, metrics, spans });
        await write(points(0, 4), [span(0), span(1)]);
        assert.deepEqual(await stored().then((s) => [s.points, s.spans]), [4, 2]);

        // Points 2-3 and span 1 are stored: COPY straight in fails on them, the staged insert keeps the rest.
        assert.equal((await write(points(2, 6), [span(1), span(2)])).written, 6);
        // The same point and span twice in one batch, nothing stored before.
        assert.equal((await write([...points(6, 7), ...points(6, 7)], [span(3), span(3)])).written, 4);
        // An engine retry (attempt 2) is staged from the start: points 5-6 and span 3 stored, point 7 and span 4 new.
        assert.equal((await write(points(5, 8), [span(3), span(4)], 2)).written, 5);

        const s = await stored();
        assert.equal(s.points, 8);
        assert.equal(s.spans, 5);
        assert.deepEqual(s.values, [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
        assert.deepEqual(
          s.times,
          points(0, 8).map((p) => (p.timeUnixNano / 1000n).toString()),
        );
      } finally {
        await adapter.close();
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await db.end();
      }
    });

    test('text through binary COPY reads back as sent (ASCII or not, short or long, with COPY text specials); bad ids and out-of-range flags are refused', async () => {
      const url = backendUrl(backend);
      const schema = `manifold_pg2_text_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
      const config = postgresAdapter.configSchema.parse({ url, schema, layout: 'series', pool_size: 1, maintenance_interval: 0 });
      const adapter = adapterWithSchema(postgresAdapter, config, { name: 'pg2-text', logger, dataDir: '/tmp' });
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const names = [
        'GET /a',
        'ü€𝄞',
        `${'long ascii name '.repeat(4)}end`,
        `${'lang, nicht ASCII: ü '.repeat(4)}Ende`,
        'tab\tnew\nline\\back\rslash',
        '',
      ];
      const span = (i: number, extra: Partial<Span> = {}): Span => ({
        ...f.rootSpan,
        spanId: (i + 1).toString(16).padStart(16, '0'),
        name: names[i] ?? '',
        events: [],
        links: [],
        ...extra,
      });
      try {
        await adapter.start();
        await writeDecoded(adapter, { id: 'text', attempt: 1, metrics: [], spans: names.map((_, i) => span(i)) });
        const { rows } = await db.query<{ name: string }>(`SELECT name FROM "${schema}".trace_spans ORDER BY span_id`);
        assert.deepEqual(
          rows.map((r) => r.name),
          names,
        );

        for (const [what, bad] of [
          ['odd-length span id', span(9, { spanId: 'abc' })],
          ['non-hex trace id', span(9, { traceId: 'zz'.repeat(16) })],
        ] as const) {
          await assert.rejects(writeDecoded(adapter, { id: what, attempt: 1, metrics: [], spans: [bad] }), PermanentWriteError, what);
        }
        const flagged = f.numberPoint(f.sumDouble, 0, 1, { flags: 2 ** 31 });
        await assert.rejects(writeDecoded(adapter, { id: 'flags', attempt: 1, metrics: [flagged], spans: [] }), /flags 2147483648 does not fit/);
        const count = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".trace_spans`);
        assert.equal(count.rows[0]?.n, names.length);
      } finally {
        await adapter.close();
        await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
        await db.end();
      }
    });
  });
}

describe('series layout encoder caches', () => {
  /** canonicalAttributes as first written: sort the keys, then type-tag and length-prefix every value. */
  const reference = (attributes: Attributes): string => {
    const s = (text: string) => `s${text.length}:${text}`;
    const value = (v: unknown): string => {
      if (typeof v === 'string') return s(v);
      if (typeof v === 'boolean') return v ? 'T' : 'F';
      if (typeof v === 'bigint') return `i${v.toString()};`;
      if (typeof v === 'number') return `d${String(v)};`;
      if (v === null) return 'n';
      if (v instanceof Uint8Array) return `x${v.length}:${Buffer.from(v).toString('hex')}`;
      if (Array.isArray(v)) return `[${v.map(value).join('')}]`;
      return reference(v as Attributes);
    };
    return `{${Object.keys(attributes)
      .sort()
      .map((k) => s(k) + value(attributes[k]))
      .join('')}}`;
  };
  const cases: Attributes[] = [
    {},
    { a: '1' },
    { a: 1n },
    { a: 1 },
    { a: true },
    { a: 'T' },
    { a: 0 },
    { a: -0 },
    { a: Number.NaN },
    { a: null as unknown as string },
    { b: 'x', a: 'y' },
    { a: 'y', b: 'x' },
    { a: 'x', b: 'y' },
    { a: ['x', 1n] },
    { a: '[s1:x]' },
    { a: new Uint8Array([1, 2]) },
    { a: { nested: 'v', other: 2n } },
    { 'http.route': '/a', 'http.method': 'GET', 'http.status_code': 200n },
    { 'http.method': 'GET', 'http.route': '/a', 'http.status_code': 200n },
    { 'http.method': 'GET', 'http.route': '/a', 'http.status_code': 200 },
    { 'http.method': 'GET', 'http.route': '/a', 'http.status_code': '200' },
  ];

  test('canonical text with cached key shapes equals the plain sort-and-tag text, for every value type and key order', () => {
    for (let round = 0; round < 3; round++) for (const a of cases) assert.equal(canonicalAttributes(a), reference(a), JSON.stringify(Object.keys(a)));
  });

  test('series ids found value by value equal the documented hash of the canonical text, and differ where the text does', () => {
    const expected = (p: MetricPoint) => {
      const m = p.metric;
      const s = (text: string) => `s${text.length}:${text}`;
      return hashId(
        `series${s(m.name)}${s(m.type)}${s(m.unit)}${s(m.temporality)}${m.monotonic ? 'T' : 'F'}r${resourceId(p.resource)}s${scopeId(p.scope)}${reference(p.attributes)}`,
      );
    };
    const ids = new Map<string, string>();
    for (let round = 0; round < 3; round++) {
      for (const attributes of cases) {
        const p: NumberPoint = { ...f.sumPoint, attributes };
        const id = seriesIdOf(p);
        assert.equal(id, expected(p), reference(attributes));
        const text = reference(attributes);
        assert.equal(ids.get(text) ?? id, id);
        ids.set(text, id);
      }
    }
    // Distinct canonical texts, distinct ids: int 1, double 1, string "1", true and "T", 0 and "0" all apart.
    assert.equal(new Set(ids.values()).size, ids.size);
  });

  test('JSON strings quoted directly equal JSON.stringify of the storable text', () => {
    const strings = [
      '',
      'plain',
      'with "quote"',
      'back\\slash',
      'tab\there',
      'new\nline',
      '\u0000nul',
      '\u001f',
      '\u007f',
      '\u2028',
      'é€',
      '𝄞',
      '\ud800',
      'x\udc00y',
    ];
    for (const s of strings) assert.equal(jsonString(s), JSON.stringify(storableText(s)), JSON.stringify(s));
  });
});
