/**
 * Private instances of the stores the delivery scenario and the outage drill write to: the Debian
 * `victoria-metrics` and `prometheus` binaries on PATH, each on its own free port with its own data folder, so a
 * benchmark that reads the server's global counters sees only its own writes (the shared test servers get the
 * other helpers' tests too). `start()` on a stopped instance starts it again on the same folder (the outage drill).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './servers.js';
import { sleep } from './stats.js';

abstract class PrivateServer {
  private child: ChildProcess | undefined;
  private tail = '';

  constructor(
    readonly port: number,
    /** The instance's own folder: data (and config) live under it. */
    readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  protected abstract readonly binary: string;
  protected abstract readonly readyPath: string;
  protected abstract args(): string[];

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const child = spawn(this.binary, this.args(), { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    child.stderr!.on('data', (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-4_000);
    });
    const spawned = new Promise<Error | undefined>((resolve) => {
      child.once('error', resolve);
      child.once('spawn', () => resolve(undefined));
    });
    const failed = await spawned;
    if (failed) throw new Error(`${this.binary} did not start (${failed.message}); the bench needs the Debian package on PATH`);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`${this.binary} exited with ${child.exitCode}:\n${this.tail}`);
      if (
        await fetch(`${this.url}${this.readyPath}`).then(
          (r) => r.ok,
          () => false,
        )
      )
        return;
      await sleep(100);
    }
    throw new Error(`${this.binary} did not become ready in 30 s:\n${this.tail}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** Stops the server and deletes its folder. */
  async discard(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class PrivateVictoria extends PrivateServer {
  protected readonly binary = 'victoria-metrics';
  protected readonly readyPath = '/health';
  protected args(): string[] {
    return [`-storageDataPath=${path.join(this.dir, 'data')}`, `-httpListenAddr=127.0.0.1:${this.port}`, '-retentionPeriod=1', '-loggerLevel=ERROR'];
  }

  static async create(dir: string): Promise<PrivateVictoria> {
    return new PrivateVictoria(await freePort(), dir);
  }
}

/** Prometheus 2.42 with the remote-write receiver on and nothing to scrape (configuration as in the test servers). */
export class PrivatePrometheus extends PrivateServer {
  protected readonly binary = 'prometheus';
  protected readonly readyPath = '/-/ready';
  protected args(): string[] {
    const config = path.join(this.dir, 'prometheus.yml');
    writeFileSync(config, 'global: {scrape_interval: 15s}\nscrape_configs: []\n');
    return [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`,
      '--web.enable-remote-write-receiver',
      '--log.level=error',
    ];
  }

  static async create(dir: string): Promise<PrivatePrometheus> {
    return new PrivatePrometheus(await freePort(), dir);
  }
}
