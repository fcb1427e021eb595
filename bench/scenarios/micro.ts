/**
 * The micro benchmarks other parts of the project keep in bench/ (decode, queue codec, queue, remote-write
 * encode): run each that exists as its own process, under the same node flags, and keep its output.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../servers.js';
import type { MergeStamp } from '../report-format.js';

export interface MicroSpec {
  name: string;
  file: string;
  args: string[];
  /** Node flags this one needs (e.g. --expose-gc), after the run's own. */
  nodeFlags?: string[];
  /** Longer than the run's default (240 s) for one that writes into servers round after round. */
  timeoutSec?: number;
}

/** Stamped (MergeStamp) when measured by a `--merge` run. */
export interface MicroResult extends MergeStamp {
  name: string;
  file: string;
  command: string;
  status: 'ok' | 'failed' | 'missing' | 'skipped' | 'timeout';
  seconds: number;
  output: string;
  note?: string;
}

export const MICROS: MicroSpec[] = [
  { name: 'OTLP decode', file: 'bench/decode-micro.ts', args: [] },
  // Issue 15: the logs decode thread's two stages per SDK request (decodeLogs, encodeBatch); --against DIR for an A/B.
  { name: 'logs decode + encode', file: 'bench/micro/logs-decode-encode.ts', args: [] },
  { name: 'queue codec', file: 'bench/codec-micro.ts', args: [] },
  { name: 'queue', file: 'bench/queue-micro.ts', args: [] },
  // Redis at MANIFOLD_BENCH_REDIS_URL, else MANIFOLD_TEST_REDIS_URL (.backends/env), else 127.0.0.1:6379.
  { name: 'queue (Redis)', file: 'bench/queue-redis-micro.ts', args: [] },
  { name: 'remote-write encode', file: 'bench/remote-write-micro.ts', args: [] },
  // Bytes per series of the remote-write catalog after GC, and the adapter's steady state on the SDK's own request.
  { name: 'remote-write series catalog', file: 'bench/micro/remote-write-catalog.ts', args: [], nodeFlags: ['--expose-gc'] },
  { name: 'remote-write SDK path', file: 'bench/micro/remote-write-sdk-path.ts', args: [] },
  // TimescaleDB and PostgreSQL 15 from MANIFOLD_TEST_*_URL or .backends/env.
  { name: 'PostgreSQL / TimescaleDB rows', file: 'bench/postgres-rows-micro.ts', args: [] },
  { name: 'PostgreSQL series layout', file: 'bench/postgres-series-micro.ts', args: [] },
  // Encoding only: the write figures are in the file's header run (InfluxDB 1.6 is the limit there, not the gateway).
  { name: 'InfluxDB line protocol', file: 'bench/micro/influx-encode.ts', args: ['--no-server'] },
  { name: 'ClickHouse insert', file: 'bench/micro/clickhouse-insert.ts', args: [] },
  // Issue 15: ClickHouse, TimescaleDB and PostgreSQL 15 from MANIFOLD_TEST_*_URL or .backends/env; ~3 min on a shared machine.
  { name: 'logs delivery vs native bulk loads', file: 'bench/micro/logs-delivery.ts', args: [], timeoutSec: 600 },
];

export async function runMicro(spec: MicroSpec, nodeFlags: string[], timeoutSec: number): Promise<MicroResult> {
  const args = [...nodeFlags, ...(spec.nodeFlags ?? []), '--import', 'tsx', spec.file, ...spec.args];
  const command = `node ${args.join(' ')}`;
  if (!existsSync(path.join(ROOT, spec.file))) return { ...spec, command, status: 'missing', seconds: 0, output: '' };
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutSec * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      resolve({
        name: spec.name,
        file: spec.file,
        command,
        seconds,
        output: output.trimEnd().slice(-12_000),
        status: timedOut ? 'timeout' : code === 0 ? 'ok' : 'failed',
      });
    });
  });
}
