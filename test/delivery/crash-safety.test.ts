/**
 * Guarantee 6: `kill -9` of the gateway at any moment loses no acknowledged data, and on restart unfinished
 * work resumes; guarantee 4: nothing is stored twice. A sender keeps posting spans while the gateway is
 * killed several times mid-load; requests that got no 200 are sent again (as an OTLP SDK does), and at the
 * end every acknowledged span is in a real PostgreSQL exactly once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually } from '../support/gateway.js';
import { freePorts, killRunningCli, runCli, type CliProcess } from '../support/process.js';

const SPANS_PER_REQUEST = 50;
const REQUESTS = 120;
const KILL_AFTER_ACKS = [15, 40, 70, 95];
const schema = `crash_${randomBytes(4).toString('hex')}`;
const dir = mkdtempSync(path.join(tmpdir(), 'manifold-crash-'));
after(() => {
  killRunningCli();
  rmSync(dir, { recursive: true, force: true });
});

interface Request {
  readonly body: string;
  readonly spanIds: string[];
  acked: boolean;
}

function makeRequest(index: number): Request {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `req ${index} span ${i}`,
    kind: 2,
    startTimeUnixNano: String(now + BigInt(i)),
    endTimeUnixNano: String(now + BigInt(i) + 1_000_000n),
    attributes: [{ key: 'request', value: { intValue: String(index) } }],
  }));
  const body = JSON.stringify({
    resourceSpans: [
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: schema } }] }, scopeSpans: [{ scope: { name: 'crash' }, spans }] },
    ],
  });
  return { body, spanIds: spans.map((s) => s.spanId), acked: false };
}

test('kill -9 mid-load, several times: every acknowledged span is stored exactly once', { timeout: 300_000 }, async () => {
  const [httpPort, adminPort] = await freePorts(2);
  const config = path.join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    [
      `data_dir: ${dir}/data`,
      `receivers: { otlp: { http: { endpoint: 127.0.0.1:${httpPort} }, grpc: { enabled: false } } }`,
      `queue: { kind: embedded, path: ${dir}/data/queue }`,
      `admin: { endpoint: 127.0.0.1:${adminPort} }`,
      'backends:',
      `  pg: { kind: postgres, url: "${backendUrl('postgres')}", schema: ${schema}, delivery: { retry: { initial_interval: 200ms, max_interval: 1s } } }`,
    ].join('\n'),
  );
  const start = async (): Promise<CliProcess> => {
    const gateway = runCli(['start', '--config', config]);
    await gateway.waitForLine(/manifold is running/, 60_000);
    return gateway;
  };

  const requests = Array.from({ length: REQUESTS }, (_, i) => makeRequest(i));
  let gateway = await start();
  let acks = 0;
  let kills = 0;
  const post = async (request: Request): Promise<void> => {
    try {
      const response = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request.body,
      });
      if (response.status === 200) {
        request.acked = true;
        acks++;
      }
      await response.arrayBuffer();
    } catch {
      // The gateway died mid-request: not acknowledged, so it is sent again.
    }
  };
  while (requests.some((r) => !r.acked)) {
    // Four requests in flight at a time, so kills land mid-request as well as between requests.
    const wave = requests.filter((r) => !r.acked).slice(0, 4);
    const killNow = kills < KILL_AFTER_ACKS.length && acks >= KILL_AFTER_ACKS[kills]!;
    const inFlight = wave.map(post);
    if (killNow) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
      gateway.child.kill('SIGKILL');
      await gateway.exited;
      kills++;
      await Promise.all(inFlight);
      gateway = await start();
    } else {
      await Promise.all(inFlight);
    }
  }
  assert.equal(kills, KILL_AFTER_ACKS.length);

  const db = new pg.Client({ connectionString: backendUrl('postgres') });
  await db.connect();
  try {
    const expected = REQUESTS * SPANS_PER_REQUEST;
    const stored = await eventually(
      async () =>
        (await db.query(`SELECT count(*)::int AS rows, count(DISTINCT span_id)::int AS spans FROM ${schema}.otel_spans`)).rows[0] as {
          rows: number;
          spans: number;
        },
      (found) => found.spans >= expected,
      60_000,
      `all ${expected} spans stored`,
    );
    assert.equal(stored.spans, expected, 'every acknowledged span arrived');
    assert.equal(stored.rows, expected, 'none twice');
    const { rows } = await db.query(`SELECT span_id FROM ${schema}.otel_spans`);
    const storedIds = new Set(rows.map((row: { span_id: string }) => row.span_id));
    const missing = requests.flatMap((r) => r.spanIds).filter((id) => !storedIds.has(id));
    assert.deepEqual(missing, []);
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await db.end();
  }
});
