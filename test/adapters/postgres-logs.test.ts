/**
 * otel_logs (migrations 0010/0011, src/adapters/postgres/write-logs.ts) on PostgreSQL 15, TimescaleDB (Apache
 * build) and the PGlite TimescaleDB community build: the project's migration runner makes the schema, records go
 * in through the bulk path spans use, and SQL reads every column back. The PGlite server serves ONE connection
 * at a time, so the runner's connection is closed before the writer's opens.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { insertChunks, prepareInsert } from '../../src/adapters/postgres/bulk.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { LogsTable } from '../../src/adapters/postgres/logs-table.js';
import { takeReplacedCount } from '../../src/adapters/postgres/storable.js';
import { logId, logTable } from '../../src/adapters/postgres/write-logs.js';
import { MigrationRunner } from '../../src/migrate/index.js';
import type { AttributeValue, InstrumentationScope, LogRecord, Resource } from '../../src/model/index.js';
import { type BackendName, backendUrl } from '../support/backends.js';

const logger = pino({ level: 'silent' });
const resource: Resource = { attributes: { 'service.name': 'checkout', 'host.name': 'h1' }, droppedAttributesCount: 0, schemaUrl: '' };
const scope: InstrumentationScope = { name: 'app.logger', version: '1.2.3', attributes: { lib: 'pino' }, droppedAttributesCount: 0, schemaUrl: '' };
const T0 = 1_765_000_000_123_456_789n;

function record(eventName: string, body: AttributeValue, extra: Partial<LogRecord> = {}): LogRecord {
  return {
    resource,
    scope,
    timeUnixNano: T0,
    observedTimeUnixNano: T0 + 1_000n,
    severityNumber: 9,
    severityText: 'INFO',
    body,
    attributes: { 'http.status': 200n, path: '/cart' },
    droppedAttributesCount: 0,
    flags: 1,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    eventName,
    ...extra,
  };
}

/** One record per body type; event_name tells them apart when read back. Expected body: the jsonb text, or null. */
const bodies: readonly [name: string, body: AttributeValue, expected: unknown][] = [
  ['string', 'payment timeout after 3 retries', 'payment timeout after 3 retries'],
  ['int', 9223372036854775807n, '9223372036854775807'],
  ['double', -2.5, -2.5],
  ['bool', true, true],
  ['bytes', new Uint8Array([1, 2, 255]), 'AQL/'],
  ['array', ['a', 7n, 1.5, false, null], ['a', 7, 1.5, false, null]],
  ['kvlist', { user: 'ann', nested: { n: -3n, ok: true }, list: ['x'] }, { user: 'ann', nested: { n: -3, ok: true }, list: ['x'] }],
  ['none', null, null],
];

/** Without TimescaleDB, 0012 partitions otel_logs by time; logs-table.ts makes the partitions a write needs. */
const servers: { name: string; backend: BackendName; hypertable: boolean; compression: boolean }[] = [
  { name: 'PostgreSQL 15', backend: 'postgres', hypertable: false, compression: false },
  { name: 'TimescaleDB 2.19 (Apache license)', backend: 'timescale', hypertable: true, compression: false },
  { name: 'TimescaleDB on PGlite (timescale license)', backend: 'timescale-community', hypertable: true, compression: true },
];

