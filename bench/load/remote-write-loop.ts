/**
 * The native remote-write loop (delivery scenario): a separate process that POSTs pre-encoded remote-write
 * bodies (protobuf WriteRequests as the gateway's adapter encodes them, snappy-compressed with the adapter's own
 * call) back-to-back over keep-alive connections, cycling through them, for a given time. Forked by
 * scenarios/delivery.ts; IPC messages: { type: 'prepare', url, files, connections, stamps } → 'ready';
 * { type: 'go', durationSec } → 'result'; { type: 'exit' }.
 *
 * `stamps: 'repeat'` compresses the bodies once and sends the same samples every cycle (VictoriaMetrics stores
 * them again). `stamps: 'fresh'` shifts every timestamp of a cycle by the same amount, so that the cycle starts
 * now and after the previous cycle's latest sample, rewritten in place in the uncompressed bodies, and compresses
 * each body just before it is sent: a store that refuses duplicates and old samples (Prometheus) appends every
 * one. The time that takes is measured apart (`stampCpuSec`), so the loop's own cost shows.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { compressBody } from '../../src/adapters/prometheus/encode.js';
import { shiftWriteRequest, writeRequestTimes, type WriteRequestTimes } from '../otlp-stamp.js';

export type LoopStamps = 'repeat' | 'fresh';

export type ToLoop =
  | { type: 'prepare'; url: string; files: string[]; connections: number; stamps: LoopStamps }
  /** Sends for durationSec, and on until at least minCycles cycles are done (default 0). */
  | { type: 'go'; durationSec: number; minCycles?: number }
  | { type: 'exit' };

export interface LoopResult {
  requests: number;
  ok: number;
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  bytes: number;
  elapsedSec: number;
  requestsPerSec: number;
  generatorCpuSec: number;
  /** Cycles through all bodies (each with new timestamps when stamps are fresh). */
  cycles: number;
  /** Wall time spent restamping and compressing (fresh stamps; 0 otherwise), seconds. */
  stampCpuSec: number;
}

export type FromLoop = { type: 'ready' } | { type: 'result'; result: LoopResult } | { type: 'error'; message: string };

/** Uncompressed WriteRequests with their timestamps' offsets (fresh stamps), and compressed ones (repeat). */
let raws: { raw: Buffer; times: WriteRequestTimes }[] = [];
/** The bodies' earliest and latest timestamps (ms), and the shift the last cycle gave them. */
let earliest = 0;
let span = 0;
let lastShift = -Infinity;
let compressed: Buffer[] = [];
let stamps: LoopStamps = 'repeat';
let target: URL | undefined;
let agent: http.Agent | undefined;
let connections = 1;

const send = (message: FromLoop) => process.send!(message);

function post(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target!.hostname,
        port: target!.port,
        path: target!.pathname,
        method: 'POST',
        agent,
        timeout: 30_000,
        headers: {
          'content-type': 'application/x-protobuf',
          'content-encoding': 'snappy',
          'x-prometheus-remote-write-version': '0.1.0',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(durationSec: number, minCycles = 0): Promise<LoopResult> {
  let requests = 0,
    ok = 0,
    errors = 0,
    bytes = 0,
    next = 0,
    stampMs = 0,
    shift = 0;
  const statuses: Record<string, number> = {};
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationSec * 1000;
  const count = stamps === 'fresh' ? raws.length : compressed.length;
  const nextBody = (): Buffer => {
    const i = next++ % count;
    if (stamps === 'repeat') return compressed[i]!;
    const s0 = performance.now();
    // A new cycle: all its times shifted together so that its earliest is now, and after the last cycle's latest
    // (also across windows): every series gets samples newer than its last.
    if (i === 0) shift = lastShift = Math.max(Date.now() - earliest, lastShift + span + 1);
    const { raw, times } = raws[i]!;
    shiftWriteRequest(raw, times, shift);
    const body = compressBody(raw);
    stampMs += performance.now() - s0;
    return body;
  };
  const connection = async () => {
    while (performance.now() < deadline || next < minCycles * count) {
      const body = nextBody();
      requests++;
      try {
        const status = await post(body);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status >= 200 && status < 300) {
          ok++;
          bytes += body.length;
        }
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, connection));
  const elapsedSec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    requests,
    ok,
    errors,
    statuses,
    ...(firstError ? { firstError } : {}),
    bytes,
    elapsedSec,
    requestsPerSec: ok / elapsedSec,
    generatorCpuSec: (cpu.user + cpu.system) / 1e6,
    cycles: next / count,
    stampCpuSec: stampMs / 1000,
  };
}

process.on('message', (message: ToLoop) => {
  if (message.type === 'prepare') {
    target = new URL(message.url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
      send({ type: 'error', message: `refusing to send to ${target.hostname}: loopback only` });
      return;
    }
    stamps = message.stamps;
    const files = message.files.map((file) => readFileSync(file));
    if (stamps === 'fresh') {
      raws = files.map((raw) => ({ raw, times: writeRequestTimes(raw) }));
      let latest = -Infinity;
      earliest = Infinity;
      for (const { times } of raws) {
        for (const t of times.times) {
          earliest = Math.min(earliest, t);
          latest = Math.max(latest, t);
        }
      }
      span = latest - earliest;
    } else compressed = files.map((raw) => compressBody(raw));
    connections = message.connections;
    agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
    send({ type: 'ready' });
  } else if (message.type === 'go') {
    run(message.durationSec, message.minCycles).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => send({ type: 'error', message: (error as Error).stack ?? String(error) }),
    );
  } else if (message.type === 'exit') {
    agent?.destroy();
    process.disconnect();
  }
});
