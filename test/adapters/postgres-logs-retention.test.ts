/**
 * otel_logs' time partitioning and retention (migration 0012, src/adapters/postgres/logs-table.ts) on the four kinds
 * of server: on the embedded PGlite store and PostgreSQL 15 the table is partitioned by time, the adapter creates
 * the partitions a batch needs before writing it and drops those past the retention; on TimescaleDB's Apache build
 * the adapter drops old chunks; on the community build a retention policy does it. Also: 0012 moves rows already
 * stored in the plain table of 0010 into partitions, and its down moves them back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { type Adapter, TransientWriteError } from '../../src/adapters/contract.js';
import { postgresAdapter, type PostgresAdapter } from '../../src/adapters/postgres/index.js';
import { MigrationRunner } from '../../src/migrate/index.js';
import type { LogRecord } from '../../src/model/index.js';
import { backendUrl } from '../support/backends.js';
import { postgresTargets, schemaQuery } from '../support/postgres-targets.js';
import { adapterWithSchema } from '../support/schema-at-start.js';
import { writeDecoded } from '../support/write.js';
import { resource, scope } from './postgres.fixtures.js';

const logger = pino({ level: 'silent' });
const dataDir = mkdtempSync(join(tmpdir(), 'manifold-pg-logs-retention-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const DAY_MS = 86_400_000;
// Real time: the adapter's start() runs the maintenance too, at the clock's time.
const NOW = Date.now();
const ns = (ms: number) => BigInt(ms) * 1_000_000n;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');

function record(name: string, timeMs: number, observedMs = timeMs): LogRecord {
  return {
    resource,
    scope,
    timeUnixNano: timeMs === 0 ? 0n : ns(timeMs) + 789n,
    observedTimeUnixNano: observedMs === 0 ? 0n : ns(observedMs),
    severityNumber: 13,
    severityText: 'WARN',
    body: `record ${name}`,
    attributes: {},
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: name,
  };
}
/** Now, 40 days ago, and one with neither time (stored at the epoch: OTLP allows a record without times). */
const records = [record('now', NOW), record('old', NOW - 40 * DAY_MS), record('timeless', 0, 0)];

const targets = postgresTargets(dataDir, logger);

