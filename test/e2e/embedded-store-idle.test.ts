/**
 * The gateway on its embedded defaults lets the embedded PostgreSQL's server process stop once nothing is
 * connected (its own pool's connections go after 10 s idle, then embedded_store.idle_stop_after), shows it in
 * /metrics, and starts it again for the next write: spans from the SDK's exporter before and after both land.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { traceExporter, tracerProvider } from '../support/otel.js';

let gateway: TestGateway;
before(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'manifold-test-'));
  // The whole embedded_store section (overrides replace a section): its own folder and a free port.
  gateway = await startTestGateway({ embedded_store: { path: path.join(dir, 'pg'), endpoint: '127.0.0.1:0', idle_stop_after: '1s' } }, dir);
});
after(async () => {
  await gateway?.dispose();
});

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in /metrics`);
  return Number(line.split(' ').pop());
}

async function spans(service: string): Promise<number> {
  const db = new pg.Client({ connectionString: gateway.endpoints.embeddedStore });
  await db.connect();
  try {
    return (await db.query('select count(*)::int as n from public.otel_spans where service_name = $1', [service])).rows[0].n;
  } finally {
    await db.end();
  }
}

async function send(service: string): Promise<void> {
  const { provider } = tracerProvider(traceExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl), { 'service.name': service });
  for (let i = 0; i < 3; i++) provider.getTracer('idle').startSpan(`op-${i}`).end();
  await provider.forceFlush();
  await provider.shutdown();
}

/** Sends 3 spans for `service` and waits until the embedded store holds them. */
async function sendAndWait(service: string): Promise<void> {
  await send(service);
  await eventually(
    () => spans(service),
    (n) => n === 3,
    30_000,
    `the spans of ${service}`,
  );
}

test('idle, the embedded store stops (manifold_embedded_store_running 0); the next write starts it and lands', async () => {
  await sendAndWait('before-idle');
  assert.equal(await metric('manifold_embedded_store_running'), 1);
  await eventually(
    () => metric('manifold_embedded_store_running'),
    (v) => v === 0,
    30_000,
    'the idle stop',
  );

  await sendAndWait('after-idle');
  assert.equal(await spans('before-idle'), 3);
  assert.equal(await metric('manifold_embedded_store_running'), 1);
  assert.ok((await metric('manifold_embedded_store_starts_total')) >= 2);
  assert.equal(await metric('manifold_embedded_store_crashes_total'), 0);
});
