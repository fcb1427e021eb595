/** Helpers for the InfluxDB adapter tests: adapters on the real test backends, read-back with InfluxQL (VictoriaMetrics' export: ../prometheus/support.ts). */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import type { Adapter, WriteResult } from '../../../src/adapters/contract.js';
import { writeDecoded } from '../../support/write.js';
import { type InfluxConfig, influxAdapter } from '../../../src/adapters/influxdb/index.js';
import type { MetricPoint, Span } from '../../../src/model/index.js';

export function makeAdapter(options: Record<string, unknown>): Adapter {
  const config: InfluxConfig = influxAdapter.configSchema.parse(options);
  return influxAdapter.create(config, { name: 'influx-test', logger: pino({ level: 'silent' }), dataDir: '/tmp' });
}

let batchCounter = 0;
export function write(
  adapter: Adapter,
  metrics: readonly MetricPoint[],
  spans: readonly Span[] = [],
  id = `influx-batch-${++batchCounter}`,
): Promise<WriteResult> {
  return writeDecoded(adapter, { id, attempt: 1, metrics, spans });
}

/** A name no other test run uses (the servers are shared). */
export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** InfluxDB 1.x: runs `q` (POST for DDL), throws on an HTTP or statement error. */
async function influxql(base: string, q: string, db?: string): Promise<any> {
  const url = new URL('/query', base);
  url.searchParams.set('q', q);
  url.searchParams.set('epoch', 'ns');
  if (db) url.searchParams.set('db', db);
  const ddl = /^\s*(CREATE|DROP)/i.test(q);
  const response = await fetch(url, { method: ddl ? 'POST' : 'GET' });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${q}: HTTP ${response.status} ${text}`);
  // Integers of 16+ digits (ns timestamps, int64 fields) become strings before JSON.parse rounds them.
  const body = JSON.parse(text.replace(/([[,:])(-?\d{16,})(?=[,\]}])/g, '$1"$2"')) as any;
  const error = body.error ?? body.results?.find((r: any) => r.error)?.error;
  if (error) throw new Error(`${q}: ${error}`);
  return body.results[0];
}

export async function createDatabase(base: string, db: string): Promise<void> {
  await influxql(base, `CREATE DATABASE "${db}"`);
}

export async function dropDatabase(base: string, db: string): Promise<void> {
  await influxql(base, `DROP DATABASE "${db}"`);
}

export interface Row {
  /** ns timestamp, exact. */
  time: bigint;
  [column: string]: unknown;
}

/** SELECT … as rows (null columns left out); big integers (16+ digits) as strings, time as bigint. */
export async function select(base: string, db: string, q: string): Promise<Row[]> {
  const result = await influxql(base, q, db);
  const rows: Row[] = [];
  for (const series of result.series ?? []) {
    for (const values of series.values as unknown[][]) {
      const row: Row = { time: 0n };
      (series.columns as string[]).forEach((column, i) => {
        const value = values[i];
        if (column === 'time') row.time = BigInt(value as string | number);
        else if (value !== null) row[column] = value;
      });
      if (series.name !== undefined) row._measurement = series.name;
      rows.push(row);
    }
  }
  return rows;
}

/** SHOW … results: one array of values per series (e.g. SHOW MEASUREMENTS, SHOW TAG VALUES). */
export async function show(base: string, db: string, q: string): Promise<unknown[][]> {
  const result = await influxql(base, q, db);
  return (result.series ?? []).flatMap((series: any) => series.values as unknown[][]);
}

export { vmExport } from '../prometheus/support.js';
