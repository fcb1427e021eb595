/**
 * A Collector user's config (issue 12): `manifold config convert` carries over what the two share and names every
 * Collector key it cannot, and the result passes `config check`; `config check` on the Collector file says to
 * convert it; misspelt keys get a "did you mean", every problem comes at once, a YAML error shows its line; every
 * example under config/ passes the check.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { adapterSchemas } from '../../src/adapters/registry.js';
import { convertCollectorConfig } from '../../src/config/collector.js';
import { ConfigError, loadConfigFile, resolveConfig } from '../../src/config/load.js';
import { REPO, runCli } from '../support/process.js';

const fixtures = path.join(REPO, 'test/config/collector');
const dir = mkdtempSync(path.join(tmpdir(), 'manifold-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const ENV = {
  PRW_PASSWORD: 'p',
  OTLP_TOKEN: 't',
  INFLUX_PASSWORD: 'i',
  PG_PASSWORD: 'x',
  CLICKHOUSE_PASSWORD: 'c',
  INFLUX_TOKEN: 'k',
  ADMIN_TOKEN: 'a',
};
const convert = (file: string) => convertCollectorConfig(parseYaml(readFileSync(path.join(fixtures, file), 'utf8')) as Record<string, unknown>);
function problemsOf(file: string): readonly string[] {
  try {
    loadConfigFile(file, ENV, adapterSchemas);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  assert.fail(`${file} was accepted`);
}

test('remote write: receivers, memory_limiter, batch, retry, basic auth and telemetry carried over; the rest named', () => {
  const { config, unmapped, notes } = convert('prometheusremotewrite.yaml');
  const { gateway, backends } = resolveConfig(config, ENV, adapterSchemas, 'converted');
  assert.deepEqual(gateway.receivers.otlp.http.endpoint, { host: '0.0.0.0', port: 4318 });
  assert.deepEqual(gateway.receivers.otlp.grpc.endpoint, { host: '0.0.0.0', port: 4317 });
  assert.deepEqual(gateway.memory_limiter, { limit: 400 * 1024 ** 2, spike_limit: 100 * 1024 ** 2, check_interval: 1000 });
  assert.deepEqual(gateway.admin.endpoint, { host: '0.0.0.0', port: 8888 });
  assert.equal(backends.length, 1);
  const [prom] = backends;
  assert.equal(prom!.kind, 'prometheus');
  const adapter = prom!.adapter as {
    url: string;
    basic_auth: { username: string; password: string };
    translation: { resource_to_telemetry_conversion: { enabled: boolean } };
  };
  assert.equal(adapter.url, 'http://mimir:9009/api/v1/push');
  assert.deepEqual(adapter.basic_auth, { username: 'writer', password: 'p' }, '${env:PRW_PASSWORD} became ${PRW_PASSWORD}');
  assert.equal(adapter.translation.resource_to_telemetry_conversion.enabled, true);
  assert.deepEqual(
    { i: prom!.delivery.retry.initial_interval, m: prom!.delivery.retry.max_interval, e: prom!.delivery.retry.max_elapsed },
    { i: 5000, m: 30000, e: 300000 },
  );
  assert.deepEqual({ items: prom!.delivery.batch.max_items, delay: prom!.delivery.batch.max_delay }, { items: 8192, delay: 200 });
  assert.deepEqual(unmapped, [
    'exporters.prometheusremotewrite.external_labels: no counterpart',
    'exporters.debug: Manifold writes Prometheus remote write, ClickHouse, InfluxDB and PostgreSQL (no debug exporter)',
  ]);
  assert.ok(
    notes.some((n) => n.startsWith("exporters.prometheusremotewrite.remote_write_queue: replaced by Manifold's durable queue")),
    notes.join('\n'),
  );
});

test('ClickHouse and InfluxDB v1: signals from the pipelines, native endpoint to HTTP, create_schema, v1 compatibility, receiver auth and TLS', () => {
  const { config, unmapped, notes } = convert('clickhouse-influxdb.yaml');
  const { gateway, backends } = resolveConfig(config, ENV, adapterSchemas, 'converted');
  assert.deepEqual(gateway.receivers.otlp.grpc.auth, { bearer_token: 't' });
  assert.deepEqual(gateway.receivers.otlp.grpc.tls, {
    cert_file: '/etc/otelcol/tls.crt',
    key_file: '/etc/otelcol/tls.key',
    reload_interval: 3_600_000,
  });
  assert.deepEqual(gateway.receivers.otlp.http.endpoint, { host: '127.0.0.1', port: 4318 }, 'localhost as the loopback address');
  assert.equal(gateway.receivers.otlp.http.max_request_bytes, 10485760);
  const byName = new Map(backends.map((b) => [b.name, b]));
  const ch = byName.get('clickhouse')!;
  assert.equal(ch.migrate, 'off', 'create_schema: false');
  assert.deepEqual((ch.adapter as { url: string; signals: string[]; ttl: number }).url, 'http://clickhouse:8123');
  assert.deepEqual((ch.adapter as { signals: string[] }).signals, ['logs', 'metrics', 'traces'], 'the logs pipeline too');
  assert.equal((ch.adapter as { ttl: number }).ttl, 72 * 3600);
  const influx = byName.get('v1')!.adapter as { api: string; database: string; username: string; password: string; signals: string[] };
  assert.deepEqual(
    { api: influx.api, database: influx.database, username: influx.username, password: influx.password, signals: influx.signals },
    { api: 'v1', database: 'telegraf', username: 'writer', password: 'i', signals: ['metrics'] },
  );
  for (const expected of [
    'receivers.otlp.protocols.http.cors: not supported',
    'processors.attributes/env: no counterpart (Manifold does not transform data)',
    'exporters.clickhouse.logs_table_name: no counterpart',
  ]) {
    assert.ok(unmapped.includes(expected), `${expected}\nnot in:\n${unmapped.join('\n')}`);
  }
  assert.ok(
    notes.some((n) => n.includes('native protocol') && n.includes('http://clickhouse:8123')),
    notes.join('\n'),
  );
});

test('config convert prints a config that config check accepts; config check on the Collector file says to convert it', {
  timeout: 60_000,
}, async () => {
  const converted = path.join(dir, 'converted.yaml');
  const run = runCli(['config', 'convert', path.join(fixtures, 'clickhouse-influxdb.yaml')]);
  assert.equal((await run.exited).code, 0);
  const printed = run.lines.filter((line) => !/Collector settings? not carried over/.test(line)).join('\n');
  assert.match(printed, /^# not carried over: processors\.attributes\/env/m);
  writeFileSync(converted, printed);
  assert.equal(loadConfigFile(converted, ENV, adapterSchemas).backends.length, 2);
  assert.match(
    problemsOf(path.join(fixtures, 'prometheusremotewrite.yaml'))[0]!,
    /looks like an OpenTelemetry Collector config: `manifold config convert/,
  );
});

test('misspelt keys get a "did you mean", and every problem is reported at once', () => {
  const file = path.join(dir, 'typos.yaml');
  writeFileSync(
    file,
    [
      'recievers: { otlp: {} }',
      'queue: { kind: embedded, paht: ./q }',
      'admin: { endpoint: nowhere }',
      'backends:',
      '  prom: { kind: prometheus, url: "http://x/api/v1/write", timout: 5s, delivery: { retyr: {} } }',
      '  ch: { kind: clickhouse, url: "http://x:8123", databse: otel }',
    ].join('\n'),
  );
  const found = problemsOf(file);
  for (const expected of [
    'recievers: unknown setting; did you mean receivers?',
    'queue.paht: unknown setting; did you mean path?',
    'backends.prom.timout: unknown setting; did you mean timeout?',
    'backends.prom.delivery.retyr: unknown setting; did you mean retry?',
    'backends.ch.databse: unknown setting; did you mean database?',
  ]) {
    assert.ok(found.includes(expected), `${expected}\nnot in:\n${found.join('\n')}`);
  }
  assert.ok(
    found.some((p) => p.startsWith('admin.endpoint: expected host:port')),
    'gateway and backend problems together',
  );
});

test('a YAML syntax error names the line and shows it', () => {
  const file = path.join(dir, 'broken.yaml');
  writeFileSync(file, 'receivers:\n  otlp: { http: { endpoint: 127.0.0.1:4318 }\nqueue: x: y\n');
  const [problem] = problemsOf(file);
  assert.match(problem!, /not valid YAML at line 3, column 1: .*\(the line reads: "queue: x: y"\)/);
});

test('every example under config/ passes the check', () => {
  const examples = readdirSync(path.join(REPO, 'config')).filter((f) => f.endsWith('.yaml'));
  assert.ok(examples.length >= 3, examples.join(', '));
  for (const example of examples) assert.doesNotThrow(() => loadConfigFile(path.join(REPO, 'config', example), ENV, adapterSchemas), example);
});