for (const server of servers) {
  describe(`otel_logs on ${server.name}`, () => {
    const url = backendUrl(server.backend);
    const schema = `mf_logs_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    let client: pg.Client;
    let logsTable: LogsTable;
    const q = async (sql: string, params: unknown[] = []) => (await client.query(sql.replaceAll('{{s}}', `"${schema}"`), params)).rows;
    const write = async (records: readonly LogRecord[]) => {
      await logsTable.prepare(client, records);
      await client.query('BEGIN');
      const n = await insertChunks(client, prepareInsert(logTable, `"${schema}".otel_logs`), records, 3);
      await client.query('COMMIT');
      return n;
    };

    before(async () => {
      const config = postgresAdapter.configSchema.parse({ url, schema });
      const target = postgresAdapter.schemaTarget!(config, {
        name: 'logs-test',
        logger,
        dataDir: '/tmp',
      });
      try {
        const result = await new MigrationRunner(target).up();
        assert.ok(result.ran.includes('0010_logs'), `0010_logs applied: ${result.ran.join(', ')}`);
        assert.equal(result.ran.includes('0011_logs_timescale_policies'), server.compression);
      } finally {
        await target.close();
      }
      client = new pg.Client({ connectionString: url });
      await client.connect();
      logsTable = new LogsTable(config, logger);
      await logsTable.start(client);
    });
    after(async () => {
      await client?.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await client?.end().catch(() => undefined);
    });

    test('every body type and every column reads back as written', async () => {
      const records = bodies.map(([name, body]) => record(name, body));
      assert.equal(await write(records), bodies.length);
      const rows = await q(
        `select *, time_unix_nano::text as t_ns, observed_time_unix_nano::text as o_ns, log_id::text as id,
           (extract(epoch from time) * 1000000)::bigint::text as time_us, (extract(epoch from observed_time) * 1000000)::bigint::text as observed_us,
           jsonb_typeof(body) as body_type, body::text as body_text, attributes->>'http.status' as status_text
         from {{s}}.otel_logs order by event_name`,
      );
      assert.equal(rows.length, bodies.length);
      for (const [name, body, expected] of bodies) {
        const row = rows.find((r) => r.event_name === name);
        assert.ok(row, name);
        const r = record(name, body);
        assert.equal(row.t_ns, T0.toString(), name);
        assert.equal(row.o_ns, (T0 + 1_000n).toString());
        assert.equal(row.time_us, (T0 / 1000n).toString());
        assert.equal(row.observed_us, ((T0 + 1_000n) / 1000n).toString());
        assert.equal(row.id, logId(r));
        assert.equal(row.severity_number, 9);
        assert.equal(row.severity_text, 'INFO');
        assert.equal(row.service_name, 'checkout');
        assert.deepEqual(row.attributes, { 'http.status': 200, path: '/cart' });
        assert.equal(row.status_text, '200');
        assert.deepEqual(row.resource_attributes, { 'service.name': 'checkout', 'host.name': 'h1' });
        assert.equal(row.scope_name, 'app.logger');
        assert.equal(row.scope_version, '1.2.3');
        assert.deepEqual(row.scope_attributes, { lib: 'pino' });
        assert.equal(row.dropped_attributes_count, 0);
        assert.equal(Number(row.flags), 1);
        assert.equal(row.trace_id, '0af7651916cd43dd8448eb211c80319c');
        assert.equal(row.span_id, 'b7ad6b7169203331');
        if (name === 'int') {
          // int64 exactly, as a JSON number (node-pg parses jsonb with JSON.parse, which rounds: compare the text).
          assert.equal(row.body_type, 'number');
          assert.equal(row.body_text, expected);
        } else if (name === 'none') assert.equal(row.body, null);
        else assert.deepEqual(row.body, expected, name);
      }
      const types = Object.fromEntries(rows.map((r) => [r.event_name, r.body_type]));
      assert.deepEqual(types, {
        array: 'array',
        bool: 'boolean',
        bytes: 'string',
        double: 'number',
        int: 'number',
        kvlist: 'object',
        none: null,
        string: 'string',
      });
    });

    test('a record with only an observed time, no trace and no body keeps those as NULL/0; a retry stores nothing twice', async () => {
      const bare = record('bare', null, {
        timeUnixNano: 0n,
        traceId: '',
        spanId: '',
        flags: 0,
        severityNumber: 0,
        severityText: '',
        droppedAttributesCount: 4,
      });
      assert.equal(await write([bare]), 1);
      assert.equal(await write([bare, record('string', bodies[0]![1])]), 0, 'the retried records are already there');
      const [row] = await q(
        `select time_unix_nano::text as t_ns, time = observed_time as time_is_observed, trace_id, span_id, flags::int, severity_number, dropped_attributes_count
         from {{s}}.otel_logs where event_name = 'bare'`,
      );
      assert.deepEqual(row, {
        t_ns: '0',
        time_is_observed: true,
        trace_id: null,
        span_id: null,
        flags: 0,
        severity_number: 0,
        dropped_attributes_count: 4,
      });
    });

    test('NUL and lone surrogates become U+FFFD in body, attributes and text columns, as for spans', async () => {
      takeReplacedCount();
      const bad = record('bad\u0000event', 'nul \u0000 here \ud800 alone', { severityText: 'WA\u0000RN', attributes: { 'k\u0000': 'v\udc00' } });
      assert.equal(await write([bad]), 1);
      const [row] = await q(`select body, severity_text, attributes, event_name from {{s}}.otel_logs where severity_text like 'WA%'`);
      assert.deepEqual(row, {
        body: 'nul \uFFFD here \uFFFD alone',
        severity_text: 'WA\uFFFDRN',
        attributes: { 'k\uFFFD': 'v\uFFFD' },
        event_name: 'bad\uFFFDevent',
      });
      assert.ok(takeReplacedCount() >= 4);
    });

    test('full-text search finds a record by a word of its body, through the GIN index', async () => {
      const search = `to_tsvector('simple', left(body #>> '{}', 65536)) @@ to_tsquery('simple', $1)`;
      assert.deepEqual(
        (await q(`select event_name from {{s}}.otel_logs where ${search} order by 1`, ['timeout'])).map((r) => r.event_name),
        ['string'],
      );
      assert.deepEqual(
        (await q(`select event_name from {{s}}.otel_logs where ${search} order by 1`, ['ann'])).map((r) => r.event_name),
        ['kvlist'],
        'a kvlist body is searched by its JSON text',
      );
      assert.deepEqual(await q(`select event_name from {{s}}.otel_logs where ${search}`, ['nowhere']), []);
      await q('set enable_seqscan = off');
      const plan = (await q(`explain select event_name from {{s}}.otel_logs where ${search}`, ['timeout'])).map((r) => r['QUERY PLAN']).join('\n');
      await q('reset enable_seqscan');
      // On a hypertable the chunks' indexes carry the parent's name; on a partitioned table PostgreSQL names the partitions' own.
      assert.match(plan, server.hypertable ? /Index Scan on \S*otel_logs_body_search_idx/ : /Index Scan on otel_logs_p\d+_to_tsvector_idx/);
    });

    test('indexes: GIN on the body text, (service, time), trace id, severity', async () => {
      const rows = await q(`select indexname, indexdef from pg_indexes where schemaname = $1 and tablename = 'otel_logs' order by 1`, [schema]);
      const byName = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
      assert.match(
        byName.otel_logs_body_search_idx,
        /USING gin \(to_tsvector\('simple'::regconfig, "left"\(\(body #>> '\{\}'::text\[\]\), 65536\)\)\)/,
      );
      assert.match(byName.otel_logs_service_time_idx, /\(service_name, "time" DESC\)/);
      assert.match(byName.otel_logs_trace_id_idx, /\(trace_id\)/);
      assert.match(byName.otel_logs_severity_time_idx, /\(severity_number, "time" DESC\)/);
      assert.match(byName.otel_logs_key, /UNIQUE .*\(log_id, "time"\)/);
    });

    test(server.hypertable ? 'otel_logs is a hypertable on time' : 'otel_logs is partitioned by time (no TimescaleDB)', async () => {
      if (server.hypertable) {
        const rows = await q(
          `select h.compression_enabled, d.column_name from timescaledb_information.hypertables h
             join timescaledb_information.dimensions d using (hypertable_schema, hypertable_name)
           where h.hypertable_schema = $1 and h.hypertable_name = 'otel_logs'`,
          [schema],
        );
        assert.deepEqual(rows, [{ compression_enabled: server.compression, column_name: 'time' }]);
      } else {
        const [row] = await q(`select relkind from pg_class where oid = to_regclass($1)`, [`"${schema}".otel_logs`]);
        assert.equal(row.relkind, 'p');
        const parts = await q(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass($1)`, [
          `"${schema}".otel_logs`,
        ]);
        assert.deepEqual(
          parts.map((p) => p.relname),
          ['otel_logs_p20251206'],
          'every record written here is on 2025-12-06',
        );
      }
    });
  });
}

describe('otel_logs in the series layout', () => {
  test('0010_logs applies there too (it is not one of the series-only migrations) and 0005 does as well', async () => {
    const url = backendUrl('postgres');
    const schema = `mf_logs_series_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const target = postgresAdapter.schemaTarget!(postgresAdapter.configSchema.parse({ url, schema, layout: 'series' }), {
      name: 'logs-series',
      logger,
      dataDir: '/tmp',
    });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const result = await new MigrationRunner(target).up();
      assert.ok(result.ran.includes('0005_series_layout') && result.ran.includes('0010_logs'), result.ran.join(', '));
      const { rows } = await client.query(`select to_regclass($1)::text as t`, [`"${schema}".otel_logs`]);
      assert.equal(rows[0].t, `${schema}.otel_logs`);
    } finally {
      await target.close();
      await client.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
      await client.end();
    }
  });
});
