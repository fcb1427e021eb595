/**
 * The embedded store: PGlite on disk behind pglite-socket. Proves that data survives close()/restart,
 * that a second client (psql itself, and a pg client doing what psql users do) is served while the
 * gateway writes, and that several gateway connections writing at once all land.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import type { Adapter } from '../../src/adapters/contract.js';
import { writeDecoded } from '../support/write.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { startEmbeddedPostgres } from '../../src/embedded-postgres/postgres.js';
import * as f from '../adapters/postgres.fixtures.js';
import { adapterWithSchema } from '../support/schema-at-start.js';

const logger = pino({ level: 'silent' });
const root = mkdtempSync(join(tmpdir(), 'manifold-embedded-pg-'));
after(() => rmSync(root, { recursive: true, force: true }));

function adapterFor(url: string, poolSize: number): Adapter {
  return adapterWithSchema(postgresAdapter, postgresAdapter.configSchema.parse({ url, pool_size: poolSize }), {
    name: 'embedded',
    logger,
    dataDir: root,
  });
}

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

test('data written before close() is there after a restart on the same folder', async () => {
  const dataDir = join(root, 'restart');
  let store = await startEmbeddedPostgres({ dataDir, port: 0, logger });
  const adapter = adapterFor(store.url, 1);
  await adapter.start();
  await writeDecoded(adapter, { id: 'r1', attempt: 1, metrics: [...f.allMetrics, ...f.manyPoints(3_000)], spans: f.allSpans });
  await adapter.close();
  await store.close();
  await store.close(); // idempotent

  store = await startEmbeddedPostgres({ dataDir, port: 0, logger });
  try {
    const [row] = await sql(
      store.url,
      `select (select count(*) from otel_metrics_number)::int as numbers, (select count(*) from otel_spans)::int as spans,
              (select max(value_int)::text from otel_metrics_number where time_unix_nano = ${f.T0}) as big`,
    );
    assert.deepEqual(row, { numbers: 3_003, spans: 2, big: '9223372036854775807' });
  } finally {
    await store.close();
  }
});

test('psql and a second client are served while the gateway writes; session settings do not leak', async () => {
  const store = await startEmbeddedPostgres({ dataDir: join(root, 'concurrent'), port: 0, logger });
  const adapter = adapterFor(store.url, 2);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  try {
    await adapter.start();
    // What a person does in psql: a session-level SET that, on a single shared PGlite session, would
    // break unqualified table names or impose a timeout on the gateway if the adapter relied on them.
    const person = new pg.Client({ connectionString: store.url });
    await person.connect();
    await person.query('SET search_path = nowhere');

    let writing = true;
    let batches = 0;
    const writer = (async () => {
      delay.enable();
      for (let i = 0; i < 5; i++) {
        await writeDecoded(adapter, { id: `w${i}`, attempt: 1, metrics: f.manyPoints(10_000, f.T0 + BigInt(i) * 1_000_000_000_000n), spans: [] });
        batches++;
      }
      delay.disable();
      writing = false;
    })();

    // While batches go in: the real psql binary connects and reads, and the person's session keeps working.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.ok(writing, 'the writer should still be busy');
    const { stdout } = await promisify(execFile)('psql', [store.url, '-XAtc', 'select count(*) >= 0 from public.otel_metrics_number'], {
      timeout: 30_000,
    });
    assert.equal(stdout.trim(), 't');
    const seen = await person.query('select count(*)::int as n from public.otel_metrics_number');
    assert.ok(seen.rows[0].n % 10_000 === 0, `a reader sees whole batches only, saw ${seen.rows[0].n}`);
    const psqlDuringWrite = writing;
    await writer;
    assert.equal(batches, 5);
    assert.ok(psqlDuringWrite, 'psql was answered before the writer finished');
    const { rows } = await person.query('select count(*)::int as n, current_setting($1) as path from public.otel_metrics_number', ['search_path']);
    assert.deepEqual(rows[0], { n: 50_000, path: 'nowhere' });
    await person.end();
    console.log(
      `# event loop delay while writing 10K-point batches to PGlite: max ${(delay.max / 1e6).toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms`,
    );
  } finally {
    await adapter.close();
    await store.close();
  }
});

test('concurrent batches over several gateway connections all land, each whole', async () => {
  const store = await startEmbeddedPostgres({ dataDir: join(root, 'pool'), port: 0, logger });
  const adapter = adapterFor(store.url, 4);
  try {
    await adapter.start();
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        writeDecoded(adapter, {
          id: `p${i}`,
          attempt: 1,
          metrics: f.manyPoints(2_000, f.T0 + BigInt(i) * 1_000_000_000_000n),
          spans: i === 0 ? f.allSpans : [],
        }),
      ),
    );
    const [row] = await sql(store.url, 'select (select count(*) from otel_metrics_number)::int as n, (select count(*) from otel_spans)::int as s');
    assert.deepEqual(row, { n: 12_000, s: 2 });
  } finally {
    await adapter.close();
    await store.close();
  }
});

test('the default port is 5439 and a taken port is a clear error', async () => {
  const first = await startEmbeddedPostgres({ dataDir: join(root, 'port-a'), logger });
  try {
    assert.equal(first.url, 'postgresql://postgres@127.0.0.1:5439/postgres');
    await assert.rejects(startEmbeddedPostgres({ dataDir: join(root, 'port-b'), logger }), /cannot listen on 127\.0\.0\.1:5439/);
  } finally {
    await first.close();
  }
});
