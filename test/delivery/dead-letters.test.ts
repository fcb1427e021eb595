/**
 * A batch the backend refuses as bad goes to the dead-letter queue with the backend's own text, the rest
 * keeps flowing, and `manifold dlq replay` delivers it once the cause is fixed: against a real PostgreSQL 15.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { killRunningCli, runCli } from '../support/process.js';

const schema = `dlq_${randomBytes(4).toString('hex')}`;
let gateway: TestGateway;
let db: pg.Client;

before(async () => {
  db = new pg.Client({ connectionString: backendUrl('postgres') });
  await db.connect();
  gateway = await startTestGateway({
    backends: {
      pg: { kind: 'postgres', url: backendUrl('postgres'), schema, delivery: { retry: { initial_interval: '100ms', max_interval: '500ms' } } },
    },
  });
  await eventually(
    () => db.query(`SELECT 1 FROM ${schema}.otel_spans LIMIT 1`).then(() => true),
    Boolean,
    20_000,
    'the adapter to create its tables',
  );
  // The "bad data": this backend refuses spans named 'poison' (SQLSTATE 23514, a permanent error).
  await db.query(`ALTER TABLE ${schema}.otel_spans ADD CONSTRAINT no_poison CHECK (name <> 'poison')`);
});

after(async () => {
  killRunningCli();
  await gateway?.dispose();
  await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await db?.end();
});

function spans(service: string, names: string[]): Uint8Array {
  const recorded = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(recorded)],
  });
  for (const name of names) provider.getTracer('t').startSpan(name).end();
  return ProtobufTraceSerializer.serializeRequest(recorded.getFinishedSpans())!;
}

async function send(body: Uint8Array): Promise<void> {
  const response = await fetch(`${gateway.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
  assert.equal(response.status, 200);
}

const count = async (service: string) =>
  (await db.query(`SELECT count(*)::int AS n FROM ${schema}.otel_spans WHERE service_name = $1`, [service])).rows[0].n as number;

test('refused data is dead-lettered with the backend text, later data flows, replay delivers it exactly once', async () => {
  await send(spans('poisoned', ['fine', 'poison', 'also fine']));
  const cli = (args: string[]) => runCli(['dlq', ...args, '--admin', gateway.adminUrl]);

  const listed = await eventually(
    async () => {
      const list = cli(['list', '--json']);
      await list.exited;
      return JSON.parse(list.lines.join('\n')) as Array<{ id: string; backend: string; reason: string; items: number; lastError: string }>;
    },
    (letters) => letters.length === 1,
    20_000,
    'one dead letter',
  );
  const letter = listed[0]!;
  assert.equal(letter.backend, 'pg');
  assert.equal(letter.reason, 'permanent');
  assert.equal(letter.items, 3);
  assert.match(letter.lastError, /violates check constraint "no_poison"/);

  // A dead backend batch does not block what comes after it.
  await send(spans('healthy', ['a', 'b']));
  await eventually(
    () => count('healthy'),
    (n) => n === 2,
    20_000,
    'later spans written',
  );

  const show = cli(['show', letter.id]);
  assert.equal((await show.exited).code, 0);
  const shown = show.lines.join('\n');
  assert.match(shown, /reason\s+permanent/);
  assert.match(shown, /span "poison"/);
  assert.match(shown, /3 items: 0 data points, 3 spans/);

  const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  assert.match(metrics, /manifold_backend_dead_lettered_items_total\{backend="pg",reason="permanent"\} 3/);
  assert.match(metrics, /manifold_queue_dead_letters\{backend="pg"\} 1/);

  await db.query(`ALTER TABLE ${schema}.otel_spans DROP CONSTRAINT no_poison`);
  const replay = cli(['replay', '--all']);
  assert.equal((await replay.exited).code, 0);
  assert.match(replay.lines.join('\n'), /replayed 1 dead letter/);
  await eventually(
    () => count('poisoned'),
    (n) => n === 3,
    20_000,
    'the replayed spans',
  );
  const empty = cli(['list']);
  await empty.exited;
  assert.match(empty.lines.join('\n'), /no dead letters/);
  // Replaying again has nothing to do, and nothing is stored twice.
  assert.equal(await count('poisoned'), 3);
});
