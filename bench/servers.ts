/**
 * The servers under test, each its own process started the same way (`node --import tsx [flags] FILE`):
 * the ceiling server and the gateway. Both expose their pid for /proc CPU and memory sampling.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Signal } from './payloads.js';
import { sleep } from './stats.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface ServerProcess {
  readonly kind: 'ceiling' | 'gateway';
  readonly pid: number;
  /** http://127.0.0.1:PORT (OTLP/HTTP). */
  readonly baseUrl: string;
  /** The gateway's admin endpoint (Prometheus /metrics). */
  readonly adminUrl?: string;
  /** The last lines the process wrote, for error messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function launch(
  args: string[],
  nodeFlags: string[],
  env: NodeJS.ProcessEnv = {},
  preload: string[] = [],
): { child: ChildProcess; output: () => string } {
  const imports = preload.flatMap((file) => ['--import', file]);
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...imports, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8_000);
  };
  // BENCH_CHILD_LOG=PREFIX: each server's whole stdout also into PREFIX.<script>.<ms> (e.g. the gateway's --trace-gc).
  if (process.env.BENCH_CHILD_LOG)
    child.stdout!.pipe(createWriteStream(`${process.env.BENCH_CHILD_LOG}.${args[0]?.replace(/\W/g, '_')}.${Date.now()}`));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, output: () => tail };
}

async function waitFor(check: () => Promise<boolean>, child: ChildProcess, output: () => string, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) while starting:\n${output()}`);
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${what} did not become ready within ${timeoutMs} ms:\n${output()}`);
}

function stopper(child: ChildProcess, timeoutMs = 30_000): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

const ok = (url: string) => async () => (await fetch(url)).ok;

export async function startCeiling(nodeFlags: string[]): Promise<ServerProcess> {
  const port = await freePort();
  const { child, output } = launch(['bench/ceiling-server.ts', '--port', String(port)], nodeFlags);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(ok(`${baseUrl}/items`), child, output, 'the ceiling server');
  return { kind: 'ceiling', pid: child.pid!, baseUrl, output, stop: stopper(child) };
}

export interface GatewayOptions {
  /** A fresh folder for the gateway's config, queue and data. */
  dir: string;
  nodeFlags: string[];
  /** The queue section of the config; default the embedded queue under `dir`. Hook for the Redis queue. */
  queue?: Record<string, unknown>;
  /** The backends section; default pausedBackends('metrics'). */
  backends?: Record<string, unknown>;
  /** receivers.otlp.decode_threads; default the gateway's own (CPUs − 1). */
  decodeThreads?: number;
  /** Load bench/probe/main-thread-turns.ts into the gateway, writing its long turns and GC pauses to this file. */
  probeFile?: string;
}

/**
 * One paused backend that takes the signal (data queues durably, nothing is written): postgres for metrics and
 * traces, influxdb for logs (the one adapter storing log records; a signal no backend takes is only counted as
 * dropped, which is not what the ingest figure measures). Neither server is reached: port 1.
 */
export function pausedBackends(signal: Signal): Record<string, unknown> {
  // The backlog bound above what a whole run queues (~100K items/s × 330 B for minutes): at the default 1 GiB
  // the gateway rightly starts refusing (429) mid-run, which is not what the ingest figure measures.
  const delivery = { paused: true, backlog: { max_bytes: '100GiB' } };
  if (signal === 'logs') return { bench: { kind: 'influxdb', url: 'http://127.0.0.1:1', database: 'bench', signals: ['logs'], delivery } };
  return { bench: { kind: 'postgres', url: 'postgres://bench@127.0.0.1:1/bench', delivery } };
}

export async function startGateway(options: GatewayOptions): Promise<ServerProcess> {
  mkdirSync(options.dir, { recursive: true });
  const [port, admin, pg] = [await freePort(), await freePort(), await freePort()];
  const config = {
    data_dir: path.join(options.dir, 'data'),
    receivers: {
      otlp: {
        http: { endpoint: `127.0.0.1:${port}` },
        grpc: { enabled: false },
        ...(options.decodeThreads === undefined ? {} : { decode_threads: options.decodeThreads }),
      },
    },
    queue: options.queue ?? { kind: 'embedded', path: path.join(options.dir, 'queue') },
    admin: { endpoint: `127.0.0.1:${admin}` },
    embedded_store: { path: path.join(options.dir, 'pg'), endpoint: `127.0.0.1:${pg}` },
    backends: options.backends ?? pausedBackends('metrics'),
    log: { level: 'warn' },
  };
  const file = path.join(options.dir, 'manifold.yaml');
  // JSON is YAML.
  writeFileSync(file, JSON.stringify(config, null, 2));
  const probe = options.probeFile
    ? { env: { MANIFOLD_BENCH_PROBE_FILE: options.probeFile }, preload: ['./bench/probe/main-thread-turns.ts'] }
    : undefined;
  const { child, output } = launch(['src/cli.ts', 'start', '--config', file], options.nodeFlags, probe?.env, probe?.preload);
  const adminUrl = `http://127.0.0.1:${admin}`;
  await waitFor(ok(`${adminUrl}/readyz`), child, output, 'the gateway');
  return { kind: 'gateway', pid: child.pid!, baseUrl: `http://127.0.0.1:${port}`, adminUrl, output, stop: stopper(child) };
}

/** Sums the samples of one metric family in Prometheus text, optionally only those whose labels match. */
export async function scrape(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sumSamples(await metricsText(adminUrl), name, labels);
}

/** Several families from one scrape: for figures a scrape resets (prom-client's event-loop delay histogram). */
export async function scrapeMany<N extends string>(adminUrl: string, names: readonly N[]): Promise<Record<N, number>> {
  const text = await metricsText(adminUrl);
  return Object.fromEntries(names.map((name) => [name, sumSamples(text, name, {})])) as Record<N, number>;
}

async function metricsText(adminUrl: string): Promise<string> {
  const read = () => fetch(`${adminUrl}/metrics`).then((r) => r.text());
  // Once more on a failure: a keep-alive connection the server closed as idle (a gateway resumed after SIGSTOP
  // finds its idle timers expired) can be picked for the request at that moment and reset.
  return read()
    .catch(read)
    .catch((error: unknown) => {
      throw new Error(`could not read ${adminUrl}/metrics: ${(error as Error).message} (${String((error as Error).cause ?? '')})`, { cause: error });
    });
}

function sumSamples(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
