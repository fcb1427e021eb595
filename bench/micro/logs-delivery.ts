/**
 * Logs delivery into ClickHouse and PostgreSQL/TimescaleDB next to each backend's native bulk load (issue 15), in
 * alternating rounds on the same server, each side into a table of the same DDL in a private database / schema.
 *
 * The shape: the delivery path as a delivery lane runs it, not the whole gateway. The whole-gateway scenario
 * (bench/scenarios/delivery.ts) needs a load generator, the gateway and the store on 2 CPUs at once, and here the
 * store is the shared test server (the chDB front, PostgreSQL): the micro keeps the store's share of the machine
 * the same for both sides. What a write costs the gateway and is left out here: the queue's lease and complete
 * (bench/queue-micro.ts measures them: well under 1% of a core at these rates).
 *
 * - Gateway: one write is what a lease hands the worker under the default `delivery.batch` (max_items 80,000,
 *   max_bytes 8 MiB): queue payloads, one per OTLP request of 1,500 SDK log records (bench/payloads.ts buildLogs,
 *   ProtobufLogsSerializer, decoded by the gateway's OTLP reader, written by the queue codec), each with its own
 *   timestamps. Timed: encodeQueued (src/delivery/batch-from-jobs.ts: each payload decoded, then adapter.encode)
 *   and adapter.send, the adapter created and migrated as the engine does (migrate: auto).
 * - Native: the same records (restamped, so no dedup drops them) as rows made before the timing, its best case.
 *   ClickHouse: one INSERT per write with @clickhouse/client, synchronous (no dedup token: the rows are fresh), as
 *   JSONEachRow objects keyed by column and as JSONCompactEachRow arrays (RowBinary: see clickhouseTarget).
 *   PostgreSQL: one COPY … FROM STDIN per write through pg-copy-streams in a transaction, the COPY text built from
 *   the row values in the timing.
 * - Rows stored are counted with the backend's own query (SELECT count()) after every write and must be exactly
 *   what was sent, or the run fails.
 * The figure: records/s wall per write (median over rounds), and gateway / native as the median of per-round
 * ratios; each round starts with the next side. CPU: this process's (the client side), per 10K records.
 *
 * Run: node --import tsx bench/micro/logs-delivery.ts [--rounds 5] [--records-per-request 1500] [--max-items 80000]
 *      [--targets clickhouse,timescaledb,postgres15]   (URLs: MANIFOLD_TEST_*_URL or .backends/env)
 *      [--without-body-index]   (PostgreSQL: both tables without the body's full-text GIN index, to see what it costs)
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pino } from 'pino';
import type { Adapter } from '../../src/adapters/contract.js';
import { clickhouseAdapter } from '../../src/adapters/clickhouse/index.js';
import { LOGS_TABLE, logRow } from '../../src/adapters/clickhouse/encode-logs.js';
import { postgresAdapter } from '../../src/adapters/postgres/index.js';
import { logTable } from '../../src/adapters/postgres/write-logs.js';
import { deliverySchema } from '../../src/config/schema.js';
import { encodeQueued } from '../../src/delivery/batch-from-jobs.js';
import type { LogRecord } from '../../src/model/index.js';
import { logTime } from '../../src/model/index.js';
import { decodeLogs } from '../../src/otlp/index.js';
import { encodeBatch } from '../../src/queue/codec.js';
import { adapterWithSchema } from '../../test/support/schema-at-start.js';
import { buildLogs } from '../payloads.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    'records-per-request': { type: 'string', default: '1500' },
    'max-items': { type: 'string' },
    targets: { type: 'string', default: 'clickhouse,timescaledb,postgres15' },
    'without-body-index': { type: 'boolean', default: false },
  },
});
const rounds = Number(args.rounds);
const logger = pino({ level: 'silent' });

function serverUrl(key: string): string | undefined {
  if (process.env[key]) return process.env[key];
  const file = path.join(import.meta.dirname, '..', '..', '.backends', 'env');
  return existsSync(file) ? new RegExp(`^${key}=(.+)$`, 'm').exec(readFileSync(file, 'utf8'))?.[1]?.trim() : undefined;
}

// ---- the records: SDK output through the gateway's reader, restamped per queued job ----

const base = decodeLogs(Buffer.from(ProtobufLogsSerializer.serializeRequest(await buildLogs(Number(args['records-per-request'])))!), 'protobuf');
if (base.rejected.count > 0) throw new Error(`the gateway rejects ${base.rejected.count} of the SDK's records`);
const baseRecords = base.logs;
let newest = 0n;
for (const r of baseRecords) if (logTime(r) > newest) newest = logTime(r);
const STEP_NS = 100_000_000n; // a job's records 100 ms before the previous job's: distinct, all within minutes of now
const anchor = newest - BigInt(Date.now()) * 1_000_000n; // fixed once: the newest record at the run's start
let jobsMade = 0;

/**
 * The base records moved back in time by a new step, each also by its index in nanoseconds: every job, gateway or
 * native, gets distinct records. (The SDK stamps milliseconds, and some of its records repeat in every field within
 * one: the PostgreSQL adapter stores such twins once, by design, and COPY would refuse them.)
 */
