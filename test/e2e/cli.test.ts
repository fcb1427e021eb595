/**
 * The CLI as a user runs it: `manifold config check`, and `manifold start` as its own process with
 * /healthz, /readyz and /metrics, then SIGTERM: in-flight work finished, a clean exit, data kept for the next start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { eventually } from '../support/gateway.js';
import { freePorts, killRunningCli, runCli } from '../support/process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'manifold-cli-'));
after(() => {
  killRunningCli();
  rmSync(dir, { recursive: true, force: true });
});

test('config check: a valid file passes, an invalid one names every bad key and exits 2', async () => {
  const good = path.join(dir, 'good.yaml');
  writeFileSync(good, 'receivers: { otlp: { http: { endpoint: 127.0.0.1:14318 } } }\nshutdown: { timeout: 5s }\n');
  const ok = runCli(['config', 'check', good]);
  assert.deepEqual(await ok.exited, { code: 0, signal: null });
  assert.ok(ok.lines.some((line) => line.includes('valid')));

  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, 'receivers: { otlp: { http: { endpoint: nowhere } } }\nqueue: { kind: carrier-pigeon }\nbackends: { x: { kind: mystery } }\n');
  const refused = runCli(['config', 'check', bad]);
  assert.equal((await refused.exited).code, 2);
  const output = refused.lines.join('\n');
  assert.match(output, /receivers\.otlp\.http\.endpoint: .*host:port.*"nowhere"/);
  assert.match(output, /queue\.kind/);

  const notYaml = path.join(dir, 'broken.yaml');
  writeFileSync(notYaml, 'receivers: [\n');
  const broken = runCli(['config', 'check', notYaml]);
  assert.equal((await broken.exited).code, 2);
  assert.match(broken.lines.join('\n'), /not valid YAML at line/);
});

test('start: serves OTLP, reports itself, shuts down cleanly on SIGTERM and keeps the data', async () => {
  const [httpPort, grpcPort, adminPort, pgPort] = await freePorts(4);
  const config = path.join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    [
      `data_dir: ${dir}/data`,
      `receivers: { otlp: { http: { endpoint: 127.0.0.1:${httpPort} }, grpc: { endpoint: 127.0.0.1:${grpcPort} } } }`,
      `queue: { kind: embedded, path: ${dir}/data/queue }`,
      `embedded_store: { path: ${dir}/data/pg, endpoint: 127.0.0.1:${pgPort} }`,
      `admin: { endpoint: "127.0.0.1:\${ADMIN_PORT}" }`,
      'shutdown: { timeout: 10s }',
    ].join('\n'),
  );
  const gateway = runCli(['start', '--config', config], { ADMIN_PORT: String(adminPort) });
  const started = JSON.parse(await gateway.waitForLine(/manifold is running/, 60_000)) as { msg: string; level: number };
  assert.match(started.msg, new RegExp(`psql postgresql://postgres@127\\.0\\.0\\.1:${pgPort}/postgres`));
  assert.match(started.msg, new RegExp(`http://127\\.0\\.0\\.1:${httpPort}/v1/traces`));

  const admin = `http://127.0.0.1:${adminPort}`;
  assert.equal((await fetch(`${admin}/healthz`)).status, 200);
  assert.equal((await fetch(`${admin}/readyz`)).status, 200);

  const recorded = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'cli-test' }),
    spanProcessors: [new SimpleSpanProcessor(recorded)],
  });
  for (let i = 0; i < 25; i++) provider.getTracer('t').startSpan(`op ${i}`).end();
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf' },
    body: ProtobufTraceSerializer.serializeRequest(recorded.getFinishedSpans())!,
  });
  assert.equal(response.status, 200);

  const metrics = await eventually(
    async () => (await fetch(`${admin}/metrics`)).text(),
    // The queue gauges are cached for 250 ms per scrape: wait for them to show the completed job too.
    (text) => /manifold_backend_written_items_total\{backend="embedded"\} 25/.test(text) && /manifold_queue_jobs\{backend="embedded"\} 0/.test(text),
    20_000,
    'the 25 spans written',
  );
  assert.match(metrics, /manifold_receiver_items_total\{signal="traces",transport="http",result="accepted"\} 25/);
  assert.match(metrics, /manifold_receiver_requests_total\{signal="traces",transport="http",outcome="ok"\} 1/);
  assert.match(metrics, /manifold_queue_jobs\{backend="embedded"\} 0/);
  assert.match(metrics, /manifold_backend_write_duration_seconds_count\{backend="embedded",result="ok"\} [1-9]/);

  gateway.child.kill('SIGTERM');
  const exit = await gateway.exited;
  assert.deepEqual(exit, { code: 0, signal: null });
  assert.ok(
    gateway.lines.some((line) => line.includes('"msg":"stopped"')),
    'logged its clean stop',
  );

  // The data outlives the process: start again on the same folders and read it with SQL.
  const again = runCli(['start', '--config', config], { ADMIN_PORT: String(adminPort) });
  await again.waitForLine(/manifold is running/, 60_000);

  // A second gateway on the same files (other ports) is refused before it opens anything: two processes on one
  // queue would deliver every job twice, and two on one PGlite folder would corrupt it.
  const [h2, g2, a2, p2] = await freePorts(4);
  const twin = path.join(dir, 'twin.yaml');
  writeFileSync(
    twin,
    [
      `data_dir: ${dir}/data`,
      `receivers: { otlp: { http: { endpoint: 127.0.0.1:${h2} }, grpc: { endpoint: 127.0.0.1:${g2} } } }`,
      `queue: { kind: embedded, path: ${dir}/data/queue }`,
      `embedded_store: { path: ${dir}/data/pg, endpoint: 127.0.0.1:${p2} }`,
      `admin: { endpoint: 127.0.0.1:${a2} }`,
    ].join('\n'),
  );
  const refused = runCli(['start', '--config', twin]);
  const exitCode = (await refused.exited).code;
  assert.notEqual(exitCode, 0);
  assert.match(refused.lines.join('\n'), new RegExp(`the embedded queue .*queue\\.db is in use by process ${again.child.pid}`));
  const client = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${pgPort}/postgres` });
  await client.connect();
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM otel_spans WHERE service_name = 'cli-test'`);
  await client.end();
  assert.equal(rows[0].n, 25);
  again.child.kill('SIGTERM');
  assert.equal((await again.exited).code, 0);
});
