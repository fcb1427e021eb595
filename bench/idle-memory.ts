/**
 * Idle memory of the gateway (issue 13): `node --import tsx bench/idle-memory.ts [--external URL] [--gateway bin/manifold.js]
 *   [--defaults-only | --external-only] [--decode-threads N] [--idle-sec S] [--port P] [--keep]`.
 *
 * Starts the built gateway (bin/manifold.js, so `npm run build` first) as a child in an empty temporary folder,
 * samples its memory after start, sends 10K spans and 10K points with the OpenTelemetry JS SDK's OTLP/HTTP protobuf
 * exporters, waits for delivery, samples 10 s after it and again `--idle-sec` (default 45) later. Two cases:
 *  - defaults: embedded SQLite queue + embedded PostgreSQL (PGlite) as the backend;
 *  - external: a prometheus remote-write backend (`--external`, default $MANIFOLD_TEST_PROMETHEUS_URL from
 *    .backends/env, else http://127.0.0.1:9090) and no embedded PostgreSQL.
 * Per case: VmRSS / RssAnon / threads from /proc/PID/status SUMMED over the gateway's process tree (the embedded
 * PostgreSQL runs in a child process while it has clients), Pss from smaps_rollup (shared pages counted once), and
 * the largest mappings by Rss from /proc/PID/smaps per process (WASM memories, malloc arenas, V8 heaps show as
 * [anon]). Defaults case: then the time of a first query (connect included) on the embedded port, which restarts
 * the embedded PostgreSQL's server process if it was stopped for idleness, and a sample after it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const root = new URL('..', import.meta.url).pathname;
function envUrl(key: string): string | undefined {
  const file = join(root, '.backends', 'env');
  if (!existsSync(file)) return undefined;
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${key}=`));
  return line?.slice(key.length + 1).trim();
}
const external = flag('--external') ?? process.env.MANIFOLD_TEST_PROMETHEUS_URL ?? envUrl('MANIFOLD_TEST_PROMETHEUS_URL') ?? 'http://127.0.0.1:9090';
const ITEMS = 10_000;

interface Sample {
  /** VmRSS summed over the gateway and its child processes (the embedded PostgreSQL's server process). */
  rssMb: number;
  /** Pss summed the same way (pages shared between them, such as the node binary's, counted once). */
  pssMb: number;
  anonMb: number;
  threads: number;
  /** Each process of the tree: pid, VmRSS. */
  processes: string[];
  top: string[];
}
/** The gateway and every process under it (the init child is gone by the first sample; the server process may run). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read past the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}
function sample(pid: number): Sample {
  const total: Sample = { rssMb: 0, pssMb: 0, anonMb: 0, threads: 0, processes: [], top: [] };
  for (const p of processTree(pid)) {
    const one = sampleProcess(p);
    total.rssMb += one.rssMb;
    total.pssMb += one.pssMb;
    total.anonMb += one.anonMb;
    total.threads += one.threads;
    total.processes.push(
      `pid ${p}${p === pid ? ' (gateway)' : ''}: VmRSS ${one.rssMb.toFixed(1)} MB, Pss ${one.pssMb.toFixed(1)} MB, ${one.threads} threads`,
    );
    total.top.push(...one.top.map((line) => `${p}: ${line}`));
  }
  return total;
}
function sampleProcess(pid: number): Omit<Sample, 'processes'> {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const pss = Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  const maps: { rss: number; size: number; name: string }[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (m) maps.push({ rss: 0, size: (parseInt(m[2]!, 16) - parseInt(m[1]!, 16)) / 2 ** 20, name: m[3] || '[anon]' });
    else if (line.startsWith('Rss:') && maps.length) maps[maps.length - 1]!.rss = Number(line.split(/\s+/)[1]) / 1024;
  }
  maps.sort((a, b) => b.rss - a.rss);
  const top = maps.slice(0, 8).map((m) => `${m.rss.toFixed(1)} MB of ${m.size.toFixed(1)} MB ${m.name}`);
  return { rssMb: kb('VmRSS') / 1024, pssMb: pss / 1024, anonMb: kb('RssAnon') / 1024, threads: kb('Threads'), top };
}

async function waitFor(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`${url} not up in ${ms} ms`);
    await sleep(200);
  }
}

async function send(base: string): Promise<void> {
  const resource = resourceFromAttributes({ 'service.name': 'idle-memory', 'service.instance.id': 'bench-1' });
  const tracer = new BasicTracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }), { maxExportBatchSize: 1000, maxQueueSize: ITEMS * 2 }),
    ],
  });
  const t = tracer.getTracer('bench');
  for (let i = 0; i < ITEMS; i++) t.startSpan(`op-${i % 50}`, { attributes: { 'http.route': `/r/${i % 20}`, n: i } }).end();
  await tracer.forceFlush();
  await tracer.shutdown();
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
    exportIntervalMillis: 3_600_000,
  });
  const meter = new MeterProvider({ resource, readers: [reader] });
  // 10 counters × 1,000 attribute sets: the SDK's default cardinality limit is 2,000 per instrument.
  const counters = Array.from({ length: 10 }, (_, k) => meter.getMeter('bench').createCounter(`idle_memory_requests_${k}`));
  for (let i = 0; i < ITEMS; i++) counters[i % 10]!.add(1, { route: `/r/${Math.floor(i / 10)}` });
  await meter.forceFlush();
  await meter.shutdown();
}

async function run(name: string, slug: string, backends: string, port: number): Promise<void> {
  const embeddedPort = backends === '' ? port + 2 : undefined;
  const dir = mkdtempSync(join(tmpdir(), `manifold-idle-${slug}-`));
  writeFileSync(
    join(dir, 'manifold.yaml'),
    `receivers:\n  otlp:\n    http: { endpoint: 127.0.0.1:${port} }\n    grpc: { endpoint: 127.0.0.1:${port + 1} }\n` +
      (flag('--decode-threads') ? `    decode_threads: ${flag('--decode-threads')}\n` : '') +
      `embedded_store: { endpoint: 127.0.0.1:${port + 2} }\nadmin: { endpoint: 127.0.0.1:${port + 3} }\n${backends}`,
  );
  const child = spawn(process.execPath, [flag('--gateway') ?? join(root, 'bin', 'manifold.js'), 'start', '-c', 'manifold.yaml'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitFor(`http://127.0.0.1:${port + 3}/metrics`, 60_000);
    await sleep(3_000);
    const started = sample(child.pid!);
    const admin = `http://127.0.0.1:${port + 3}/metrics`;
    const heapStarted = await mainHeap(admin);
    await send(`http://127.0.0.1:${port}`);
    // Delivery (a backend's first write waits for its batch to fill or its linger), then settling.
    let written = 0;
    // Until the count has not moved for 5 s (a prometheus backend writes only the points).
    for (let end = Date.now() + 60_000, still = 0; Date.now() < end && still < 10; await sleep(500)) {
      const text = await (await fetch(admin)).text();
      const now = text
        .split('\n')
        .filter((l) => l.startsWith('manifold_backend_written_items_total'))
        .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
      still = now === written && now > 0 ? still + 1 : 0;
      written = now;
    }
    await sleep(5_000);
    const delivered = sample(child.pid!);
    const heapDelivered = await mainHeap(admin);
    // Idle workers stop after 30 s (src/ingest/decode-pool.ts); V8 shrinks its heaps on idle GCs.
    await sleep(idleSec * 1_000);
    const idle = sample(child.pid!);
    const heapIdle = await mainHeap(admin);
    // With the embedded PostgreSQL: how long the first query takes once its server process was stopped for idleness.
    let restart: { ms: number; sample: Sample; running: string } | undefined;
    if (embeddedPort) {
      const before = await metric(admin, 'manifold_embedded_store_running');
      const begun = Date.now();
      const client = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${embeddedPort}/postgres` });
      await client.connect();
      await client.query('select count(*) from public.otel_spans');
      const ms = Date.now() - begun;
      await client.end();
      restart = { ms, sample: sample(child.pid!), running: before };
    }
    console.log(`## ${name}`);
    console.log(`- written to the backend: ${written} items (manifold_backend_written_items_total)`);
    console.log(`- main thread heap used/total, external: after start ${heapStarted}; delivered ${heapDelivered}; idle ${heapIdle}`);
    for (const [label, s] of [
      ['after start', started],
      [`10 s after ${ITEMS} spans + ${ITEMS} points delivered`, delivered],
      [`idle ${idleSec} s later`, idle],
      ...(restart
        ? ([[`right after a first query (manifold_embedded_store_running was ${restart.running} before it)`, restart.sample]] as const)
        : []),
    ] as const) {
      console.log(
        `- ${label}: VmRSS ${s.rssMb.toFixed(1)} MB (Pss ${s.pssMb.toFixed(1)} MB), RssAnon ${s.anonMb.toFixed(1)} MB, ${s.threads} threads, ${s.processes.length} process(es)`,
      );
      for (const line of s.processes) console.log(`    ${line}`);
      for (const line of s.top) console.log(`    ${line}`);
    }
    if (restart) console.log(`- embedded PostgreSQL: connect + first query after the idle sample: ${restart.ms} ms`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

async function metric(admin: string, name: string): Promise<string> {
  const line = (await (await fetch(admin)).text()).split('\n').find((l) => l.startsWith(`${name} `));
  return line?.split(' ').pop() ?? 'absent';
}

async function mainHeap(admin: string): Promise<string> {
  const text = await (await fetch(admin)).text();
  const mb = (name: string): string => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line ? (Number(line.split(' ').pop()) / 2 ** 20).toFixed(1) : '?';
  };
  return `${mb('manifold_nodejs_heap_size_used_bytes')}/${mb('manifold_nodejs_heap_size_total_bytes')} MB, ${mb('manifold_nodejs_external_memory_bytes')} MB`;
}

const idleSec = Number(flag('--idle-sec') ?? 45);
const port = Number(flag('--port') ?? 24318);
if (!args.includes('--external-only')) await run('defaults (embedded queue + embedded PostgreSQL)', 'defaults', '', port);
if (!args.includes('--defaults-only'))
  await run(
    `external backend (prometheus remote write to ${external}), no embedded PostgreSQL`,
    'external',
    `backends:\n  prom: { kind: prometheus, url: ${external}/api/v1/write }\n`,
    port + 10,
  );