function nextJobRecords(): LogRecord[] {
  const shift = anchor + STEP_NS * BigInt(++jobsMade);
  return baseRecords.map((r, i) => ({
    resource: r.resource,
    scope: r.scope,
    timeUnixNano: r.timeUnixNano === 0n ? 0n : r.timeUnixNano - shift - BigInt(i),
    observedTimeUnixNano: r.observedTimeUnixNano === 0n ? 0n : r.observedTimeUnixNano - shift - BigInt(i),
    severityNumber: r.severityNumber,
    severityText: r.severityText,
    body: r.body,
    attributes: r.attributes,
    droppedAttributesCount: r.droppedAttributesCount,
    flags: r.flags,
    traceId: r.traceId,
    spanId: r.spanId,
    eventName: r.eventName,
  }));
}

/** Jobs per write as a lease takes them under the gateway's default delivery.batch limits. */
const defaults = deliverySchema.parse({}).batch;
const maxItems = Number(args['max-items'] ?? defaults.max_items);
const payloadBytes = encodeBatch({ metrics: [], spans: [], logs: nextJobRecords() }).length;
const jobsPerWrite = Math.max(1, Math.min(Math.floor(maxItems / baseRecords.length), Math.floor(defaults.max_bytes / payloadBytes)));
const recordsPerWrite = jobsPerWrite * baseRecords.length;

// ---- one target: its sides (the gateway and each native load), each into its own table ----

/** One way of writing a write's records, into its own table. */
interface Side {
  readonly name: string;
  readonly table: string;
  /** Everything before the timing: the queue payloads, or the native rows ready-made. */
  prepare(records: readonly LogRecord[], payloads: readonly Uint8Array[]): Promise<void>;
  /** The timed write. */
  write(): Promise<void>;
}

interface Target {
  readonly name: string;
  /** The gateway first. */
  readonly sides: readonly Side[];
  count(table: string): Promise<number>;
  close(): Promise<void>;
}

let writes = 0;
/** The gateway's side: encodeQueued (the worker's decode of each payload + adapter.encode), then adapter.send. */
function gatewaySide(adapter: Adapter, table: string): Side {
  let batch: Parameters<typeof encodeQueued>[1] | undefined;
  return {
    name: 'gateway',
    table,
    async prepare(_records, payloads) {
      batch = { summary: { id: `bench-logs-${process.pid}-${++writes}`, attempt: 1, items: recordsPerWrite }, payloads };
    },
    async write() {
      const result = await adapter.send(await encodeQueued(adapter, batch!));
      if (result.written !== recordsPerWrite) throw new Error(`the adapter wrote ${result.written} of ${recordsPerWrite} records`);
    },
  };
}

