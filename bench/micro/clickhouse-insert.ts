/**
 * ClickHouse adapter micro-benchmark: which INSERT encoding, measured, not guessed.
 *   1. Encode CPU per item: the adapter's rows (arrays, JSONCompactEachRow) through JSON.stringify, as
 *      @clickhouse/client's insert() sends them, vs the same rows as objects keyed by column (JSONEachRow),
 *      built in the timing and ready-made (its best case). A third variant measured earlier, JSON text
 *      joined by hand with each shared resource's JSON built once, ran at 40K spans/s (rope strings and
 *      GC): it is gone.
 *   2. End to end into the engine (encode + HTTP + parse + MergeTree write + views), wall time per batch.
 *   3. The server's side of the choice: the same rows as JSONCompactEachRow and as RowBinary (RowBinary made by
 *      the engine itself from the stored rows: @clickhouse/client has no RowBinary encoder), into a Null-engine
 *      copy of each table (parse only) and into the table itself (parse + MergeTree write + views).
 * Run: node --import tsx bench/micro/clickhouse-insert.ts [--url http://127.0.0.1:8123] [--spans 5000] [--points 10000] [--rounds 5]
 * (the URL defaults to MANIFOLD_TEST_CLICKHOUSE_URL from .backends/env, or 127.0.0.1:8123).
 */
import { parseArgs } from 'node:util';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { pino } from 'pino';
import { clickhouseAdapter } from '../../src/adapters/clickhouse/index.js';
import { encodeBatch, type TableInsert } from '../../src/adapters/clickhouse/encode.js';
import type { TelemetryBatch } from '../../src/model/index.js';
import { realisticBatch } from '../../test/queue/fixtures.js';
import { adapterWithSchema } from '../../test/support/schema-at-start.js';
import { writeDecoded } from '../../test/support/write.js';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.MANIFOLD_TEST_CLICKHOUSE_URL ?? 'http://127.0.0.1:8123' },
    spans: { type: 'string', default: '5000' },
    points: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
  },
});
const rounds = Number(args.rounds);
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const perSec = (items: number, ms: number) =>
  Math.round((items / ms) * 1000)
    .toLocaleString('en')
    .padStart(9);

const stringify = (rows: readonly unknown[]) => rows.map((r) => `${JSON.stringify(r)}\n`).join('').length;
const asObjects = (insert: TableInsert) => insert.rows.map((row) => Object.fromEntries(insert.columns.map((column, i) => [column, row[i]])));

function encodeRates(label: string, batch: TelemetryBatch): void {
  const items = batch.metrics.length + batch.spans.length;
  const objects = encodeBatch(batch.metrics, batch.spans).map(asObjects);
  const variants: [string, () => number][] = [
    ['adapter rows, arrays (JSONCompactEachRow)', () => encodeBatch(batch.metrics, batch.spans).reduce((n, i) => n + stringify(i.rows), 0)],
    ['adapter rows as objects (JSONEachRow)', () => encodeBatch(batch.metrics, batch.spans).reduce((n, i) => n + stringify(asObjects(i)), 0)],
    ['ready-made objects (JSONEachRow), best case', () => objects.reduce((n, rows) => n + stringify(rows), 0)],
  ];
  for (const [name, run] of variants) {
    for (let i = 0; i < 3; i++) run(); // warm up the JIT
    const n = Math.max(5, Math.ceil(100_000 / items));
    let bytes = 0;
    const t = process.cpuUsage();
    for (let i = 0; i < n; i++) bytes = run();
    const ms = cpuMs(t) / n;
    console.log(`${label.padEnd(14)} ${name.padEnd(44)} ${perSec(items, ms)} items/s  ${(bytes / items).toFixed(0).padStart(5)} B/item`);
  }
}

