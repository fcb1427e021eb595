/**
 * `manifold doctor` (issue 12) finds, each by name with its fix: a stopped backend, a wrong password (a private
 * VictoriaMetrics with HTTP basic auth) and a missing migration (a fresh PostgreSQL schema); once migrated and
 * with the right password, those lines pass, and a config with nothing wrong exits 0. InfluxDB is checked by a
 * write, not only its ping (which answers anyone): a database that does not exist is named.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually } from '../support/gateway.js';
import { freePorts, killRunningCli, runCli } from '../support/process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'manifold-doctor-'));
const schema = `doctor_${randomBytes(4).toString('hex')}`;
const [vmPort, closedPort] = await freePorts(2);
const vm = spawn(
  'victoria-metrics',
  [`-storageDataPath=${dir}/vm`, `-httpListenAddr=127.0.0.1:${vmPort}`, '-httpAuth.username=writer', '-httpAuth.password=right-pw'],
  { stdio: 'ignore' },
);
after(async () => {
  killRunningCli();
  vm.kill('SIGKILL');
  const db = new pg.Client({ connectionString: backendUrl('postgres') });
  await db.connect();
  await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db.end();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, backends: string[]): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [`data_dir: ${dir}/data`, `queue: { kind: embedded, path: ${dir}/queue }`, 'backends:', ...backends.map((b) => `  ${b}`)].join('\n'),
  );
  return file;
}
async function doctor(file: string): Promise<{ code: number | null; out: string }> {
  const run = runCli(['doctor', '--config', file]);
  const { code } = await run.exited;
  return { code, out: run.lines.join('\n') };
}
const vmBackend = (password: string) =>
  `locked: { kind: prometheus, url: "http://127.0.0.1:${vmPort}/api/v1/write", basic_auth: { username: writer, password: ${password} } }`;
const pgBackend = `pg: { kind: postgres, url: "${backendUrl('postgres')}", schema: ${schema} }`;

test('doctor names a stopped backend, a wrong password and a missing migration, each with its fix', { timeout: 120_000 }, async () => {
  await eventually(
    () => fetch(`http://127.0.0.1:${vmPort}/health`).then((r) => r.status),
    (s) => s === 200 || s === 401,
    15_000,
    'private VictoriaMetrics up',
  );
  const broken = config('broken', [
    `stopped: { kind: prometheus, url: "http://127.0.0.1:${closedPort}/api/v1/write" }`,
    vmBackend('wrong-pw'),
    pgBackend,
  ]);
  const first = await doctor(broken);
  assert.equal(first.code, 1, first.out);
  assert.match(first.out, /^ok +queue \(embedded\)/m);
  assert.match(first.out, /^FAIL +backend stopped \(prometheus\): .*ECONNREFUSED[^\n]*\n +fix: start the server, or fix backends\.stopped\.url/m);
  assert.match(first.out, /^FAIL +backend locked \(prometheus\): .*HTTP 401[^\n]*\n +fix: the server refused the credentials: fix backends\.locked/m);
  assert.match(first.out, /^ok +backend pg \(postgres\): answers/m);
  assert.match(
    first.out,
    /^FAIL +backend pg \(postgres\) schema: postgres [\d.]+(, [^;\n]+)?; \d+ migrations? pending: 0001_init[^\n]*\n +fix: manifold migrate up --backend pg/m,
  );
  assert.ok(!first.out.includes('wrong-pw'), 'the password is not shown');

  const migrate = runCli(['migrate', 'up', '--backend', 'pg', '--config', broken]);
  assert.equal((await migrate.exited).code, 0, migrate.lines.join('\n'));
  const healthy = await doctor(config('healthy', [vmBackend('right-pw'), pgBackend]));
  assert.equal(healthy.code, 0, healthy.out);
  assert.match(healthy.out, /^ok +backend locked \(prometheus\): answers/m);
  assert.match(healthy.out, /^ok +backend pg \(postgres\) schema: postgres [\d.]+(, [^;\n]+)?; migrated/m);
});

test('doctor checks InfluxDB by an empty write: a missing database is named, an existing one passes', { timeout: 60_000 }, async () => {
  const url = backendUrl('influxdb1');
  const database = `doctor_${randomBytes(4).toString('hex')}`;
  const missing = await doctor(config('influx-missing', [`influx: { kind: influxdb, url: "${url}", database: ${database} }`]));
  assert.equal(missing.code, 1, missing.out);
  assert.match(missing.out, /^FAIL +backend influx \(influxdb\): .*database not found[^\n]*\n +fix: the server has no such endpoint or database/m);
  const query = (q: string) => fetch(`${url}/query?${new URLSearchParams({ q })}`, { method: 'POST' }).then((r) => assert.equal(r.status, 200));
  await query(`CREATE DATABASE "${database}"`);
  try {
    const created = await doctor(config('influx-created', [`influx: { kind: influxdb, url: "${url}", database: ${database} }`]));
    assert.equal(created.code, 0, created.out);
    assert.match(created.out, /^ok +backend influx \(influxdb\): answers/m);
  } finally {
    await query(`DROP DATABASE "${database}"`);
  }
});