async function clickhouseTarget(url: string): Promise<Target> {
  const database = `mf_bench_logs_${process.pid}`;
  const adapter = adapterWithSchema(clickhouseAdapter, clickhouseAdapter.configSchema.parse({ url, database, signals: ['logs'] }), {
    name: 'bench-logs',
    logger,
    dataDir: '/tmp',
  });
  await adapter.start();
  const client = createClient({ url, log: { level: ClickHouseLogLevel.OFF }, request_timeout: 600_000 });
  // Same DDL, engine, indexes and settings (the dedup window too) as the adapter's table. Not RowBinary: made by the
  // engine from stored rows (@clickhouse/client has no RowBinary encoder) and sent back, 48,000 rows stored 14-37K
  // through the chDB front here, without an error (counted), so its rate would mean nothing.
  for (const table of ['native_json', 'native_compact'])
    await client.command({ query: `CREATE TABLE ${database}.otel_logs_${table} AS ${database}.otel_logs` });
  const settings = { async_insert: 0, date_time_input_format: 'basic', input_format_skip_unknown_fields: 0 } as const;
  const rowObjects = (records: readonly LogRecord[]) =>
    records.map((r) => {
      const row = logRow(r);
      const out: Record<string, unknown> = {};
      for (let i = 0; i < LOGS_TABLE.columns.length; i++) out[LOGS_TABLE.columns[i]!] = row[i];
      return out;
    });
  let objects: Record<string, unknown>[] = [];
  let arrays: unknown[][] = [];
  return {
    name: 'ClickHouse',
    sides: [
      gatewaySide(adapter, 'otel_logs'),
      {
        name: 'JSONEachRow',
        table: 'otel_logs_native_json',
        async prepare(records) {
          objects = rowObjects(records);
        },
        async write() {
          await client.insert({ table: `${database}.otel_logs_native_json`, values: objects, format: 'JSONEachRow', clickhouse_settings: settings });
        },
      },
      {
        name: 'JSONCompactEachRow',
        table: 'otel_logs_native_compact',
        async prepare(records) {
          arrays = records.map(logRow);
        },
        async write() {
          await client.insert({
            table: `${database}.otel_logs_native_compact`,
            columns: [...LOGS_TABLE.columns],
            values: arrays,
            format: 'JSONCompactEachRow',
            clickhouse_settings: settings,
          });
        },
      },
    ],
    async count(table) {
      const result = await client.query({ query: `SELECT count() AS n FROM ${database}.${table}`, format: 'JSONEachRow' });
      return Number(((await result.json()) as { n: string }[])[0]!.n);
    },
    async close() {
      await adapter.close();
      await client.command({ query: `DROP DATABASE IF EXISTS \`${database}\`` });
      await client.close();
    },
  };
}

/** COPY text format: backslash, tab, newline and carriage return escaped; NULL as \N. */
function copyField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '\\N';
  const text = String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

/** timestamptz text exact to the microsecond (what the column keeps), truncated as the adapter's SQL does. */
function timestamptz(ns: bigint): string {
  const micros = ns / 1000n;
  const iso = new Date(Number(micros / 1000n)).toISOString();
  return `${iso.slice(0, 23)}${(micros % 1000n).toString().padStart(3, '0')}+00`;
}

