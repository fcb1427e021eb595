/**
 * The series layout (issue 14): 5,000-point and 1,000-span batches through the adapter (layout: series), next to
 * COPY of the same rows without the adapter in the same run, on TimescaleDB (Apache build), PostgreSQL 15 and the
 * embedded PGlite store (unnest only: its socket does not serve COPY FROM STDIN). Every batch has times of its own
 * (the fixture's are fixed; each batch is shifted by a minute), so each one stores all its rows.
 *
 *   bare COPY     the encoder's COPY data (binary), encoded beforehand, into tables of the same columns with no
 *                 key, no index: the ceiling (no encode, no key)
 *   COPY keyed    the same data straight into the adapter's own keyed tables: the floor of what the key costs
 *   copy, unnest  through the adapter (encode at send time, then bulk: auto's COPY, or unnest)
 *   copy retried  every batch again through the same adapter as the engine retries it (attempt 2): all rows
 *                 already stored, nothing new is written
 *   copy again    every batch again as a new batch (attempt 1, e.g. a sender's resend): the straight COPY fails
 *                 on the key and the batch is sent again staged
 *   encode        the adapter's encoder alone (mode copy, series known), CPU ms per batch
 *
 * Run: node --import tsx bench/postgres-series-micro.ts [--rounds N] [--adapter-only] [--tag TEXT]
 * (servers from MANIFOLD_TEST_*_URL or .backends/env). `--adapter-only` leaves out the rows without the adapter
 * and the embedded store, and `--tag` prefixes every line: for an older tree run in turns with this one
 * (RESULTS.md, "series layout write speed").
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
import { type EncodedSeriesBatch, encodeSeriesBatch } from '../src/adapters/postgres/series-encode.js';
import { SERIES_TABLES, type SeriesColumn } from '../src/adapters/postgres/series-tables.js';
import { startEmbeddedPostgres } from '../src/embedded-postgres/postgres.js';
import type { MetricPoint, Span, TelemetryBatch } from '../src/model/index.js';
import { realisticBatch } from '../test/queue/fixtures.js';
import { adapterWithSchema } from '../test/support/schema-at-start.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '10' }, 'adapter-only': { type: 'boolean', default: false }, tag: { type: 'string', default: '' } },
});
const rounds = Number(values.rounds);
const adapterOnly = values['adapter-only'];
const tag = values.tag ? `${values.tag} ` : '';
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
    `${tag}${server.padEnd(11)} ${label.padEnd(13)} ${how.padEnd(12)} ${Math.round(f.rowsPerSec).toLocaleString('en').padStart(9)} rows/s  p50 ${f.p50.toFixed(1).padStart(6)} ms  max ${f.max.toFixed(1).padStart(6)} ms${ratio}`,
  );
}

async function timed(count: number, write: (i: number) => Promise<number>): Promise<Figure> {
  await write(0); // warm: schema, staging tables, chunks or partitions, series rows
  const latencies: number[] = [];
  let rows = 0;
  const t0 = performance.now();
  for (let i = 1; i < count; i++) {
    const t = performance.now();
    rows += await write(i);
    latencies.push(performance.now() - t);
  }
  const sec = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { rowsPerSec: rows / sec, p50: latencies[Math.floor(latencies.length / 2)]!, max: latencies.at(-1)! };
}

const freshSchema = (what: string) => `manifold_pg2_${what}_${randomBytes(3).toString('hex')}`;

/** The adapter with its schema made, for `use`; the schema is dropped after. */
async function withAdapter<T>(
  url: string,
  bulk: 'copy' | 'unnest',
  use: (write: (b: TelemetryBatch, id: string, attempt?: number) => Promise<number>, schema: string) => Promise<T>,
): Promise<T> {
  const schema = freshSchema('bench');
  const config = postgresAdapter.configSchema.parse({ url, schema, layout: 'series', bulk, maintenance_interval: 0 });
  const adapter = adapterWithSchema(postgresAdapter, config, { name: 'bench', logger, dataDir: '/tmp' });
  try {
    await adapter.start();
    return await use(async (b, id, attempt = 1) => (await writeDecoded(adapter, { id, attempt, ...b })).written, schema);
  } finally {
    await adapter.close();
    await dropSchema(url, schema);
  }
}

function encodeAll(batches: TelemetryBatch[]): EncodedSeriesBatch[] {
  const known = { series: new KnownRows(1e6), resources: new KnownRows(1e6), scopes: new KnownRows(1e6), bounds: new KnownRows(1e6) };
  return batches.map((b) => {
    const e = encodeSeriesBatch(b, { mode: 'copy', known, metrics: true, traces: true, partitionUs: 0 });
    for (const [set, id] of e.newIds) set.add(id);
    return e;
  });
}

/**
 * The encoder's COPY text, encoded beforehand, COPY'd into `schema`'s tables: made here (`create`), or the adapter's,
 * where a batch through the adapter made the series rows and partitions before (only point and span rows then).
 */
