/**
 * The series layout's unique key in either column order (issue 14): two tables of the number-point columns (hypertables
 * where TimescaleDB is), one keyed (series_id, time) as the layout is, one keyed (time, series_id); batches of 5,000 rows
 * (5,000 series with 64-bit hash ids, one timestamp per batch, 10 s apart) inserted server-side, alternating the tables.
 * Prints the p50 per batch after the first 10. RESULTS.md, "the unique key's column order".
 *
 * Run: node --import tsx bench/micro/postgres-key-order.ts URL [--batches 60]
 */
import { parseArgs } from 'node:util';
import pg from 'pg';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { batches: { type: 'string', default: '60' } } });
const url = positionals[0];
if (!url) throw new Error('usage: postgres-key-order.ts URL [--batches N]');
const batches = Number(values.batches);
const client = new pg.Client({ connectionString: url });
await client.connect();
const schema = `key_order_${process.pid}`;
const tables = { 'series_id, time': 'st', 'time, series_id': 'ts' } as const;
try {
  const { rows } = await client.query<{ ts: boolean }>(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS ts`);
  await client.query(`CREATE SCHEMA ${schema}`);
  for (const [key, name] of Object.entries(tables)) {
    await client.query(
      `CREATE TABLE ${schema}.${name} (time timestamptz NOT NULL, series_id bigint NOT NULL, value float8, start_time timestamptz, flags int NOT NULL, UNIQUE (${key}))`,
    );
    if (rows[0]!.ts)
      await client.query(`SELECT create_hypertable('${schema}.${name}', by_range('time', interval '1 day'), create_default_indexes => false)`);
  }
  const ms: Record<string, number[]> = { st: [], ts: [] };
  for (let b = 0; b < batches; b++) {
    for (const name of b % 2 ? ['st', 'ts'] : ['ts', 'st']) {
      const t0 = performance.now();
      await client.query(
        `INSERT INTO ${schema}.${name} SELECT timestamptz '2026-12-07' + ${b * 10} * interval '1 second', hashtextextended(s::text, 0), random(), NULL, 0 FROM generate_series(1, 5000) s`,
      );
      ms[name]!.push(performance.now() - t0);
    }
  }
  const p50 = (a: number[]) =>
    a
      .slice(10)
      .sort((x, y) => x - y)
      [Math.floor((a.length - 10) / 2)]!.toFixed(1);
  console.log(`${new URL(url).host}${rows[0]!.ts ? ' (hypertables)' : ''}: p50 ms per 5,000 rows, batches 10-${batches}:`);
  for (const [key, name] of Object.entries(tables)) console.log(`  unique (${key})  ${p50(ms[name]!)}`);
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await client.end();
}
