/**
 * Durable by default (issue 13): with the defaults, the embedded queue's commit is fsynced (an fdatasync of the
 * WAL on libuv's thread pool, src/queue/sqlite/wal-sync.ts) before the 200 goes out, so an acknowledged request
 * survives a power loss, not only a crash of the process. Seen from outside with strace (-y names each fd's file or socket): in
 * the gateway's system calls for one OTLP request, the WAL's fdatasync completes before the response's first
 * write. With `queue.fsync: false` no fdatasync of the WAL comes before the ack (the documented trade: a
 * process crash is survived, a power loss may lose the last commits).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { sleep } from '../support/drill.js';
import { freePorts, killRunningCli, runCli } from '../support/process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'manifold-fsync-'));
after(() => {
  killRunningCli();
  rmSync(dir, { recursive: true, force: true });
});

const body = (name: string) =>
  JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'fsync-test' } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name,
                gauge: { dataPoints: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), asDouble: 1.5 }] },
              },
            ],
          },
        ],
      },
    ],
  });

/** The strace lines of one request: from the POST until just after its 200 arrived. */
async function tracedRequest(fsync: boolean | undefined): Promise<string[]> {
  const name = fsync === undefined ? 'default' : `fsync_${fsync}`;
  const [httpPort, adminPort] = await freePorts(2);
  const config = path.join(dir, `${name}.yaml`);
  writeFileSync(
    config,
    [
      `data_dir: ${path.join(dir, name)}`,
      `receivers: { otlp: { http: { endpoint: 127.0.0.1:${httpPort} }, grpc: { enabled: false } } }`,
      `queue: { kind: embedded, path: ${path.join(dir, name, 'queue')}${fsync === undefined ? '' : `, fsync: ${fsync}`} }`,
      `admin: { endpoint: 127.0.0.1:${adminPort} }`,
      // Paused: the request is queued and acknowledged, nothing else writes meanwhile.
      'backends: { prom: { kind: prometheus, url: "http://127.0.0.1:9/api/v1/write", delivery: { paused: true } } }',
      '',
    ].join('\n'),
  );
  const trace = path.join(dir, `${name}.strace`);
  const gateway = runCli(['start', '--config', config], {}, [
    'strace',
    '-f',
    '-qq',
    '-y',
    '-e',
    'signal=none',
    '-e',
    'trace=fdatasync,fsync,write,writev',
    '-o',
    trace,
  ]);
  await gateway.waitForLine(/manifold is running/, 60_000);
  await sleep(500); // start-up commits out of the way
  const from = statSync(trace).size;
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: body(`fsync_${name}`),
  });
  assert.equal(response.status, 200, await response.text());
  await sleep(300);
  // SIGKILL to strace would only detach it: the traced gateway is killed first.
  const pid = gatewayPid(gateway.child.pid!);
  process.kill(pid, 'SIGKILL');
  gateway.child.kill('SIGKILL');
  await gateway.exited;
  return readFileSync(trace, 'utf8').slice(from).split('\n');
}

/** The traced gateway: strace's child process. */
function gatewayPid(stracePid: number): number {
  const pid = Number(
    execFileSync('pgrep', ['-P', String(stracePid)], { encoding: 'utf8' })
      .trim()
      .split('\n')[0],
  );
  assert.ok(pid > 0, `no child of strace ${stracePid}`);
  return pid;
}

const walSync = /^(\d+) +f(data)?sync\(\d+<[^>]*queue[^>]*-wal>/;
const ackWrite = /^(\d+) +writev?\(\d+<(?:TCP|socket):\[[^\]]+\]>.*HTTP\/1\.1 200/;

/** Index of the line where the WAL's first fdatasync returned (its own line, or its `resumed` line), or -1. */
function walSyncDone(lines: string[]): number {
  const start = lines.findIndex((line) => walSync.test(line));
  if (start < 0) return -1;
  if (!lines[start]!.includes('<unfinished ...>')) return start;
  const pid = walSync.exec(lines[start]!)![1];
  return lines.findIndex((line, i) => i > start && line.startsWith(`${pid} `) && /<\.\.\. f(data)?sync resumed>/.test(line));
}

test('default queue settings: the WAL is fsynced before the 200 is written', { timeout: 90_000 }, async () => {
  const lines = await tracedRequest(undefined);
  const ack = lines.findIndex((line) => ackWrite.test(line));
  assert.ok(ack >= 0, `no 200 written in the trace:\n${lines.slice(0, 40).join('\n')}`);
  const synced = walSyncDone(lines.slice(0, ack));
  assert.ok(synced >= 0, `no fdatasync of the queue's WAL before the ack:\n${lines.slice(0, ack + 1).join('\n')}`);
});

test('queue.fsync: false: no fsync of the WAL before the 200 (the documented trade)', { timeout: 90_000 }, async () => {
  const lines = await tracedRequest(false);
  const ack = lines.findIndex((line) => ackWrite.test(line));
  assert.ok(ack >= 0, `no 200 written in the trace:\n${lines.slice(0, 40).join('\n')}`);
  assert.equal(walSyncDone(lines.slice(0, ack)), -1, lines.slice(0, ack + 1).join('\n'));
});
