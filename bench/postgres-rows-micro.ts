/**
 * The PostgreSQL/TimescaleDB adapter's rows (issue 6, "Encode … and the same for the embedded store's rows"):
 * - encode: model points/spans → the unnest() array parameters of src/adapters/postgres/bulk.ts, per CPU-second;
 * - write: whole batches through the adapter into the test servers' TimescaleDB (the real server, Apache build) and
 *   PostgreSQL 15, latency per batch and rows/s, fresh schema, migrations applied by the adapter (migrate: auto).
 * Run: node --import tsx bench/postgres-rows-micro.ts (servers from MANIFOLD_TEST_*_URL or .backends/env).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { pino } from 'pino';
import { prepareInsert, type TableSpec } from '../src/adapters/postgres/bulk.js';
import { postgresAdapter } from '../src/adapters/postgres/index.js';
import { splitMetrics } from '../src/adapters/postgres/write-metrics.js';
import { spanTable } from '../src/adapters/postgres/write-spans.js';
import type { TelemetryBatch } from '../src/model/index.js';
import { realisticBatch } from '../test/queue/fixtures.js';
import { adapterWithSchema } from '../test/support/schema-at-start.js';
import { writeDecoded } from '../test/support/write.js';

const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};

function encodeAll(batch: TelemetryBatch): number {
  let params = 0;
  for (const [spec, rows] of splitMetrics(batch.metrics)) {
    if (rows.length) params += prepareInsert(spec as TableSpec<never>, 't').values(rows).length;
  }
  if (batch.spans.length) params += prepareInsert(spanTable as TableSpec<never>, 't').values(batch.spans).length;
  return params;
}

function encodeRate(batch: TelemetryBatch, label: string): void {
  const items = batch.metrics.length + batch.spans.length;
  for (let i = 0; i < 10; i++) encodeAll(batch);
  const rounds = Math.max(10, Math.ceil(200_000 / items));
  const t = process.cpuUsage();
  for (let i = 0; i < rounds; i++) encodeAll(batch);
  const ms = cpuMs(t) / rounds;
  console.log(
    `encode ${label.padEnd(26)} ${ms.toFixed(2).padStart(7)} CPU ms/batch  ${Math.round((items / ms) * 1000)
      .toLocaleString('en')
      .padStart(10)} rows/CPU-s`,
  );
}

function serverUrl(key: string): string | undefined {
  if (process.env[key]) return process.env[key];
  const file = path.join(import.meta.dirname, '..', '.backends', 'env');
  return existsSync(file) ? new RegExp(`^${key}=(.+)$`, 'm').exec(readFileSync(file, 'utf8'))?.[1]?.trim() : undefined;
}

async function writeRate(name: string, url: string, batch: () => TelemetryBatch, label: string, rounds: number): Promise<void> {
  const schema = `bench_${randomBytes(3).toString('hex')}`;
  const config = postgresAdapter.configSchema.parse({ url, schema });
  const adapter = adapterWithSchema(postgresAdapter, config, { name, logger: pino({ level: 'silent' }), dataDir: '/tmp' });
  try {
    await adapter.start();
    const batches = Array.from({ length: rounds + 1 }, () => batch());
    await writeDecoded(adapter, { id: 'warm', attempt: 1, ...batches[0]! });
    const latencies: number[] = [];
    let rows = 0;
    const t0 = performance.now();
    for (let i = 1; i <= rounds; i++) {
      const b = batches[i]!;
      const t = performance.now();
      rows += (await writeDecoded(adapter, { id: `b${i}`, attempt: 1, ...b })).written;
      latencies.push(performance.now() - t);
    }
    const sec = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    console.log(
      `write  ${name.padEnd(11)} ${label.padEnd(14)} ${Math.round(rows / sec)
        .toLocaleString('en')
        .padStart(
          8,
        )} rows/s  per batch p50 ${latencies[Math.floor(rounds / 2)]!.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms (${rounds} batches)`,
    );
  } finally {
    await adapter.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  }
}

encodeRate(realisticBatch(5000, 0), '5,000 points');
encodeRate(realisticBatch(0, 1000), '1,000 spans');
encodeRate(realisticBatch(5000, 1000), '5,000 points + 1,000 spans');

for (const [name, key] of [
  ['timescaledb', 'MANIFOLD_TEST_TIMESCALE_URL'],
  ['postgres15', 'MANIFOLD_TEST_POSTGRES_URL'],
] as const) {
  const url = serverUrl(key);
  if (!url) {
    console.log(`write  ${name}: skipped, no ${key}`);
    continue;
  }
  // Fresh points each batch (realisticBatch stamps them now), so ON CONFLICT finds nothing to skip.
  await writeRate(name, url, () => realisticBatch(5000, 0), '5,000 points', 10);
  await writeRate(name, url, () => realisticBatch(0, 1000), '1,000 spans', 10);
}
