/**
 * The load generator: a separate process (forked by load/client.ts) that POSTs one pre-encoded OTLP body
 * over N keep-alive connections, for a bounded time and count, and reads every answer back (status and
 * OTLP partial success). Closed loop at full load; open loop at a fixed request rate otherwise.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { otherInstance, restamp, timeOffsets } from '../otlp-stamp.js';
import { percentile } from '../stats.js';
import type { FromGenerator, LoadResult, LoadSpec, ToGenerator } from './protocol.js';
import { rejectedItems } from './response.js';

const bodies = new Map<string, Buffer>();
let prepared: LoadSpec | undefined;

function send(message: FromGenerator): void {
  process.send!(message);
}

process.on('message', (message: ToGenerator) => {
  if (message.type === 'prepare') {
    prepared = message.spec;
    if (!bodies.has(prepared.file)) bodies.set(prepared.file, readFileSync(prepared.file));
    send({ type: 'ready' });
  } else if (message.type === 'go') {
    const spec = prepared!;
    prepared = undefined;
    run(spec).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => send({ type: 'error', message: (error as Error).stack ?? String(error) }),
    );
  } else if (message.type === 'exit') {
    process.disconnect();
  }
});

interface Answer {
  status: number;
  body: Buffer;
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  const url = new URL(spec.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) throw new Error(`refusing to send load to ${url.hostname}: loopback only`);
  const body = bodies.get(spec.file)!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections, maxFreeSockets: spec.connections });
  const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/x-protobuf', 'content-length': body.length };
  if (spec.contentEncoding !== 'identity') headers['content-encoding'] = spec.contentEncoding;

  if (spec.restamp && spec.contentEncoding !== 'identity') throw new Error('restamp needs an identity body');
  const offsets = spec.restamp ? timeOffsets(body) : undefined;
  const perConnection = spec.instancePerConnection ? Array.from({ length: spec.connections }, (_, i) => otherInstance(body, i)) : [body];
  let lastMs = 0;
  /** Each request's points at a later millisecond than the previous request's. */
  const nextBody = (connection: number) => {
    const own = perConnection[connection % perConnection.length]!;
    if (!offsets) return own;
    lastMs = Math.max(Date.now(), lastMs + 1);
    return restamp(own, offsets, BigInt(lastMs) * 1_000_000n);
  };

  const post = (connection: number) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('request timed out after 30 s')));
      req.on('error', reject);
      req.end(nextBody(connection));
    });

  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0,
    ok = 0,
    errors = 0,
    rejected = 0,
    late = 0;
  let firstError: string | undefined;
  const interval = spec.rate ? 1000 / spec.rate : 0;
  let ticket = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + spec.durationSec * 1000;
  const hardDeadline = t0 + spec.durationSec * 4000;
  const minRequests = spec.minRequests ?? 0;

  async function connection(_: unknown, index: number): Promise<void> {
    for (;;) {
      if (requests >= spec.maxRequests) return;
      let start = performance.now();
      if (interval) {
        const due = t0 + ticket++ * interval;
        if (due >= deadline) return;
        if (due > start) await sleep(due - start);
        else if (start - due > 1) late++;
        start = due;
      } else if ((start >= deadline && requests >= minRequests) || start >= hardDeadline) return;
      requests++;
      try {
        const answer = await post(index);
        latencies.push(performance.now() - start);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status >= 200 && answer.status < 300) {
          ok++;
          rejected += rejectedItems(answer.body);
        } else if (!interval) {
          await sleep(10); // a refusal: do not spin
        }
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
        await sleep(50);
      }
    }
  }

  await Promise.all(Array.from({ length: spec.connections }, connection));
  const elapsedSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  const acceptedItems = ok * spec.itemsPerRequest - rejected;
  return {
    requests,
    ok,
    statuses,
    errors,
    firstError,
    acceptedItems,
    rejectedItems: rejected,
    elapsedSec,
    itemsPerSec: acceptedItems / elapsedSec,
    requestsPerSec: ok / elapsedSec,
    latencyMs: {
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
      mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
    },
    generatorCpuSec: (cpu.user + cpu.system) / 1e6,
    late,
    ...(spec.keepLatencies ? { latenciesMs: latencies.map((ms) => Math.round(ms * 100) / 100) } : {}),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
