/**
 * The migration runner on real servers: PostgreSQL 15, TimescaleDB 2.19 (Apache build: hypertables yes,
 * policies no) and the PGlite TimescaleDB build under the `timescale` license (policies and the continuous
 * aggregate apply; it serves ONE connection at a time, so every step there closes its client first).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import type { SchemaTarget } from '../../src/adapters/contract.js';
import { SchemaNotReadyError } from '../../src/migrate/start.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { ChecksumMismatchError, DownRefusedError, MigrationRunner, terminalProgress, type RunnerOptions } from '../../src/migrate/index.js';
import { backendUrl, type BackendName } from '../support/backends.js';
import { captureStream, killRunnerMidway, tamperedMigrations } from './support.js';
import { adapterWithSchema } from '../support/schema-at-start.js';

const logger = pino({ level: 'silent' });
const WIDE = ['0001_init', '0002_timescale_hypertables', '0003_timescale_policies', '0004_timescale_rollup_backfill'];
/** The series layout's migrations (layout: series, test/adapters/postgres-series.test.ts); skipped here, where the layout is the default wide one. */
const SERIES = [
  '0005_series_layout',
  '0006_series_hypertables',
  '0007_series_timescale_policies',
  '0008_series_rollup_backfill',
  '0009_series_rollup_views',
];
/**
 * Logs (otel_logs), in either layout: 0010 everywhere (a hypertable where TimescaleDB is), 0011 on the community
 * build, 0012 everywhere (it partitions the table where no TimescaleDB is, and is empty where it is).
 */
const LOGS = ['0010_logs', '0011_logs_timescale_policies', '0012_logs_partitioned'];
const ALL = [...WIDE, ...SERIES, ...LOGS];
const LAYOUT_SKIP = 'layout=series: found layout=wide';

interface Server {
  readonly name: string;
  readonly backend: BackendName;
  /** What `up` applies there; the rest is skipped. */
  readonly applies: string[];
  readonly skipReason?: RegExp;
  /** The PGlite build queues a second connection: no two-runner test there. */
  readonly oneConnection?: boolean;
}

const servers: Server[] = [
  {
    name: 'PostgreSQL 15',
    backend: 'postgres',
    applies: ['0001_init', '0010_logs', '0012_logs_partitioned'],
    skipReason: new RegExp(`timescaledb(-license)? not found|${LAYOUT_SKIP}`),
  },
  {
    name: 'TimescaleDB 2.19 (Apache license)',
    backend: 'timescale',
    applies: ['0001_init', '0002_timescale_hypertables', '0010_logs', '0012_logs_partitioned'],
    skipReason: new RegExp(`found timescaledb-license=apache|${LAYOUT_SKIP}`),
  },
  {
    name: 'TimescaleDB on PGlite (timescale license)',
    backend: 'timescale-community',
    applies: [...WIDE, ...LOGS],
    skipReason: new RegExp(LAYOUT_SKIP),
    oneConnection: true,
  },
];

