/**
 * The gateway on the Redis queue: Redis is killed (kill -9, AOF on) while spans flow. While it is down,
 * senders get 503 with Retry-After (never a 500) and retry; the gateway recovers by itself when Redis is
 * back; every acknowledged span reaches PostgreSQL exactly once.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway } from '../support/gateway.js';
import { REPO } from '../support/process.js';

const schema = `redisq_${randomBytes(4).toString('hex')}`;
const ctl = (action: string) => execFileSync('bash', [path.join(REPO, 'scripts/backends/ctl.sh'), action, 'redis'], { stdio: 'pipe' });

function request(): { body: string; ids: string[] } {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: 20 }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `op ${i}`,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1000n),
  }));
  return {
    body: JSON.stringify({
      resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: schema } }] }, scopeSpans: [{ spans }] }],
    }),
    ids: spans.map((s) => s.spanId),
  };
}

test('Redis killed mid-load: retryable answers while down, recovery by itself, every acked span once', { timeout: 180_000 }, async () => {
  const gateway = await startTestGateway({
    queue: { kind: 'redis', url: backendUrl('redis'), prefix: `manifold-test-${schema}`, lease_timeout: '3s' },
    backends: {
      pg: { kind: 'postgres', url: backendUrl('postgres'), schema, delivery: { retry: { initial_interval: '200ms', max_interval: '1s' } } },
    },
  });
  const acked: string[] = [];
  const statuses = new Map<number, number>();
  const send = async (): Promise<void> => {
    const { body, ids } = request();
    let response: Response;
    try {
      response = await fetch(`${gateway.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    } catch (error) {
      assert.fail(`the gateway must keep answering while Redis is down: ${String(error)}`);
    }
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    if (response.status === 200) acked.push(...ids);
    else {
      assert.equal(response.status, 503, 'a retryable status, not a 500');
      assert.ok(Number(response.headers.get('retry-after')) >= 1);
    }
    await response.arrayBuffer();
  };
  try {
    for (let i = 0; i < 10; i++) await send();
    ctl('kill9');
    for (let i = 0; i < 10; i++) await send();
    assert.ok((statuses.get(503) ?? 0) >= 5, `senders were told to retry while Redis was down (${JSON.stringify([...statuses])})`);
    const ready = await fetch(`${gateway.adminUrl}/readyz`);
    assert.equal(ready.status, 503, '/readyz reports the queue store down');
    ctl('start');
    await eventually(
      async () => (await fetch(`${gateway.adminUrl}/readyz`)).status,
      (s) => s === 200,
      30_000,
      'the gateway to be ready again',
    );
    for (let i = 0; i < 10; i++) await send();

    const db = new pg.Client({ connectionString: backendUrl('postgres') });
    await db.connect();
    try {
      const count = async () =>
        (await db.query(`SELECT count(*)::int AS rows, count(DISTINCT span_id)::int AS spans FROM ${schema}.otel_spans`)).rows[0] as {
          rows: number;
          spans: number;
        };
      const stored = await eventually(count, (c) => c.spans >= acked.length, 60_000, `${acked.length} acked spans stored`);
      assert.equal(stored.rows, acked.length, 'every acked span once, none twice');
      const { rows } = await db.query(`SELECT span_id FROM ${schema}.otel_spans`);
      const have = new Set(rows.map((r: { span_id: string }) => r.span_id));
      assert.deepEqual(
        acked.filter((id) => !have.has(id)),
        [],
      );
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await db.end();
    }
  } finally {
    try {
      ctl('start');
    } catch {
      /* already running */
    }
    await gateway.dispose();
  }
});
