/**
 * The series layout (issue 14): 5,000-point and 1,000-span batches through the adapter (layout: series) with COPY into
 * a staging table and with unnest, next to a bare COPY of the same rows in the same run (the encoder's own COPY text
 * into tables of the same columns with no key, no index, no conflict handling: the ceiling), on TimescaleDB (Apache
 * build), PostgreSQL 15 and the embedded PGlite store (unnest only: its socket does not serve COPY FROM STDIN).
 * Run: node --import tsx bench/postgres-series-micro.ts [--rounds N]   (servers from MANIFOLD_TEST_*_URL or .backends/env)
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pino } from 'pino';
import { postgresAdapter } from '../src/adapters/postgres/index.js';
import { writeDecoded } from '../test/support/write.js';
import { KnownRows } from '../src/adapters/postgres/known-rows.js';
import { encodeSeriesBatch } from '../src/adapters/postgres/series-encode.js';
import { SERIES_TABLES } from '../src/adapters/postgres/series-tables.js';
import { startEmbeddedPostgres } from '../src/embedded-postgres/postgres.js';
import type { TelemetryBatch } from '../src/model/index.js';
import { realisticBatch } from '../test/queue/fixtures.js';
import { adapterWithSchema } from '../test/support/schema-at-start.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '10' } } });
const rounds = Number(values.rounds);
const logger = pino({ level: 'silent' });

function serverUrl(key: string): string | undefined {
  if (process.env[key]) return process.env[key];
  const file = path.join(import.meta.dirname, '..', '.backends', 'env');
  return existsSync(file) ? new RegExp(`^${key}=(.+)$`, 'm').exec(readFileSync(file, 'utf8'))?.[1]?.trim() : undefined;
}

interface Figure {
  rowsPerSec: number;
  p50: number;
  max: number;
}

function report(server: string, label: string, how: string, f: Figure, ceiling?: Figure): void {
  const ratio = ceiling ? `  ${(f.rowsPerSec / ceiling.rowsPerSec).toFixed(2)} of bare COPY` : '';
  console.log(
    `${server.padEnd(11)} ${label.padEnd(13)} ${how.padEnd(10)} ${Math.round(f.rowsPerSec).toLocaleString('en').padStart(9)} rows/s  p50 ${f.p50.toFixed(1).padStart(6)} ms  max ${f.max.toFixed(1).padStart(6)} ms${ratio}`,
  );
}

async function timed(batches: TelemetryBatch[], write: (b: TelemetryBatch, i: number) => Promise<number>): Promise<Figure> {
  await write(batches[0]!, 0); // warm: schema, staging tables, partitions, series rows
  const latencies: number[] = [];
  let rows = 0;
  const t0 = performance.now();
  for (let i = 1; i < batches.length; i++) {
    const t = performance.now();
    rows += await write(batches[i]!, i);
    latencies.push(performance.now() - t);
  }
  const sec = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rowsPerSec: rows / sec, p50: latencies[Math.floor(latencies.length / 2)]!, max: latencies.at(-1)! };
}

async function throughAdapter(url: string, bulk: 'copy' | 'unnest', batches: TelemetryBatch[]): Promise<Figure> {
  const schema = `manifold_pg2_bench_${randomBytes(3).toString('hex')}`;
  const config = postgresAdapter.configSchema.parse({ url, schema, layout: 'series', bulk, maintenance_interval: 0 });
  const adapter = adapterWithSchema(postgresAdapter, config, { name: 'bench', logger, dataDir: '/tmp' });
  try {
    await adapter.start();
    return await timed(batches, async (b, i) => (await writeDecoded(adapter, { id: `b${i}`, attempt: 1, ...b })).written);
  } finally {
    await adapter.close();
    await dropSchema(url, schema);
  }
}

/** The same rows as the adapter's COPY text, COPY'd straight into keyless tables of the same columns. */
async function bareCopy(url: string, batches: TelemetryBatch[]): Promise<Figure> {
  const schema = `manifold_pg2_bare_${randomBytes(3).toString('hex')}`;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await db.query(`CREATE SCHEMA ${schema}`);
    for (const t of SERIES_TABLES) await db.query(`CREATE TABLE ${schema}.${t.table} (${t.columns.map((c) => `${c.name} ${c.wire}`).join(', ')})`);
    const known = { series: new KnownRows(1e6), resources: new KnownRows(1e6), scopes: new KnownRows(1e6), bounds: new KnownRows(1e6) };
    const encoded = batches.map((b) => encodeSeriesBatch(b, { mode: 'copy', known, metrics: true, traces: true, partitionUs: 0 }));
    return await timed(batches, async (_b, i) => {
      const e = encoded[i]!;
      await db.query('BEGIN');
      for (const t of e.tables)
        await pipeline(
          Readable.from([t.copy!]),
          db.query(copyFrom(`COPY ${schema}.${t.table.table} (${t.table.columns.map((c) => c.name).join(', ')}) FROM STDIN`)),
        );
      await db.query('COMMIT');
      return e.items;
    });
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.end();
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await client.end();
}

const shapes = [
  ['5,000 points', () => realisticBatch(5000, 0)],
  ['1,000 spans', () => realisticBatch(0, 1000)],
] as const;
const fresh = (make: () => TelemetryBatch) => Array.from({ length: rounds + 1 }, make); // stamped now: nothing to skip

for (const [server, key] of [
  ['timescaledb', 'MANIFOLD_TEST_TIMESCALE_URL'],
  ['postgres15', 'MANIFOLD_TEST_POSTGRES_URL'],
] as const) {
  const url = serverUrl(key);
  if (!url) {
    console.log(`${server}: skipped, no ${key}`);
    continue;
  }
  for (const [label, make] of shapes) {
    const ceiling = await bareCopy(url, fresh(make));
    report(server, label, 'bare COPY', ceiling);
    report(server, label, 'copy', await throughAdapter(url, 'copy', fresh(make)), ceiling);
    report(server, label, 'unnest', await throughAdapter(url, 'unnest', fresh(make)), ceiling);
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'manifold-pg2-bench-'));
const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 0, logger });
try {
  for (const [label, make] of shapes) report('embedded', label, 'unnest', await throughAdapter(embedded.url, 'unnest', fresh(make)));
} finally {
  await embedded.close();
  rmSync(dir, { recursive: true, force: true });
}