for (const server of servers) {
  describe(`migrations on ${server.name}`, () => {
    const url = backendUrl(server.backend);
    const schemas: string[] = [];
    const freshSchema = () => {
      const schema = `mf_mig_${process.pid}_${schemas.length}_${Math.floor(Math.random() * 1e6)}`;
      schemas.push(schema);
      return schema;
    };
    const targetFor = (schema: string, extra: Record<string, unknown> = {}): SchemaTarget =>
      postgresAdapter.schemaTarget!(postgresAdapter.configSchema.parse({ url, schema, ...extra }), { name: 'mig-test', logger, dataDir: '/tmp' });
    /** A runner on its own connection, closed afterwards. */
    const withRunner = async <T>(
      schema: string,
      fn: (runner: MigrationRunner) => Promise<T>,
      options: RunnerOptions = {},
      extra: Record<string, unknown> = {},
    ): Promise<T> => {
      const target = targetFor(schema, extra);
      try {
        return await fn(new MigrationRunner(target, options));
      } finally {
        await target.close();
      }
    };
    const query = async (sql: string, params: unknown[] = []) => {
      const client = new pg.Client(url);
      await client.connect();
      try {
        return (await client.query(sql, params)).rows;
      } finally {
        await client.end();
      }
    };

    after(async () => {
      for (const schema of schemas) await query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    });

    const schema = freshSchema();

    test('up from empty applies what the server supports and records the rest as skipped, saying why', async () => {
      const out = captureStream();
      const result = await withRunner(schema, (r) => r.up(), { progress: terminalProgress(out.stream) });
      assert.deepEqual(result.ran, server.applies);
      assert.deepEqual(
        result.skipped,
        ALL.filter((m) => !server.applies.includes(m)),
      );
      assert.match(out.text(), /→ 0001_init up: 11 statements, in one transaction/);
      assert.match(out.text(), /\[11\/11\] CREATE INDEX IF NOT EXISTS otel_spans_service_time_idx .* \d+\.\d\ds/);
      const rows = await query(
        `SELECT version, name, status, checksum, duration_ms, applied_by, reason FROM "${schema}".manifold_schema_migrations ORDER BY version`,
      );
      assert.deepEqual(
        rows.map((r) => [r.name, r.status]),
        ALL.map((m) => [m, server.applies.includes(m) ? 'applied' : 'skipped']),
      );
      assert.match(rows[0].checksum, /^[0-9a-f]{64}$/);
      assert.match(rows[0].applied_by, /pid \d+/);
      for (const row of rows.filter((r) => r.status === 'skipped')) assert.match(row.reason, server.skipReason!);
    });

    test('what was applied is really there', async () => {
      const tables = await query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1`,
        [schema],
      );
      assert.ok(tables.some((t) => t.table_name === 'otel_spans'));
      if (server.applies.includes('0002_timescale_hypertables')) {
        const hypertables = await query(`SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 ORDER BY 1`, [
          schema,
        ]);
        assert.equal(hypertables.length, 6, 'the five of 0002 and otel_logs');
      }
      if (server.applies.includes('0003_timescale_policies')) {
        const caggs = await query(`SELECT view_name FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1`, [schema]);
        assert.deepEqual(
          caggs.map((c) => c.view_name),
          ['otel_metrics_number_1m'],
        );
        const compressed = await query(
          `SELECT count(*)::int AS n FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 AND compression_enabled`,
          [schema],
        );
        assert.equal(compressed[0].n, 6);
        const jobs = await query(`SELECT proc_name FROM timescaledb_information.jobs WHERE hypertable_schema = $1 ORDER BY 1`, [schema]);
        assert.ok(jobs.some((j) => j.proc_name === 'policy_compression'));
        assert.ok(jobs.some((j) => j.proc_name === 'policy_refresh_continuous_aggregate'));
      }
    });

    test('status shows what was found, what is applied, and what was skipped because of it', async () => {
      const status = await withRunner(schema, (r) => r.status());
      assert.match(status.features.postgres!, /^\d+\.\d+/);
      if (server.backend !== 'postgres') assert.ok(status.features.timescaledb);
      for (const item of status.items) {
        assert.equal(item.state, server.applies.includes(item.migration.name) ? 'applied' : 'skipped', item.migration.name);
        if (item.state === 'skipped') assert.match(item.reason!, server.skipReason!);
        else assert.ok(item.entry!.durationMs >= 0 && item.entry!.appliedAt instanceof Date);
      }
      // Nothing left: a second up does nothing.
      assert.deepEqual(await withRunner(schema, (r) => r.up()), { ran: [], skipped: [] });
    });

    test('--dry-run prints the SQL with the settings filled in and changes nothing', async () => {
      const other = freshSchema();
      const settings = { timescaledb: { chunk_interval: '6h', retention: '30d', compress_after: '2d' } };
      const { sql } = await withRunner(other, (r) => r.up({ dryRun: true }), {}, settings);
      assert.match(sql!, new RegExp(`CREATE TABLE IF NOT EXISTS "${other}"\\.otel_metrics_number`));
      assert.doesNotMatch(sql!, /\{\{/);
      if (server.applies.includes('0002_timescale_hypertables')) assert.match(sql!, /by_range\('time', INTERVAL '6 hours'\)/);
      if (server.applies.includes('0003_timescale_policies')) {
        assert.match(sql!, /add_retention_policy\('"[^"]+"\.otel_spans', drop_after => INTERVAL '30 days'/);
        assert.match(sql!, /compress_after => INTERVAL '2 days'/);
        assert.match(sql!, /-- 0004_timescale_rollup_backfill\.up\.sql \(no transaction\)/);
      } else assert.match(sql!, /-- 0003_timescale_policies\.up\.sql: would be skipped \(timescaledb/);
      const ledger = await query(`SELECT to_regclass($1) AS t`, [`"${other}".manifold_schema_migrations`]);
      assert.equal(ledger[0].t, null);
    });

    test('down refuses clearly where a .down.sql is missing, reverts where it exists, and up re-applies', async () => {
      if (server.applies.includes('0002_timescale_hypertables')) {
        await assert.rejects(
          withRunner(schema, (r) => r.down({ to: 0 })),
          (error: Error) => {
            assert.ok(error instanceof DownRefusedError);
            assert.match(error.message, /no \.down\.sql for 0002_timescale_hypertables.*Nothing was changed/s);
            return true;
          },
        );
        const result = await withRunner(schema, (r) => r.down({ to: 2 }));
        assert.deepEqual(result.ran, server.applies.filter((m) => m >= '0003').reverse());
        if (server.applies.includes('0003_timescale_policies')) {
          const caggs = await query(`SELECT count(*)::int AS n FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1`, [schema]);
          assert.equal(caggs[0].n, 0);
        }
      } else {
        const result = await withRunner(schema, (r) => r.down({ to: 0 }));
        assert.deepEqual(result.ran, ['0012_logs_partitioned', '0010_logs', '0001_init']);
        const tables = await query(`SELECT to_regclass($1) AS t`, [`"${schema}".otel_spans`]);
        assert.equal(tables[0].t, null);
      }
      const again = await withRunner(schema, (r) => r.up());
      assert.deepEqual(
        again.ran,
        server.applies.filter((m) => !server.applies.includes('0002_timescale_hypertables') || m >= '0003'),
      );
      const status = await withRunner(schema, (r) => r.status());
      assert.ok(status.items.every((i) => i.state === 'applied' || i.state === 'skipped'));
    });

    test('an applied file whose checksum changed is refused, naming the file', async () => {
      const root = tamperedMigrations('postgres', '0001_init.up.sql');
      await assert.rejects(
        withRunner(schema, (r) => r.up(), { migrationsRoot: root }),
        (error: Error) => {
          assert.ok(error instanceof ChecksumMismatchError);
          assert.match(error.message, /0001_init\.up\.sql: applied with sha256 [0-9a-f]{16}…, the file now has [0-9a-f]{16}…/);
          assert.match(error.message, /put the change in a new migration/);
          return true;
        },
      );
      const status = await withRunner(schema, (r) => r.status(), { migrationsRoot: root });
      assert.equal(status.items[0]!.state, 'changed');
    });

    test('migrate: check refuses to write while migrations are pending and names the command', async () => {
      const other = freshSchema();
      const adapter = adapterWithSchema(
        postgresAdapter,
        postgresAdapter.configSchema.parse({ url, schema: other }),
        { name: 'pg-check', logger, dataDir: '/tmp' },
        'check',
      );
      try {
        await assert.rejects(adapter.start(), (error: Error) => {
          assert.ok(error instanceof SchemaNotReadyError);
          assert.match(
            error.message,
            new RegExp(
              `backend pg-check: ${ALL.length} migrations pending \\(0001_init, .*\\) and migrate is "check".*run \`manifold migrate up --backend pg-check\``,
            ),
          );
          return true;
        });
        assert.equal((await query(`SELECT to_regclass($1) AS t`, [`"${other}".otel_spans`]))[0].t, null, 'check must not touch DDL');
        await withRunner(other, (r) => r.up());
        await adapter.start();
      } finally {
        await adapter.close();
      }
    });

    if (!server.oneConnection) {
      test('two runners started at once: one waits for the other, the schema is applied once', async () => {
        const other = freshSchema();
        const waits: string[] = [];
        const [a, b] = await Promise.all(
          [0, 1].map(() => withRunner(other, (r) => r.up(), { progress: { waitingForLock: (holder: string) => waits.push(holder) } })),
        );
        const ran = [...a!.ran, ...b!.ran].sort();
        assert.deepEqual(ran, server.applies, 'each migration ran exactly once');
        assert.ok(a!.ran.length === 0 || b!.ran.length === 0, 'one runner found everything done');
        assert.equal(waits.length, 1);
        assert.match(waits[0]!, /manifold-migrate .* pid \d+/);
        const rows = await query(`SELECT count(*)::int AS n FROM "${other}".manifold_schema_migrations`);
        assert.equal(rows[0].n, ALL.length);
      });

      test('a runner killed mid-way (kill -9) leaves nothing half-done; the next run finishes', async () => {
        const other = freshSchema();
        // Paused inside 0001's transaction, after 5 of its statements, holding the lock.
        await killRunnerMidway('postgres', { url, schema: other }, 5);
        const status = await withRunner(other, (r) => r.status());
        assert.equal(status.items[0]!.state, 'pending', 'the killed transaction rolled back: 0001 is not recorded');
        assert.equal((await query(`SELECT to_regclass($1) AS t`, [`"${other}".otel_metrics_number`]))[0].t, null);
        // The server dropped the dead session's advisory lock: no wait.
        const started = Date.now();
        const result = await withRunner(other, (r) => r.up({}), { lockWaitMs: 5_000 });
        assert.deepEqual(result.ran, server.applies);
        assert.ok(Date.now() - started < 5_000);
      });
    }
  });
}
