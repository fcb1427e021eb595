/**
 * A Prometheus of the test's own (the same `prometheus` binary scripts/backends/start.sh runs), on a free port
 * with its own data folder, so a test can stop and restart it without disturbing the shared one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from './support.js';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class PrivatePrometheus {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'manifold-prom-'));

  private constructor(readonly port: number) {
    writeFileSync(join(this.dir, 'prometheus.yml'), 'global: {scrape_interval: 15s}\nscrape_configs: []\n');
  }

  static async start(): Promise<PrivatePrometheus> {
    const prometheus = new PrivatePrometheus(await freePort());
    await prometheus.resume();
    return prometheus;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async resume(): Promise<void> {
    this.child = spawn(
      'prometheus',
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-remote-write-receiver',
      ],
      { stdio: 'ignore' },
    );
    const failed = new Promise<never>((_, reject) => this.child!.once('error', (error) => reject(new Error(`cannot run prometheus: ${error.message}`))));
    const ready = (async () => {
      for (let tries = 0; tries < 200; tries++) {
        try {
          if ((await fetch(`${this.url}/-/ready`)).status === 200) return;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error(`prometheus on ${this.port} not ready after 10 s`);
    })();
    await Promise.race([ready, failed]);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    this.child = undefined;
  }
}