async function postgresTarget(name: string, url: string): Promise<Target> {
  const schema = `bench_logs_${randomBytes(3).toString('hex')}`;
  const adapter = adapterWithSchema(postgresAdapter, postgresAdapter.configSchema.parse({ url, schema, signals: ['logs'] }), {
    name: 'bench-logs',
    logger,
    dataDir: '/tmp',
  });
  await adapter.start();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  // Same columns, key and indexes (the body's GIN tsvector index too); a hypertable with the same chunk interval when
  // the adapter's is one.
  await client.query(`CREATE TABLE ${schema}.otel_logs_native (LIKE ${schema}.otel_logs INCLUDING ALL)`);
  const timescale = (await client.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`)).rowCount! > 0;
  const hypertable = timescale
    ? await client.query<{ interval: string }>(
        `SELECT time_interval::text AS interval FROM timescaledb_information.dimensions WHERE hypertable_schema = $1 AND hypertable_name = 'otel_logs'`,
        [schema],
      )
    : { rows: [] as { interval: string }[] };
  if (hypertable.rows[0])
    await client.query(`SELECT create_hypertable('${schema}.otel_logs_native', by_range('time', $1::interval))`, [hypertable.rows[0].interval]);
  if (args['without-body-index']) {
    const gin = await client.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%to_tsvector%'`,
      [schema],
    );
    for (const { name } of gin.rows) await client.query(`DROP INDEX ${schema}.${name}`);
  }
  const columns = [...logTable.rowColumns, ...logTable.contextColumns];
  const names = ['time', 'observed_time', ...columns.map((c) => c.name)];
  let prepared: (string | number | boolean | null | undefined)[][] = [];
  return {
    name: `${name}${hypertable.rows[0] ? ' (hypertable)' : ''}${args['without-body-index'] ? ', no body GIN index' : ''}`,
    sides: [
      gatewaySide(adapter, 'otel_logs'),
      {
        name: 'COPY',
        table: 'otel_logs_native',
        async prepare(records) {
          prepared = records.map((r) => [
            timestamptz(logTime(r)),
            r.observedTimeUnixNano === 0n ? null : timestamptz(r.observedTimeUnixNano),
            ...columns.map((c) => c.value(r)),
          ]);
        },
        async write() {
          function* text(): Generator<string> {
            for (let i = 0; i < prepared.length; i += 1000) {
              let chunk = '';
              for (const row of prepared.slice(i, i + 1000)) chunk += `${row.map(copyField).join('\t')}\n`;
              yield chunk;
            }
          }
          await client.query('BEGIN');
          await pipeline(Readable.from(text()), client.query(copyFrom(`COPY ${schema}.otel_logs_native (${names.join(', ')}) FROM STDIN`)));
          await client.query('COMMIT');
        },
      },
    ],
    async count(table) {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.${table}`);
      return Number(result.rows[0]!.n);
    },
    async close() {
      await adapter.close();
      // A COPY that failed leaves its transaction open and aborted, where the DROP would fail too.
      await client.query('ROLLBACK').catch(() => undefined);
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

// ---- the rounds ----

interface Timed {
  wallMs: number;
  cpuMs: number;
}

/** One write of fresh records on one side: prepared, then timed. */
async function writeOnce(side: Side): Promise<Timed> {
  const records: LogRecord[] = [];
  const payloads: Uint8Array[] = [];
  for (let j = 0; j < jobsPerWrite; j++) {
    const job = nextJobRecords();
    for (const r of job) records.push(r);
    if (side.name === 'gateway') payloads.push(encodeBatch({ metrics: [], spans: [], logs: job }));
  }
  await side.prepare(records, payloads);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await side.write();
  const c = process.cpuUsage(c0);
  return { wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 };
}

const median = (values: readonly number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const k = (n: number) => `${(n / 1000).toFixed(1)}K`;

async function measure(target: Target): Promise<void> {
  const { sides } = target;
  const stored = new Map<Side, number>(sides.map((s) => [s, 0]));
  const timings = new Map<Side, Timed[]>(sides.map((s) => [s, []]));
  const checked = async (side: Side): Promise<Timed> => {
    const t = await writeOnce(side);
    stored.set(side, stored.get(side)! + recordsPerWrite);
    const rows = await target.count(side.table);
    if (rows !== stored.get(side)) throw new Error(`${target.name}: ${rows} rows in ${side.table}, ${stored.get(side)} sent`);
    return t;
  };
  // Warm-up: one write each (JIT, connections, the tables' first parts), not in the figures.
  for (const side of sides) await checked(side);
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next side: every side goes first, last and between as often.
    for (let i = 0; i < sides.length; i++) {
      const side = sides[(round + i) % sides.length]!;
      timings.get(side)!.push(await checked(side));
    }
  }
  const gateway = timings.get(sides[0]!)!;
  const rate = (t: readonly Timed[]) => median(t.map((x) => (recordsPerWrite / x.wallMs) * 1000));
  const cpu = (t: readonly Timed[]) => median(t.map((x) => (x.cpuMs / recordsPerWrite) * 10_000));
  const line = (side: Side, t: readonly Timed[]) =>
    `  ${side.name.padEnd(18)} ${k(rate(t)).padStart(7)} records/s  client CPU ${cpu(t).toFixed(0).padStart(4)} ms per 10K records  ${stored.get(side)!.toLocaleString('en')} rows counted in ${side.table}`;
  console.log(target.name);
  console.log(line(sides[0]!, gateway));
  for (const side of sides.slice(1)) {
    const native = timings.get(side)!;
    const ratios = native.map((n, i) => n.wallMs / gateway[i]!.wallMs);
    console.log(
      `${line(side, native)}\n  gateway / ${side.name}: ${median(ratios).toFixed(2)} (per round: ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
    );
  }
}

console.log(
  `-- logs delivery: ${jobsPerWrite} queue payloads of ${baseRecords.length} SDK log records (${(payloadBytes / baseRecords.length).toFixed(0)} B/record) per write = ` +
    `${recordsPerWrite.toLocaleString('en')} records; ${rounds} rounds after one warm-up write per side, sides in rotating order; wall time per write, medians`,
);
const wanted = new Set(args.targets.split(','));
for (const [name, key] of [
  ['clickhouse', 'MANIFOLD_TEST_CLICKHOUSE_URL'],
  ['timescaledb', 'MANIFOLD_TEST_TIMESCALE_URL'],
  ['postgres15', 'MANIFOLD_TEST_POSTGRES_URL'],
] as const) {
  if (!wanted.has(name)) continue;
  const url = serverUrl(key);
  if (!url) {
    console.log(`${name}: skipped, no ${key}`);
    continue;
  }
  const target =
    name === 'clickhouse' ? await clickhouseTarget(url) : await postgresTarget(name === 'timescaledb' ? 'TimescaleDB' : 'PostgreSQL 15', url);
  try {
    await measure(target);
  } finally {
    await target.close();
  }
}