for (const target of targets) {
  describe(`otel_logs retention on ${target.name}`, () => {
    const schema = `mf_logs_ret_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    let url: string;
    // The PGlite TimescaleDB build serves one connection at a time: every read opens and closes its own, and
    // every adapter is closed (its pool with it) before anything reads.
    const q = schemaQuery(() => url, schema);
    const stored = async () => (await q(`select event_name from {{s}}.otel_logs order by 1`)).map((r) => r.event_name);
    const partitions = async () =>
      (
        await q(`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass($1) order by 1`, [
          `"${schema}".otel_logs`,
        ])
      ).map((r) => r.name);
    /** retention: '0s' keeps everything (the default). On the community build it is a policy made by 0011, at the first start. */
    const withAdapter = async <T>(layout: 'wide' | 'series', retention: string, fn: (a: Adapter) => Promise<T>): Promise<T> => {
      const a = adapterWithSchema(
        postgresAdapter,
        postgresAdapter.configSchema.parse({
          url,
          schema,
          layout,
          pool_size: 1,
          maintenance_interval: 0,
          timescaledb: { retention: target.kind === 'community' ? '30d' : retention },
        }),
        { name: 'logs-retention', logger, dataDir },
      );
      try {
        await a.start();
        return await fn(a);
      } finally {
        await a.close();
      }
    };

    before(async () => {
      url = await target.url();
    });
    after(async () => {
      await q(`drop schema if exists {{s}} cascade`).catch(() => undefined);
      await target.stop();
    });

    test('records far apart in time are written (the partitions they need are made first) and stored once', async () => {
      await withAdapter('wide', '0s', async (a) => {
        assert.deepEqual(await writeDecoded(a, { id: 'logs-1', attempt: 1, metrics: [], spans: [], logs: records }), { written: 3 });
        await writeDecoded(a, { id: 'logs-1', attempt: 2, metrics: [], spans: [], logs: records });
      });
      assert.deepEqual(await stored(), ['now', 'old', 'timeless']);
      const [kind] = await q(`select relkind::text from pg_class where oid = to_regclass($1)`, [`"${schema}".otel_logs`]);
      assert.equal(kind.relkind, target.kind === 'partitioned' ? 'p' : 'r');
      if (target.kind === 'partitioned') {
        const names = await partitions();
        for (const t of [NOW, NOW - 40 * DAY_MS, 0]) assert.ok(names.includes(`otel_logs_p${day(t)}`), `${day(t)} in ${names.join(', ')}`);
      }
    });

    test('the series layout writes its log records the same way', async () => {
      await withAdapter('series', '0s', (a) =>
        writeDecoded(a, { id: 'logs-2', attempt: 1, metrics: [], spans: [], logs: [record('series-old', NOW - 400 * DAY_MS)] }),
      );
      assert.deepEqual(await stored(), ['now', 'old', 'series-old', 'timeless']);
      if (target.kind === 'partitioned') assert.ok((await partitions()).includes(`otel_logs_p${day(NOW - 400 * DAY_MS)}`));
    });

    test('a partition dropped behind the adapter (by another gateway for retention): the write fails as transient, and its retry makes it again', async () => {
      if (target.kind !== 'partitioned') return;
      const at = NOW - 100 * DAY_MS;
      await withAdapter('wide', '0s', async (a) => {
        await writeDecoded(a, { id: 'logs-3', attempt: 1, metrics: [], spans: [], logs: [record('late-1', at)] });
        await q(`drop table {{s}}.otel_logs_p${day(at)}`);
        const late = { id: 'logs-4', attempt: 1, metrics: [], spans: [], logs: [record('late-2', at)] };
        await assert.rejects(writeDecoded(a, late), (error: Error) => {
          assert.ok(error instanceof TransientWriteError, String(error));
          assert.match(error.message, /no partition of relation .*made again on the retry/);
          return true;
        });
        assert.deepEqual(await writeDecoded(a, { ...late, attempt: 2 }), { written: 1 });
      });
      assert.ok((await stored()).includes('late-2'));
      assert.ok(!(await stored()).includes('late-1'), 'it went with its partition');
    });

    test(
      target.kind === 'community'
        ? 'retention is a policy on the server'
        : 'maintenance drops what is past the retention (30 days) and keeps the rest',
      async () => {
        if (target.kind === 'community') {
          const jobs = await q(
            `select proc_name from timescaledb_information.jobs where hypertable_schema = $1 and hypertable_name = 'otel_logs' order by 1`,
            [schema],
          );
          assert.deepEqual(
            jobs.map((j) => j.proc_name),
            ['policy_compression', 'policy_retention'],
          );
          return;
        }
        // start() already ran it once; then once more, as the timer would.
        await withAdapter('wide', '30d', (a) => (a as PostgresAdapter).maintain(NOW));
        assert.deepEqual(await stored(), ['now']);
        if (target.kind === 'partitioned') {
          const names = await partitions();
          assert.ok(!names.some((n) => n < `otel_logs_p${day(NOW - 30 * DAY_MS)}`), `nothing older than 30 days: ${names.join(', ')}`);
          // Made ahead: today and the two days after (partitions_ahead: 2d).
          for (const t of [NOW, NOW + DAY_MS, NOW + 2 * DAY_MS]) assert.ok(names.includes(`otel_logs_p${day(t)}`), `${day(t)} ahead`);
        }
      },
    );
  });
}

describe('maintenance with only otel_logs to look after (wide layout)', () => {
  test('the timer does not connect while nothing is written (an idle embedded store stays stopped), and runs after a write', async () => {
    const url = backendUrl('postgres');
    const schema = `mf_logs_idle_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
    const a = adapterWithSchema(
      postgresAdapter,
      postgresAdapter.configSchema.parse({ url, schema, pool_size: 1, maintenance_interval: '1s', timescaledb: { retention: '30d' } }),
      { name: 'logs-idle', logger, dataDir },
    ) as PostgresAdapter;
    let runs = 0;
    const maintain = a.maintain.bind(a);
    a.maintain = (now?: number) => {
      runs++;
      return maintain(now);
    };
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await a.start();
      const atStart = runs;
      assert.equal(atStart, 1, 'once at start');
      await sleep(2_500);
      assert.equal(runs, atStart, 'no maintenance while nothing is written');
      await writeDecoded(a, { id: 'idle-1', attempt: 1, metrics: [], spans: [], logs: [record('idle', Date.now())] });
      await sleep(2_500);
      assert.equal(runs, atStart + 1, 'one after the write, none after that');
    } finally {
      await a.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    }
  });
});

