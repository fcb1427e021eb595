/** Helpers for the remote-write tests: adapters on the real test backends, and read-back through their HTTP APIs. */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { type PrometheusConfig, prometheusAdapter } from '../../../src/adapters/prometheus/index.js';
import type { Adapter, WriteResult } from '../../../src/adapters/contract.js';
import { writeDecoded } from '../../support/write.js';
import type { MetricPoint } from '../../../src/model/index.js';

export function makeAdapter(baseUrl: string, options: Record<string, unknown> = {}, path = '/api/v1/write'): Adapter {
  const config: PrometheusConfig = prometheusAdapter.configSchema.parse({ url: new URL(path, baseUrl).href, ...options });
  return prometheusAdapter.create(config, { name: 'test', logger: pino({ level: 'silent' }), dataDir: '/tmp' });
}

let batchCounter = 0;
export function write(adapter: Adapter, metrics: MetricPoint[], id = `batch-${++batchCounter}`): Promise<WriteResult> {
  return writeDecoded(adapter, { id, attempt: 1, metrics, spans: [] });
}

/** A job name no other test run uses, so read-backs see only this test's series. */
export function uniqueService(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface PromSeries {
  metric: Record<string, string>;
  /** [unix seconds, "value"] pairs, from a range selector. */
  values: [number, string][];
}

async function getJson(url: URL): Promise<any> {
  const response = await fetch(url);
  const body = (await response.json()) as any;
  if (response.status !== 200 || body.status !== 'success') throw new Error(`${url}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.data;
}

/**
 * Every raw sample of the matching series (range selector over the last `rangeS` seconds, evaluated at
 * `atMs`), sorted by series. Polls a little: samples become visible to PromQL shortly after the write.
 */
export async function promRaw(baseUrl: string, selector: string, atMs: number, expectSeries: number, rangeS = 3600): Promise<PromSeries[]> {
  const url = new URL('/api/v1/query', baseUrl);
  url.searchParams.set('query', `${selector}[${rangeS}s]`);
  url.searchParams.set('time', String(atMs / 1000));
  let result: PromSeries[] = [];
  for (let tries = 0; tries < 40; tries++) {
    result = (await getJson(url)).result as PromSeries[];
    if (result.length >= expectSeries) break;
    await sleep(50);
  }
  return result.sort((a, b) => seriesId(a.metric).localeCompare(seriesId(b.metric)));
}

/** Instant query (PromQL), result vector. */
export async function promQuery(
  baseUrl: string,
  query: string,
  atMs: number,
): Promise<{ metric: Record<string, string>; value: [number, string]; histogram?: [number, any] }[]> {
  const url = new URL('/api/v1/query', baseUrl);
  url.searchParams.set('query', query);
  url.searchParams.set('time', String(atMs / 1000));
  return (await getJson(url)).result;
}

export async function promSeries(baseUrl: string, match: string): Promise<Record<string, string>[]> {
  const url = new URL('/api/v1/series', baseUrl);
  url.searchParams.append('match[]', match);
  url.searchParams.set('start', String(Date.now() / 1000 - 3600));
  url.searchParams.set('end', String(Date.now() / 1000 + 3600));
  return getJson(url);
}

export async function promExemplars(baseUrl: string, query: string, startMs: number, endMs: number): Promise<any[]> {
  const url = new URL('/api/v1/query_exemplars', baseUrl);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(startMs / 1000));
  url.searchParams.set('end', String(endMs / 1000));
  for (let tries = 0; tries < 40; tries++) {
    const data = await getJson(url);
    if (data.length > 0) return data;
    await sleep(50);
  }
  return [];
}

export interface VmExported {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** VictoriaMetrics: flush, then /api/v1/export (JSON lines, raw samples with ms timestamps). */
export async function vmExport(baseUrl: string, match: string, expectSeries: number): Promise<VmExported[]> {
  let rows: VmExported[] = [];
  for (let tries = 0; tries < 60; tries++) {
    await fetch(new URL('/internal/force_flush', baseUrl));
    const url = new URL('/api/v1/export', baseUrl);
    url.searchParams.append('match[]', match);
    const text = await (await fetch(url)).text();
    rows = text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map(parseExportLine);
    if (rows.length >= expectSeries) break;
    await sleep(100);
  }
  return rows.sort((a, b) => seriesId(a.metric).localeCompare(seriesId(b.metric)));
}

/** One line of /api/v1/export: JSON, except that ±Inf values are written bare (`Inf`, `-Inf`), which JSON.parse refuses. */
function parseExportLine(line: string): VmExported {
  const row = JSON.parse(line.replace(/([[,])([+-]?Inf)(?=[,\]])/g, '$1"$2"')) as {
    metric: Record<string, string>;
    values: (number | string)[];
    timestamps: number[];
  };
  return { ...row, values: row.values.map((value) => (typeof value === 'number' ? value : value.startsWith('-') ? -Infinity : Infinity)) };
}

export function seriesId(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key]}`)
    .join(',');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
