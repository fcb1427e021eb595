/**
 * The migration runner on the ClickHouse engine (chDB behind its HTTP front), through the ClickHouse
 * schema target: no transactions, a lease lock in a table, a ReplacingMergeTree ledger.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createClient } from '@clickhouse/client';
import { pino } from 'pino';
import { clickhouseAdapter } from '../../src/adapters/clickhouse/index.js';
import { ChecksumMismatchError, MigrationRunner, terminalProgress, type RunnerOptions } from '../../src/migrate/index.js';
import { backendUrl } from '../support/backends.js';
import { captureStream, killRunnerMidway, tamperedMigrations } from './support.js';

const url = backendUrl('clickhouse');
const logger = pino({ level: 'silent' });
const ALL = ['0001_otel_traces', '0002_otel_metrics', '0003_rollups', '0004_insert_dedup', '0005_otel_logs'];
const reader = createClient({ url });
const databases: string[] = [];
const freshDatabase = () => {
  const db = `mf_mig_${process.pid}_${databases.length}_${Math.floor(Math.random() * 1e6)}`;
  databases.push(db);
  return db;
};
const configFor = (database: string, extra: Record<string, unknown> = {}) => ({ url, database, lock_lease: 3, ...extra });
const withRunner = async <T>(
  database: string,
  fn: (r: MigrationRunner) => Promise<T>,
  options: RunnerOptions = {},
  extra: Record<string, unknown> = {},
): Promise<T> => {
  const target = clickhouseAdapter.schemaTarget(clickhouseAdapter.configSchema.parse(configFor(database, extra)), {
    name: 'ch-test',
    logger,
    dataDir: '/tmp',
  });
  try {
    return await fn(new MigrationRunner(target, options));
  } finally {
    await target.close();
  }
};
const tables = async (database: string) =>
  (
    await (
      await reader.query({
        query: 'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
        query_params: { db: database },
        format: 'JSONEachRow',
      })
    ).json<{ name: string }>()
  ).map((r) => r.name);

after(async () => {
  for (const db of databases) await reader.command({ query: `DROP DATABASE IF EXISTS \`${db}\`` });
  await reader.close();
});

describe('migrations on ClickHouse (chDB engine)', () => {
  const db = freshDatabase();

  test('up from empty creates the Collector-compatible tables, views and rollup, with progress', async () => {
    const out = captureStream();
    const result = await withRunner(db, (r) => r.up(), { progress: terminalProgress(out.stream) }, { ttl: '72h' });
    assert.deepEqual(result.ran, ALL);
    assert.match(out.text(), /→ 0001_otel_traces up: 4 statements\n/);
    assert.match(out.text(), /\[2\/4\] CREATE TABLE IF NOT EXISTS `mf_mig_[^`]+`\.otel_traces .* \d+\.\d\ds/);
    assert.deepEqual(await tables(db), [
      'manifold_schema_lock',
      'manifold_schema_migrations',
      'otel_logs',
      'otel_metrics_exp_histogram',
      'otel_metrics_gauge',
      'otel_metrics_histogram',
      'otel_metrics_sum',
      'otel_metrics_summary',
      'otel_traces',
      'otel_traces_red_1m',
      'otel_traces_red_1m_mv',
      'otel_traces_trace_id_ts',
      'otel_traces_trace_id_ts_mv',
    ]);
    const [ddl] = await (
      await reader.query({
        query: `SELECT create_table_query AS q FROM system.tables WHERE database = {db:String} AND name = 'otel_traces'`,
        query_params: { db },
        format: 'JSONEachRow',
      })
    ).json<{ q: string }>();
    assert.match(ddl!.q, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(3\)/);
    assert.match(ddl!.q, /INDEX idx_trace_id TraceId TYPE bloom_filter\(0\.001\)/);
  });

  test('the schema works: a span inserted lands in otel_traces, the trace-id lookup and the rollup', async () => {
    const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
    await reader.insert({
      table: `${db}.otel_traces`,
      format: 'JSONEachRow',
      values: [
        {
          Timestamp: now,
          TraceId: 'abc',
          SpanId: '01',
          ServiceName: 'svc',
          SpanName: 'GET /',
          SpanKind: 'Server',
          Duration: 1500,
          StatusCode: 'Error',
        },
      ],
    });
    const [red] = await (
      await reader.query({
        query: `SELECT countMerge(Calls) AS calls, countIfMerge(Errors) AS errors, maxMerge(DurationMax) AS max FROM ${db}.otel_traces_red_1m`,
        format: 'JSONEachRow',
      })
    ).json<{ calls: string; errors: string; max: string }>();
    assert.deepEqual([Number(red!.calls), Number(red!.errors), Number(red!.max)], [1, 1, 1500]);
    const [lookup] = await (await reader.query({ query: `SELECT TraceId FROM ${db}.otel_traces_trace_id_ts`, format: 'JSONEachRow' })).json<{
      TraceId: string;
    }>();
    assert.equal(lookup!.TraceId, 'abc');
  });

  test('status lists what is applied, with checksums, when and how long, and the server version found', async () => {
    const status = await withRunner(db, (r) => r.status());
    assert.match(status.features.clickhouse!, /^\d+\.\d+/);
    assert.deepEqual(
      status.items.map((i) => [i.migration.name, i.state]),
      ALL.map((m) => [m, 'applied']),
    );
    for (const item of status.items) {
      assert.equal(item.entry!.checksum, item.migration.checksum);
      assert.ok(item.entry!.appliedAt.getTime() > Date.now() - 600_000);
      assert.ok(item.entry!.durationMs >= 0);
    }
    assert.deepEqual(await withRunner(db, (r) => r.up()), { ran: [], skipped: [] });
  });

  test('down to 1 reverts 0005 to 0002, down to 0 the rest; up re-applies all', async () => {
    assert.deepEqual((await withRunner(db, (r) => r.down({ to: 1 }))).ran, [
      '0005_otel_logs',
      '0004_insert_dedup',
      '0003_rollups',
      '0002_otel_metrics',
    ]);
    assert.ok(!(await tables(db)).includes('otel_logs'));
    assert.ok(!(await tables(db)).includes('otel_metrics_gauge'));
    assert.deepEqual(
      (await withRunner(db, (r) => r.status())).items.map((i) => i.state),
      ['applied', 'pending', 'pending', 'pending', 'pending'],
    );
    assert.deepEqual((await withRunner(db, (r) => r.down({ to: 0 }))).ran, ['0001_otel_traces']);
    assert.deepEqual(await tables(db), ['manifold_schema_lock', 'manifold_schema_migrations']);
    assert.deepEqual((await withRunner(db, (r) => r.up())).ran, ALL);
  });

  test('an applied file whose checksum changed is refused, naming the file', async () => {
    const root = tamperedMigrations('clickhouse', '0002_otel_metrics.up.sql');
    await assert.rejects(
      withRunner(db, (r) => r.up(), { migrationsRoot: root }),
      (error: Error) => {
        assert.ok(error instanceof ChecksumMismatchError);
        assert.match(error.message, /0002_otel_metrics\.up\.sql: applied with sha256/);
        return true;
      },
    );
  });

  test('--dry-run prints the SQL with database, ON CLUSTER, replicated engine and TTL filled in', async () => {
    const other = freshDatabase();
    const { sql } = await withRunner(other, (r) => r.up({ dryRun: true }), {}, { cluster: 'prod', replicated: true, ttl: '30d' });
    assert.match(sql!, new RegExp(`CREATE TABLE IF NOT EXISTS \`${other}\`\\.otel_traces ON CLUSTER \`prod\` \\(`));
    assert.match(sql!, /ENGINE = ReplicatedMergeTree\(\)/);
    assert.match(sql!, /ENGINE = ReplicatedAggregatingMergeTree\(\)/);
    assert.match(sql!, /TTL toDateTime\(TimeUnix\) \+ toIntervalDay\(30\)/);
    assert.doesNotMatch(sql!, /\{\{/);
    const plain = (await withRunner(other, (r) => r.up({ dryRun: true }))).sql!;
    assert.doesNotMatch(plain.replace(/--[^\n]*\n/g, ''), /ON CLUSTER|TTL toDateTime|Replicated/);
    assert.match(plain, /-- 0001_otel_traces\.up\.sql \(no transaction\)/);
    assert.deepEqual(await tables(other), [], 'a dry run creates nothing');
  });

  test('two runners started at once: one waits for the lock, the schema is applied once', async () => {
    const other = freshDatabase();
    const waits: string[] = [];
    const results = await Promise.all(
      [0, 1].map(() => withRunner(other, (r) => r.up(), { progress: { waitingForLock: (holder: string) => waits.push(holder) } })),
    );
    assert.deepEqual(results.flatMap((r) => r.ran).sort(), ALL);
    assert.ok(results.some((r) => r.ran.length === 0));
    assert.equal(waits.length, 1);
    const [count] = await (
      await reader.query({ query: `SELECT count() AS n FROM \`${other}\`.manifold_schema_migrations FINAL`, format: 'JSONEachRow' })
    ).json<{ n: string }>();
    assert.equal(Number(count!.n), ALL.length);
  });

  test('a runner killed mid-way (kill -9) on this host: its lock is taken at once, the next run resumes where it stopped', async () => {
    const other = freshDatabase();
    // 4 statements of 0001, then 2 of 0002's 5: paused inside the third, holding the lock.
    await killRunnerMidway('clickhouse', configFor(other), 6);
    const status = await withRunner(other, (r) => r.status());
    assert.deepEqual(
      status.items.map((i) => i.state),
      ['applied', 'pending', 'pending', 'pending', 'pending'],
    );
    assert.equal(status.items[1]!.resumeAt, 2);
    assert.match(status.items[1]!.reason!, /interrupted after 2 statements/);
    const waits: string[] = [];
    const out = captureStream();
    const result = await withRunner(other, (r) => r.up(), {
      progress: { ...terminalProgress(out.stream), waitingForLock: (holder: string) => waits.push(holder) },
    });
    assert.deepEqual(result.ran, ['0002_otel_metrics', '0003_rollups', '0004_insert_dedup', '0005_otel_logs']);
    assert.deepEqual(waits, [], 'the dead runner was of this host: no waiting for its lease to run out');
    assert.match(out.text(), /0002_otel_metrics up: 5 statements, resuming at 3/);
    assert.ok((await tables(other)).includes('otel_metrics_summary'));
    assert.deepEqual(
      (await withRunner(other, (r) => r.status())).items.map((i) => i.state),
      ['applied', 'applied', 'applied', 'applied', 'applied'],
    );
  });

  test('a lock claimed by a runner of another host is waited for until its lease runs out', async () => {
    const other = freshDatabase();
    await withRunner(other, (r) => r.up()); // applied: the next up() only takes the lock and finds nothing to do
    await reader.command({
      query: `INSERT INTO \`${other}\`.manifold_schema_lock SELECT 'far-token', 'ops@elsewhere pid 4242 (manifold migrate)', now64(6), now64(6) + toIntervalSecond(2), now64(6)`,
    });
    const waits: string[] = [];
    const result = await withRunner(other, (r) => r.up(), { progress: { waitingForLock: (holder: string) => waits.push(holder) } });
    assert.deepEqual(result.ran, []);
    assert.match(waits[0] ?? '', /ops@elsewhere pid 4242/);
  });
});
