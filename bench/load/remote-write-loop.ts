/**
 * The native remote-write loop (delivery scenario): a separate process that POSTs pre-encoded remote-write
 * bodies (snappy protobuf WriteRequests, as the gateway's adapter encodes them) back-to-back over keep-alive
 * connections, cycling through them, for a given time. Forked by scenarios/delivery.ts; IPC messages:
 * { type: 'prepare', url, files, connections } → 'ready'; { type: 'go', durationSec } → 'result'; { type: 'exit' }.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

export type ToLoop =
  | { type: 'prepare'; url: string; files: string[]; connections: number }
  | { type: 'go'; durationSec: number }
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
}

export type FromLoop = { type: 'ready' } | { type: 'result'; result: LoopResult } | { type: 'error'; message: string };

let bodies: Buffer[] = [];
let target: URL | undefined;
let agent: http.Agent | undefined;
let connections = 1;

const send = (message: FromLoop) => process.send!(message);

function post(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: target!.hostname, port: target!.port, path: target!.pathname, method: 'POST', agent, timeout: 30_000,
      headers: {
        'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0',
        'content-length': body.length,
      },
    }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out after 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(durationSec: number): Promise<LoopResult> {
  let requests = 0, ok = 0, errors = 0, bytes = 0, next = 0;
  const statuses: Record<string, number> = {};
  let firstError: string | undefined;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationSec * 1000;
  const connection = async () => {
    while (performance.now() < deadline) {
      const body = bodies[next++ % bodies.length]!;
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
  return { requests, ok, errors, statuses, ...(firstError ? { firstError } : {}), bytes, elapsedSec, requestsPerSec: ok / elapsedSec, generatorCpuSec: (cpu.user + cpu.system) / 1e6 };
}

process.on('message', (message: ToLoop) => {
  if (message.type === 'prepare') {
    target = new URL(message.url);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) {
      send({ type: 'error', message: `refusing to send to ${target.hostname}: loopback only` });
      return;
    }
    bodies = message.files.map((file) => readFileSync(file));
    connections = message.connections;
    agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
    send({ type: 'ready' });
  } else if (message.type === 'go') {
    run(message.durationSec).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => send({ type: 'error', message: (error as Error).stack ?? String(error) }),
    );
  } else if (message.type === 'exit') {
    agent?.destroy();
    process.disconnect();
  }
});