async function insertRates(label: string, batch: TelemetryBatch, database: string): Promise<void> {
  const items = batch.metrics.length + batch.spans.length;
  const logger = pino({ level: 'silent' });
  const adapter = adapterWithSchema(clickhouseAdapter, clickhouseAdapter.configSchema.parse({ url: args.url, database }), {
    name: 'bench',
    logger,
    dataDir: '/tmp',
  });
  const client = createClient({ url: args.url, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 600_000 });
  await adapter.start();
  const made = encodeBatch(batch.metrics, batch.spans).map((insert) => ({ insert, objects: asObjects(insert) }));
  let round = 0;
  const settings = () => ({
    async_insert: 0 as const,
    date_time_input_format: 'basic' as const,
    insert_deduplication_token: `bench-${process.pid}-${++round}`,
  });
  const variants: [string, () => Promise<unknown>][] = [
    ['adapter.write (JSONCompactEachRow)', () => writeDecoded(adapter, { id: `bench-${process.pid}-${++round}`, attempt: 1, ...batch })],
    [
      'client.insert ready-made objects (JSONEachRow)',
      () =>
        (async () => {
          for (const m of made)
            await client.insert({
              table: `${database}.${m.insert.table}`,
              values: m.objects,
              format: 'JSONEachRow',
              clickhouse_settings: settings(),
            });
        })(),
    ],
  ];
  for (const [name, run] of variants) {
    await run(); // warm up
    const t0 = performance.now();
    const t = process.cpuUsage();
    for (let i = 0; i < rounds; i++) await run();
    const wall = (performance.now() - t0) / rounds;
    const cpu = cpuMs(t) / rounds;
    console.log(`${label.padEnd(14)} ${name.padEnd(44)} ${perSec(items, wall)} items/s wall  (gateway CPU ${perSec(items, cpu)} items/s)`);
  }
  await client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
  await Promise.all([client.close(), adapter.close()]);
}

/** Section 3, over plain HTTP: what the body format costs the server. */
async function serverSide(label: string, batch: TelemetryBatch, database: string): Promise<void> {
  const logger = pino({ level: 'silent' });
  const adapter = adapterWithSchema(clickhouseAdapter, clickhouseAdapter.configSchema.parse({ url: args.url, database }), {
    name: 'bench',
    logger,
    dataDir: '/tmp',
  });
  await adapter.start();
  const post = async (query: string, body?: string | Buffer): Promise<Buffer> => {
    const response = await fetch(`${args.url}/?query=${encodeURIComponent(query)}&async_insert=0&date_time_input_format=basic&insert_deduplicate=0`, {
      method: 'POST',
      body,
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    if (!response.ok) throw new Error(bytes.toString('utf8'));
    return bytes;
  };
  for (const insert of encodeBatch(batch.metrics, batch.spans)) {
    const table = `${database}.${insert.table}`;
    const columns = insert.columns.map((c) => `\`${c}\``).join(', ');
    const json = insert.rows.map((row) => `${JSON.stringify(row)}\n`).join('');
    await post(`CREATE TABLE ${database}.null_${insert.table} AS ${table} ENGINE = Null`);
    await post(`INSERT INTO ${table} (${columns}) FORMAT JSONCompactEachRow`, json);
    const rowBinary = await post(`SELECT ${columns} FROM ${table} FORMAT RowBinary`);
    for (const [format, body] of [
      ['JSONCompactEachRow', json],
      ['RowBinary', rowBinary],
    ] as const) {
      for (const [target, where] of [
        [`${database}.null_${insert.table}`, 'Null engine'],
        [table, 'MergeTree + views'],
      ] as const) {
        const head = `${label.padEnd(14)} ${insert.table.padEnd(24)} ${format.padEnd(19)} ${where.padEnd(18)} ${String(body.length).padStart(9)} B`;
        try {
          await post(`INSERT INTO ${target} (${columns}) FORMAT ${format}`, body); // warm up
          const t0 = performance.now();
          for (let i = 0; i < rounds; i++) await post(`INSERT INTO ${target} (${columns}) FORMAT ${format}`, body);
          console.log(`${head} ${perSec(insert.rows.length, (performance.now() - t0) / rounds)} rows/s wall`);
        } catch (error) {
          console.log(`${head} failed: ${String((error as Error).message).split('\n')[0]}`);
        }
      }
    }
  }
  await post(`DROP DATABASE IF EXISTS \`${database}\``);
  await adapter.close();
}

const spans = realisticBatch(0, Number(args.spans));
const points = realisticBatch(Number(args.points), 0);
console.log('-- encode only (one core, CPU time)');
encodeRates(`${spans.spans.length} spans`, spans);
encodeRates(`${points.metrics.length} points`, points);
console.log(`-- into the engine at ${args.url} (wall time; the chDB test front runs the engine in its own process, one request at a time)`);
await insertRates(`${spans.spans.length} spans`, spans, `mf_bench_ch_${process.pid}_s`);
await insertRates(`${points.metrics.length} points`, points, `mf_bench_ch_${process.pid}_p`);
console.log('-- the server side: body format, parse only (Null engine) and into the table (wall time)');
await serverSide(`${spans.spans.length} spans`, spans, `mf_bench_ch_${process.pid}_rs`);
await serverSide(`${points.metrics.length} points`, points, `mf_bench_ch_${process.pid}_rp`);
