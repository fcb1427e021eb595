/**
 * Secrets never leave the gateway (issue 12): a password in a backend URL, a token in a backend header, the
 * receivers' bearer token and the admin token appear in none of the logs (JSON, debug level, through failing
 * writes and refused senders), /metrics, /status.json, `config check` output or config errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { eventually } from '../support/gateway.js';
import { freePorts, killRunningCli, runCli } from '../support/process.js';

const SECRETS = { url: 'url-pw-5d1e', header: 'hdr-tok-8b2c', receiver: 'rcv-tok-3f9a', admin: 'adm-tok-6e4d', pg: 'pg-pw-2a7b' };
const dir = mkdtempSync(path.join(tmpdir(), 'manifold-secrets-'));
after(() => {
  killRunningCli();
  rmSync(dir, { recursive: true, force: true });
});

function leaks(text: string): string[] {
  return Object.entries(SECRETS)
    .filter(([, secret]) => text.includes(secret))
    .map(([name]) => name);
}

test('no secret in logs, /metrics, /status.json, config check output or config errors', { timeout: 90_000 }, async () => {
  const [httpPort, adminPort, closed] = await freePorts(3);
  const config = path.join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    [
      `data_dir: ${dir}/data`,
      `log: { level: debug }`,
      `receivers: { otlp: { http: { endpoint: 127.0.0.1:${httpPort}, auth: { bearer_token: "\${RECEIVER_TOKEN}" } }, grpc: { enabled: false } } }`,
      `queue: { kind: embedded, path: ${dir}/data/queue }`,
      `admin: { endpoint: 127.0.0.1:${adminPort}, token: ${SECRETS.admin} }`,
      'backends:',
      // Nothing listens on these ports: every write fails and is logged, with the URL's host but not its password.
      `  prom: { kind: prometheus, url: "http://writer:${SECRETS.url}@127.0.0.1:${closed}/api/v1/write", headers: { Authorization: "Bearer ${SECRETS.header}" }, delivery: { retry: { initial_interval: 100ms, max_interval: 200ms } } }`,
      `  pg: { kind: postgres, url: "postgresql://writer:${SECRETS.pg}@127.0.0.1:${closed}/db", delivery: { retry: { initial_interval: 100ms, max_interval: 200ms } } }`,
    ].join('\n'),
  );
  const env = { RECEIVER_TOKEN: SECRETS.receiver };

  const check = runCli(['config', 'check', config], env);
  await check.exited;
  assert.match(check.lines.join('\n'), /valid/);
  assert.deepEqual(leaks(check.lines.join('\n')), [], 'config check output');
  assert.match(check.lines.join('\n'), /\*\*\*/, 'shown redacted');

  const bad = path.join(dir, 'bad.yaml');
  writeFileSync(bad, `backends: { prom: { kind: prometheus, url: "ftp://writer:${SECRETS.url}@host/x" } }\nadmin: { token: 42 }\n`);
  const invalid = runCli(['config', 'check', bad]);
  assert.equal((await invalid.exited).code, 2);
  assert.deepEqual(leaks(invalid.lines.join('\n')), [], 'config errors');

  const gateway = runCli(['start', '--config', config], env);
  await gateway.waitForLine(/manifold is running/, 60_000);
  const body = JSON.stringify({
    resourceMetrics: [
      {
        resource: {},
        scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), asDouble: 1 }] } }] }],
      },
    ],
  });
  const post = (authorization?: string) =>
    fetch(`http://127.0.0.1:${httpPort}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body,
    });
  assert.equal((await post(`Bearer ${SECRETS.receiver}x`)).status, 401);
  assert.equal((await post(`Bearer ${SECRETS.receiver}`)).status, 200);
  await eventually(
    async () => gateway.lines.filter((l) => /write failed|not ready/.test(l)).length,
    (n) => n >= 4,
    30_000,
    'failed writes logged for both backends',
  );
  const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text();
  assert.deepEqual(leaks(metrics), [], '/metrics');
  const status = await (await fetch(`http://127.0.0.1:${adminPort}/status.json`, { headers: { authorization: `Bearer ${SECRETS.admin}` } })).text();
  assert.deepEqual(leaks(status), [], '/status.json');
  const shown = (JSON.parse(status) as { backends: { name: string; url: string; lastError: { message: string } | null }[] }).backends;
  assert.deepEqual(
    shown.map((b) => [b.name, b.lastError !== null]),
    [
      ['prom', true],
      ['pg', true],
    ],
    "both backends' errors are shown (redacted)",
  );
  assert.ok(
    shown.every((b) => b.url.includes(`127.0.0.1:${closed}`)),
    'and their URLs, without user info',
  );
  gateway.child.kill('SIGTERM');
  await gateway.exited;
  assert.ok(gateway.lines.length > 10, 'the gateway logged');
  assert.ok(
    gateway.lines.some((l) => l.includes(`127.0.0.1:${closed}`)),
    'the failing backends are named in the logs (by host)',
  );
  assert.deepEqual(leaks(gateway.lines.join('\n')), [], 'logs');
});
