/**
 * `manifold postgres upgrade` as a user runs it, on PostgreSQL 15: the SDK's exporters send metrics and spans to a
 * gateway writing `layout: wide`; the config is switched to `layout: series` and the command copies the history;
 * the series views give back what was sent; a gateway on the series layout then takes the same instruments again
 * and its points join the copied series (no new series, no duplicates). The adapter's upgrade on all four kinds of
 * server: test/adapters/postgres-upgrade.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { metricExporter, recordE2eMetrics, traceExporter, tracerProvider } from '../support/otel.js';
import { killRunningCli, runCli } from '../support/process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'manifold-pg-upgrade-cli-'));
const url = backendUrl('postgres');
const schema = `manifold_pg_upgrade_cli_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
const db = new pg.Client({ connectionString: url });
after(async () => {
  killRunningCli();
  await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await db.end();
  rmSync(dir, { recursive: true, force: true });
});
const rows = async (sql: string) => (await db.query(sql.replaceAll('{{s}}', `"${schema}"`))).rows;

async function written(gateway: TestGateway): Promise<number> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('manifold_backend_written_items_total{backend="pg"}'));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** The SDK's metric set (6 points) and one span, through a gateway writing `layout`; waits until all are written. */
async function send(layout: 'wide' | 'series', service: string): Promise<void> {
  const gateway = await startTestGateway({ backends: { pg: { kind: 'postgres', url, schema, layout } } }, mkdtempSync(path.join(dir, 'gw-')));
  try {
    await recordE2eMetrics(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), service);
    const { provider } = tracerProvider(traceExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), { 'service.name': service });
    provider.getTracer('upgrade-tracer').startSpan(`GET /${layout}`).end();
    await provider.shutdown();
    await eventually(
      () => written(gateway),
      (n) => n >= 7,
      30_000,
      `7 items written (${layout})`,
    );
  } finally {
    await gateway.dispose();
  }
}

function configFile(layout: 'wide' | 'series'): string {
  const file = path.join(dir, `${layout}.yaml`);
  writeFileSync(file, `data_dir: ${dir}/data\nbackends:\n  pg: { kind: postgres, url: "${url}", schema: ${schema}, layout: ${layout} }\n`);
  return file;
}

test('written wide by the SDK through a gateway, copied by `manifold postgres upgrade`, continued on the series layout', {
  timeout: 120_000,
}, async () => {
  await db.connect();
  const service = 'upgrade-cli';
  await send('wide', service);
  assert.deepEqual(await rows(`SELECT count(*)::int AS n FROM {{s}}.otel_metrics_number`), [{ n: 4 }]);

  const refused = runCli(['postgres', 'upgrade', '--config', configFile('wide')]);
  assert.equal((await refused.exited).code, 2);
  assert.match(refused.lines.join('\n'), /no postgres backend with layout: series .*set backends\.<name>\.layout: series first/);

  const upgrade = runCli(['postgres', 'upgrade', '--config', configFile('series'), '--batch-size', '3']);
  assert.equal((await upgrade.exited).code, 0, upgrade.lines.join('\n'));
  const output = upgrade.lines.join('\n');
  assert.match(output, /pg: otel_metrics_number: 4 rows read, 4 new in the series layout/);
  assert.match(output, /pg: otel_metrics_histogram: 1 rows read, 1 new/);
  assert.match(output, /pg: otel_metrics_exponential_histogram: 1 rows read, 1 new/);
  assert.match(output, /pg: otel_spans: 1 rows read, 1 new/);
  assert.match(output, /the wide tables are kept/);

  const numbers = () => rows(`SELECT metric_name, value, labels FROM {{s}}.metric_points ORDER BY metric_name, labels::text, time`);
  assert.deepEqual(
    (await numbers()).map((r) => [r.metric_name, r.value, r.labels]),
    [
      ['cpu.temperature', 42.5, { core: 0 }],
      ['http.requests', 12, { route: '/a' }],
      ['http.requests', 1, { route: '/b' }],
      ['queue.depth', -3, {}],
    ],
  );
  assert.deepEqual(
    await rows(
      `SELECT count::int, sum, bounds, bucket_counts::text AS buckets FROM {{s}}.histogram_metric_points WHERE metric_name = 'http.latency'`,
    ),
    [{ count: 5, sum: 5556, bounds: [10, 100, 1000], buckets: '{2,1,1,1}' }],
  );
  assert.deepEqual(await rows(`SELECT name, service_name FROM {{s}}.spans`), [{ name: 'GET /wide', service_name: service }]);
  const seriesBefore = await rows('SELECT id::text FROM {{s}}.series ORDER BY id');
  assert.equal(seriesBefore.length, 6);

  await send('series', service);
  assert.deepEqual(await rows('SELECT id::text FROM {{s}}.series ORDER BY id'), seriesBefore, 'the new points are in the copied series');
  assert.deepEqual(
    (await numbers()).map((r) => [r.metric_name, r.value]),
    [
      ['cpu.temperature', 42.5],
      ['cpu.temperature', 42.5],
      ['http.requests', 12],
      ['http.requests', 12],
      ['http.requests', 1],
      ['http.requests', 1],
      ['queue.depth', -3],
      ['queue.depth', -3],
    ],
    'the copied history and the new points side by side, once each',
  );
  assert.deepEqual(await rows(`SELECT name FROM {{s}}.spans ORDER BY name`), [{ name: 'GET /series' }, { name: 'GET /wide' }]);

  const again = runCli(['postgres', 'upgrade', '--config', configFile('series'), '--drop-wide']);
  assert.equal((await again.exited).code, 0, again.lines.join('\n'));
  assert.match(again.lines.join('\n'), /pg: otel_metrics_number: 4 rows read, 0 new in the series layout/);
  assert.match(
    again.lines.join('\n'),
    /pg: dropped otel_metrics_number, otel_metrics_histogram, otel_metrics_exponential_histogram, otel_metrics_summary, otel_spans/,
  );
  assert.deepEqual(await rows(`SELECT to_regclass('{{s}}.otel_metrics_number') IS NULL AS gone`), [{ gone: true }]);
  assert.equal((await numbers()).length, 8);
});