async function copyOnly(url: string, batches: TelemetryBatch[], schema: string, create: boolean): Promise<Figure> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    if (create) {
      await db.query(`CREATE SCHEMA ${schema}`);
      for (const t of SERIES_TABLES)
        await db.query(`CREATE TABLE ${schema}.${t.table} (${t.columns.map((c) => `${c.name} ${stored(c)}`).join(', ')})`);
    }
    const encoded = encodeAll(batches);
    return await timed(batches.length, async (i) => {
      const e = encoded[i]!;
      await db.query('BEGIN');
      for (const t of e.tables) {
        if (!create && !t.table.timePartitioned) continue;
        await pipeline(
          Readable.from([t.copy!]),
          db.query(copyFrom(`COPY ${schema}.${t.table.table} (${t.table.columns.map((c) => c.name).join(', ')}) FROM STDIN (FORMAT binary)`)),
        );
      }
      await db.query('COMMIT');
      return e.items;
    });
  } finally {
    if (create) await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await db.end();
  }
}

/** The COPY column type; an older tree (run with --adapter-only) has none. */
const stored = (c: SeriesColumn): string => (c as { stored?: string }).stored ?? c.wire;

/** Encode alone, CPU milliseconds per batch (series known after the first). */
function encodeCpu(batches: TelemetryBatch[]): number {
  encodeAll(batches.slice(0, 2));
  const known = { series: new KnownRows(1e6), resources: new KnownRows(1e6), scopes: new KnownRows(1e6), bounds: new KnownRows(1e6) };
  const options = { mode: 'copy', known, metrics: true, traces: true, partitionUs: 0 } as const;
  for (const [set, id] of encodeSeriesBatch(batches[0]!, options).newIds) set.add(id);
  const c0 = process.cpuUsage();
  for (const b of batches.slice(1)) encodeSeriesBatch(b, options);
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / (batches.length - 1);
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await client.end();
}

/** The fixture's batch with every time moved by `minutes`. */
function shifted(batch: TelemetryBatch, minutes: number): TelemetryBatch {
  const by = BigInt(minutes) * 60_000_000_000n;
  return {
    ...batch,
    metrics: batch.metrics.map((p) => ({ ...p, timeUnixNano: p.timeUnixNano + by }) as MetricPoint),
    spans: batch.spans.map(
      (s): Span => ({
        ...s,
        startTimeUnixNano: s.startTimeUnixNano + by,
        endTimeUnixNano: s.endTimeUnixNano + by,
        events: s.events.map((e) => ({ ...e, timeUnixNano: e.timeUnixNano + by })),
      }),
    ),
  };
}

const shapes = [
  ['5,000 points', () => realisticBatch(5000, 0)],
  ['1,000 spans', () => realisticBatch(0, 1000)],
] as const;
const fresh = (make: () => TelemetryBatch) => Array.from({ length: rounds + 1 }, (_, i) => shifted(make(), i));

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
    let ceiling: Figure | undefined;
    if (!adapterOnly) {
      ceiling = await copyOnly(url, fresh(make), freshSchema('bare'), true);
      report(server, label, 'bare COPY', ceiling);
      const keyed = await withAdapter(url, 'copy', async (write, schema) => {
        await write(shifted(make(), -1), 'warm');
        return copyOnly(url, fresh(make), schema, false);
      });
      report(server, label, 'COPY keyed', keyed, ceiling);
    }
    await withAdapter(url, 'copy', async (write) => {
      const batches = fresh(make);
      report(server, label, 'copy', await timed(batches.length, (i) => write(batches[i]!, `b${i}`)), ceiling);
      report(server, label, 'copy retried', await timed(batches.length, (i) => write(batches[i]!, `b${i}`, 2)), ceiling);
      report(server, label, 'copy again', await timed(batches.length, (i) => write(batches[i]!, `again${i}`)), ceiling);
    });
    const batches = fresh(make);
    report(server, label, 'unnest', await withAdapter(url, 'unnest', (write) => timed(batches.length, (i) => write(batches[i]!, `b${i}`))), ceiling);
  }
}

for (const [label, make] of shapes)
  console.log(`${tag}encode      ${label.padEnd(13)} ${encodeCpu(fresh(make)).toFixed(1)} CPU ms per batch (mode copy)`);

if (!adapterOnly) {
  const dir = mkdtempSync(path.join(tmpdir(), 'manifold-pg2-bench-'));
  const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: 0, logger });
  try {
    for (const [label, make] of shapes) {
      const batches = fresh(make);
      report(
        'embedded',
        label,
        'unnest',
        await withAdapter(embedded.url, 'unnest', (write) => timed(batches.length, (i) => write(batches[i]!, `b${i}`))),
      );
    }
  } finally {
    await embedded.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
