/**
 * The embedded store's server process stops when no client has been connected for idleStopMs and the next
 * connection starts it again, on the same port and with the same data; a connection held open keeps it running;
 * close() works stopped and running; a process that dies (kill -9) is started again by the next connection.
 * Real PGlite, real pg clients, the gateway's own adapter.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/embedded-postgres/postgres.js';
import * as f from '../adapters/postgres.fixtures.js';
import { adapterWithSchema } from '../support/schema-at-start.js';
import { writeDecoded } from '../support/write.js';

const logger = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'manifold-embedded-idle-'));
after(() => rmSync(root, { recursive: true, force: true }));

const IDLE_MS = 1_000;

async function count(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`select count(*)::int as n from public.${table}`)).rows[0].n;
  } finally {
    await client.end();
  }
}

async function until(what: string, done: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !done(); await sleep(50)) if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
}

function adapterFor(store: EmbeddedPostgres) {
  return adapterWithSchema(postgresAdapter, postgresAdapter.configSchema.parse({ url: store.url, pool_size: 2 }), {
    name: 'embedded',
    logger,
    dataDir: root,
  });
}

test('idle, the server process stops; the next connection starts it on the same port with the data written before', async () => {
  const store = await startEmbeddedPostgres({ dataDir: join(root, 'idle'), port: 0, idleStopMs: IDLE_MS, logger });
  const adapter = adapterFor(store);
  try {
    await adapter.start();
    await writeDecoded(adapter, { id: 'before', attempt: 1, metrics: f.manyPoints(1_000), spans: f.allSpans });
    assert.equal(store.status().running, true);
    // The adapter's pool lets its idle connections go (pg's idleTimeoutMillis): only then does the store stop.
    await until('idle stop', () => !store.status().running);
    assert.equal(store.status().starts, 1);

    const started = Date.now();
    assert.equal(await count(store.url, 'otel_metrics_number'), 1_000);
    console.log(`# first query after an idle stop (restart included): ${Date.now() - started} ms`);
    assert.equal(store.status().running, true);
    assert.equal(store.status().starts, 2);
    // The gateway's adapter, its pool emptied meanwhile, writes again through the restarted process.
    await writeDecoded(adapter, { id: 'after', attempt: 1, metrics: f.manyPoints(500, f.T0 + 1_000_000_000_000n), spans: [] });
    assert.equal(await count(store.url, 'otel_metrics_number'), 1_500);
    assert.equal(await count(store.url, 'otel_spans'), 2);
    assert.equal(store.status().crashes, 0);
  } finally {
    await adapter.close();
    await store.close();
  }
});

test('a connection held open keeps the server process running; it stops once that closes', async () => {
  const store = await startEmbeddedPostgres({ dataDir: join(root, 'held'), port: 0, idleStopMs: IDLE_MS, logger });
  try {
    const person = new pg.Client({ connectionString: store.url });
    await person.connect();
    await sleep(IDLE_MS * 3);
    assert.equal(store.status().running, true);
    assert.deepEqual((await person.query('select 1 as one')).rows, [{ one: 1 }]);
    await person.end();
    await until('idle stop after the last client left', () => !store.status().running);
    assert.equal(store.status().starts, 1);
  } finally {
    await store.close();
  }
});

test('close() while stopped and while running (a transaction left open is rolled back); the folder is free after', async () => {
  const dataDir = join(root, 'close');
  let store = await startEmbeddedPostgres({ dataDir, port: 0, idleStopMs: IDLE_MS, logger });
  const setup = new pg.Client({ connectionString: store.url });
  await setup.connect();
  await setup.query('create table public.t (n int)');
  await setup.query('insert into public.t values (1)');
  await setup.end();
  await until('idle stop', () => !store.status().running);
  await store.close();
  assert.equal(store.status().running, false);
  assert.equal(store.status().starts, 1, 'close() on a stopped store does not start it');

  store = await startEmbeddedPostgres({ dataDir, port: 0, idleStopMs: IDLE_MS, logger });
  const person = new pg.Client({ connectionString: store.url });
  person.on('error', () => undefined); // hung up by close()
  await person.connect();
  await person.query('begin');
  await person.query('insert into public.t values (2)');
  await store.close();
  await assert.rejects(person.query('commit'));

  store = await startEmbeddedPostgres({ dataDir, port: 0, idleStopMs: 0, logger });
  try {
    const reader = new pg.Client({ connectionString: store.url });
    await reader.connect();
    assert.deepEqual((await reader.query('select n from public.t order by n')).rows, [{ n: 1 }]);
    await reader.end();
  } finally {
    await store.close();
  }
});

test('a server process that dies is counted and the next connection starts another; committed data is kept', async () => {
  const store = await startEmbeddedPostgres({ dataDir: join(root, 'crash'), port: 0, idleStopMs: 0, logger });
  try {
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    await client.query('create table public.t (n int)');
    await client.query('insert into public.t values (1), (2)');
    const { pid } = store.status();
    assert.ok(pid);
    const lost = new Promise((resolve) => client.once('error', resolve));
    process.kill(pid, 'SIGKILL');
    await lost; // the client's connection ends with the process
    await until('death noticed', () => !store.status().running);
    assert.equal(store.status().crashes, 1);

    const again = new pg.Client({ connectionString: store.url });
    await again.connect();
    assert.deepEqual((await again.query('select n from public.t order by n')).rows, [{ n: 1 }, { n: 2 }]);
    await again.end();
    assert.equal(store.status().starts, 2);
    assert.notEqual(store.status().pid, pid);
  } finally {
    await store.close();
  }
});
