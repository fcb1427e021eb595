/**
 * The crash drills' non-remote-write stores (test/delivery/store-crash-drill.test.ts): PostgreSQL, InfluxDB and
 * ClickHouse as scripts/backends runs them for every test. A drill hangs one (SIGSTOP of its process tree: open
 * connections stay open, nothing answers) or takes it down (ctl.sh stop) and back; the reader gets the drill's
 * samples back with the store's own query language, one row per stored sample, so a duplicate shows.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createClient, ClickHouseLogLevel } from '@clickhouse/client';
import pg from 'pg';
import { dropDatabase, select } from '../adapters/influxdb/support.js';
import { backendUrl } from './backends.js';
import { DRILL_METRIC, seriesKey, type StoredSamples } from './drill.js';
import { REPO } from './process.js';

export type SharedStoreKind = 'postgres' | 'influxdb' | 'clickhouse';

const CTL_NAME: Record<SharedStoreKind, string> = { postgres: 'postgres', influxdb: 'influxdb', clickhouse: 'clickhouse' };
const URL_NAME = { postgres: 'postgres', influxdb: 'influxdb1', clickhouse: 'clickhouse' } as const;

const ctl = (action: string, name: string): string =>
  execFileSync('bash', [path.join(REPO, 'scripts/backends/ctl.sh'), action, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** The server's pid and every descendant's (PostgreSQL serves each connection from a child process). */
function processTree(pid: number): number[] {
  const listing = spawnSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).stdout; // exit 1: no children
  const children = listing
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((child) => child > 0);
  return [pid, ...children.flatMap(processTree)];
}

export class SharedStore {
  private frozen: number[] = [];

  /** `name`: the drill's schema or database, made an identifier. */
  readonly name: string;

  constructor(
    readonly kind: SharedStoreKind,
    name: string,
  ) {
    this.name = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  }

  get url(): string {
    return backendUrl(URL_NAME[this.kind]);
  }

  /** The drill's backend block (YAML flow): its own schema or database, created by the gateway. */
  backendYaml(): string {
    if (this.kind === 'postgres') return `kind: postgres, url: "${this.url}", schema: ${this.name}`;
    if (this.kind === 'influxdb') return `kind: influxdb, url: "${this.url}", database: ${this.name}, create_database: true`;
    return `kind: clickhouse, url: "${this.url}", database: ${this.name}`;
  }

  /** Hung: every process of the server stopped, its sockets open. */
  freeze(): void {
    this.frozen = processTree(Number(ctl('pid', CTL_NAME[this.kind]).trim()));
    for (const pid of this.frozen) process.kill(pid, 'SIGSTOP');
  }

  thaw(): void {
    for (const pid of this.frozen) process.kill(pid, 'SIGCONT');
    this.frozen = [];
  }

  /** Down: connections refused. */
  stop(): void {
    ctl('stop', CTL_NAME[this.kind]);
  }

  /** Up again, and answering. */
  start(): void {
    ctl('start', CTL_NAME[this.kind]);
  }

  /** Every stored sample of the drill's counter, per (instance, lane). */
  async samples(): Promise<StoredSamples> {
    const rows = await this.rows();
    const stored: StoredSamples = new Map();
    for (const { instance, lane, ts, value } of rows) {
      const key = seriesKey(instance, lane);
      let list = stored.get(key);
      if (!list) stored.set(key, (list = []));
      list.push({ ts, value });
    }
    return stored;
  }

  private async rows(): Promise<{ instance: string; lane: string; ts: number; value: number }[]> {
    if (this.kind === 'postgres') {
      const client = new pg.Client({ connectionString: this.url });
      await client.connect();
      try {
        const result = await client.query<{ instance: string; lane: string; ts: string; value: number }>(
          `SELECT resource_attributes->>'service.instance.id' AS instance, attributes->>'lane' AS lane,
                  (time_unix_nano / 1000000)::text AS ts, value
             FROM ${this.name}.otel_metrics_number WHERE metric_name = $1`,
          [DRILL_METRIC],
        );
        return result.rows.map((row) => ({ ...row, ts: Number(row.ts) }));
      } finally {
        await client.end();
      }
    }
    if (this.kind === 'influxdb') {
      const rows = await select(this.url, this.name, `SELECT "counter", "lane", "service.instance.id" FROM "${DRILL_METRIC}"`);
      return rows.map((row) => ({
        instance: String(row['service.instance.id']),
        lane: String(row.lane),
        ts: Number(row.time / 1_000_000n),
        value: Number(row.counter),
      }));
    }
    const client = createClient({ url: this.url, log: { level: ClickHouseLogLevel.OFF } });
    try {
      const result = await client.query({
        query: `SELECT ResourceAttributes['service.instance.id'] AS instance, Attributes['lane'] AS lane, toString(toUnixTimestamp64Milli(TimeUnix)) AS ts, Value AS value
                  FROM ${this.name}.otel_metrics_sum WHERE MetricName = {metric:String}`,
        query_params: { metric: DRILL_METRIC },
        format: 'JSONEachRow',
      });
      const rows = await result.json<{ instance: string; lane: string; ts: string; value: number }>();
      return rows.map((row) => ({ ...row, ts: Number(row.ts) }));
    } finally {
      await client.close();
    }
  }

  /** The drill's schema or database dropped; the server left running (thawed, started) for the next test. */
  async dispose(): Promise<void> {
    this.thaw();
    this.start();
    if (this.kind === 'influxdb') return dropDatabase(this.url, this.name);
    if (this.kind === 'postgres') {
      const client = new pg.Client({ connectionString: this.url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${this.name} CASCADE`).finally(() => client.end());
      return;
    }
    const client = createClient({ url: this.url, log: { level: ClickHouseLogLevel.OFF } });
    await client.command({ query: `DROP DATABASE IF EXISTS ${this.name}` }).finally(() => client.close());
  }
}
