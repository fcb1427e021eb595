/** `manifold migrate` as a user runs it: a YAML config with a PostgreSQL and a ClickHouse backend. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createClient } from '@clickhouse/client';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { killRunningCli, runCli } from '../support/process.js';

const name = `mf_mig_cli_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'manifold-migrate-cli-'));
const config = join(dir, 'manifold.yaml');
writeFileSync(
  config,
  [
    'backends:',
    '  pg:',
    '    kind: postgres',
    `    url: ${backendUrl('postgres')}`,
    `    schema: ${name}`,
    '    migrate: check',
    '  ch:',
    '    kind: clickhouse',
    `    url: ${backendUrl('clickhouse')}`,
    `    database: ${name}`,
    '    ttl: 48h',
    '',
  ].join('\n'),
);

after(async () => {
  killRunningCli();
  const client = new pg.Client(backendUrl('postgres'));
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
  await client.end();
  const ch = createClient({ url: backendUrl('clickhouse') });
  await ch.command({ query: `DROP DATABASE IF EXISTS ${name}` });
  await ch.close();
});

async function cli(...args: string[]): Promise<{ code: number | null; out: string }> {
  const run = runCli(['migrate', ...args, '-c', config]);
  const { code } = await run.exited;
  return { code, out: run.lines.join('\n') };
}

test('status, up --dry-run, up --to, up, and status again', async () => {
  let r = await cli('status');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /backend pg: .*schema mf_mig_cli/);
  assert.match(r.out, /0002_timescale_hypertables\s+pending \(will be skipped\).*timescaledb>=2\.13: timescaledb not found/);
  assert.match(r.out, /found: clickhouse \d+/);
  assert.match(r.out, /5 pending: run `manifold migrate up --backend ch`/);

  r = await cli('up', '--backend', 'ch', '--dry-run');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /TTL toDateTime\(Timestamp\) \+ toIntervalDay\(2\)/);

  r = await cli('up', '--backend', 'ch', '--to', '1');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /\[4\/4\] CREATE MATERIALIZED VIEW IF NOT EXISTS `mf_mig_cli_\d+`\.otel_traces_trace_id_ts_mv .* \d+\.\d\ds/);
  assert.match(r.out, /ch: applied 1, skipped 0/);

  r = await cli('up');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /pg: applied 3, skipped 9/); // 0001, 0010 and 0012 on plain PostgreSQL
  assert.match(r.out, /ch: applied 4, skipped 0/);

  r = await cli('status', '--backend', 'pg');
  assert.match(r.out, /0001_init\s+applied\s+[0-9a-f]{12}\s+\d{4}-\d\d-\d\dT\S+\s+\d+ms/);
  assert.match(r.out, /skipped migrations run at the next `up`/);

  r = await cli('down', '--backend', 'pg', '--to', '0', '--dry-run');
  assert.match(r.out, /DROP TABLE IF EXISTS "mf_mig_cli_\d+"\.otel_spans;/);

  r = await cli('status', '--backend', 'nope');
  assert.equal(r.code, 2);
  assert.match(r.out, /no backend named "nope"/);
});
