/**
 * A server binary of the test's own (the same one scripts/backends/start.sh runs for everyone), on a free port
 * with its own data folder, so a test can stop, freeze, kill -9 and restart it without disturbing the shared one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './process.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export abstract class PrivateServer {
  private child: ChildProcess | undefined;
  private frozen = false;
  readonly dir: string;

  protected constructor(
    readonly port: number,
    folderPrefix: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), folderPrefix));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The binary, its arguments and the path that answers 200 once it is ready. */
  protected abstract command(): { bin: string; args: string[]; readyPath: string };

  /** (Re)starts it on the same port and data folder. */
  async resume(readyTimeoutMs = 20_000): Promise<void> {
    const { bin, args, readyPath } = this.command();
    const child = spawn(bin, args, { stdio: 'ignore' });
    this.child = child;
    this.frozen = false;
    const failed = new Promise<never>((_, reject) => child.once('error', (error) => reject(new Error(`cannot run ${bin}: ${error.message}`))));
    const ready = (async () => {
      for (const deadline = Date.now() + readyTimeoutMs; Date.now() < deadline; ) {
        if (child.exitCode !== null) throw new Error(`${bin} on ${this.port} exited with ${child.exitCode}`);
        try {
          if ((await fetch(`${this.url}${readyPath}`)).status === 200) return;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error(`${bin} on ${this.port} not ready after ${readyTimeoutMs} ms`);
    })();
    await Promise.race([ready, failed]);
  }

  /** SIGTERM (or SIGKILL), and wait for the exit; a frozen server is thawed first so it can act on SIGTERM. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    if (this.frozen) child.kill('SIGCONT');
    await exited;
    this.child = undefined;
    this.frozen = false;
  }

  /** SIGSTOP: the port still takes connections (the kernel's backlog) but nothing answers, as with a hung server. */
  freeze(): void {
    this.child?.kill('SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
    this.frozen = false;
  }

  /** Stop (kill -9) and delete the data folder: for after(). */
  async dispose(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A VictoriaMetrics of its own: `-search.latencyOffset=0s`, so just-written samples are visible (after /internal/force_flush). */
export class PrivateVictoria extends PrivateServer {
  private constructor(
    port: number,
    private readonly extraArgs: string[],
  ) {
    super(port, 'manifold-vm-');
  }

  /** `extraArgs`: more flags, e.g. -dedup.minScrapeInterval. */
  static async start(extraArgs: string[] = []): Promise<PrivateVictoria> {
    const [port] = await freePorts(1);
    const victoria = new PrivateVictoria(port!, extraArgs);
    await victoria.resume();
    return victoria;
  }

  protected command() {
    return {
      bin: 'victoria-metrics',
      args: [
        `-storageDataPath=${join(this.dir, 'data')}`,
        `-httpListenAddr=127.0.0.1:${this.port}`,
        '-retentionPeriod=1',
        '-search.latencyOffset=0s',
        '-loggerLevel=ERROR',
        ...this.extraArgs,
      ],
      readyPath: '/health',
    };
  }
}