describe('migration 0012 on PostgreSQL 15: the rows of the plain table of 0010 move into partitions, and back', () => {
  const url = backendUrl('postgres');
  const schema = `mf_logs_0012_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client({ connectionString: url });
  const runner = () => {
    const target = postgresAdapter.schemaTarget!(postgresAdapter.configSchema.parse({ url, schema, timescaledb: { chunk_interval: '6h' } }), {
      name: 'logs-0012',
      logger,
      dataDir,
    });
    return { runner: new MigrationRunner(target), close: () => target.close() };
  };
  const run = async <T>(fn: (r: MigrationRunner) => Promise<T>): Promise<T> => {
    const { runner: r, close } = runner();
    try {
      return await fn(r);
    } finally {
      await close();
    }
  };
  const rows = async () =>
    (await client.query(`select event_name, time, body from "${schema}".otel_logs order by event_name`)).rows.map((r) => JSON.stringify(r));
  const relkind = async () =>
    (await client.query(`select relkind::text from pg_class where oid = to_regclass($1)`, [`"${schema}".otel_logs`])).rows[0].relkind;

  before(() => client.connect());
  after(async () => {
    await client.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await client.end();
  });

  test('up to 0011, rows in the plain table; up: partitioned (6-hour partitions, named as the gateway names them) with the same rows; down: plain again', async () => {
    await run((r) => r.up({ to: 11 }));
    assert.equal(await relkind(), 'r');
    // Three rows in three different 6-hour partitions, inserted as an older gateway would have.
    const stored: [name: string, at: string][] = [
      ['a', '2026-12-01T01:00:00Z'],
      ['b', '2026-12-01T07:30:00Z'],
      ['c', '2026-11-02T23:59:59.999999Z'],
    ];
    for (const [name, at] of stored)
      await client.query(
        `insert into "${schema}".otel_logs (time, time_unix_nano, observed_time_unix_nano, log_id, severity_number, severity_text, service_name, body,
           attributes, resource_attributes, scope_name, scope_version, scope_attributes, dropped_attributes_count, flags, event_name)
         values ($1, 1, 0, $2, 9, 'INFO', 'svc', to_jsonb($3::text), '{}', '{}', '', '', '{}', 0, 0, $3)`,
        [at, name.charCodeAt(0), name],
      );
    const before = await rows();

    assert.deepEqual((await run((r) => r.up())).ran, ['0012_logs_partitioned']);
    assert.equal(await relkind(), 'p');
    const parts = (
      await client.query(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = to_regclass($1) order by 1`, [
        `"${schema}".otel_logs`,
      ])
    ).rows.map((r) => r.relname);
    assert.deepEqual(parts, ['otel_logs_p202611021800', 'otel_logs_p202612010000', 'otel_logs_p202612010600']);
    assert.deepEqual(await rows(), before);
    const indexes = (await client.query(`select indexname from pg_indexes where schemaname = $1 and tablename = 'otel_logs' order by 1`, [schema]))
      .rows;
    assert.deepEqual(
      indexes.map((i) => i.indexname),
      ['otel_logs_body_search_idx', 'otel_logs_key', 'otel_logs_service_time_idx', 'otel_logs_severity_time_idx', 'otel_logs_trace_id_idx'],
    );

    assert.deepEqual((await run((r) => r.down({ to: 11 }))).ran, ['0012_logs_partitioned']);
    assert.equal(await relkind(), 'r');
    assert.deepEqual(await rows(), before);
    assert.deepEqual((await run((r) => r.up())).ran, ['0012_logs_partitioned']);
    assert.deepEqual(await rows(), before);
  });
});
