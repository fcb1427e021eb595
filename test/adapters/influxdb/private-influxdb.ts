/**
 * An InfluxDB 1.x of the test's own (the same `influxd` binary scripts/backends/start.sh runs), with
 * authentication on, on free ports with its own data folder: the shared one runs without auth.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../prometheus/private-prometheus.js';
import { sleep } from '../prometheus/support.js';

export class PrivateInfluxDB {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'manifold-influx-'));

  private constructor(readonly port: number) {}

  /** Starts influxd with auth-enabled and creates the admin user (allowed while no user exists). */
  static async start(admin: { username: string; password: string }): Promise<PrivateInfluxDB> {
    const influx = new PrivateInfluxDB(await freePort());
    const rpcPort = await freePort();
    const config = join(influx.dir, 'influxdb.conf');
    writeFileSync(
      config,
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${rpcPort}"`,
        '[meta]',
        `  dir = "${join(influx.dir, 'meta')}"`,
        '[data]',
        `  dir = "${join(influx.dir, 'data')}"`,
        `  wal-dir = "${join(influx.dir, 'wal')}"`,
        '  query-log-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${influx.port}"`,
        '  log-enabled = false',
        '  auth-enabled = true',
        '',
      ].join('\n'),
    );
    influx.child = spawn('influxd', ['run', '-config', config], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) => influx.child!.once('error', (error) => reject(new Error(`cannot run influxd: ${error.message}`))));
    const ready = (async () => {
      for (let tries = 0; tries < 200; tries++) {
        try {
          if ((await fetch(`${influx.url}/ping`)).status === 204) return;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error(`influxd on ${influx.port} not ready after 10 s`);
    })();
    await Promise.race([ready, failed]);
    const q = `CREATE USER "${admin.username}" WITH PASSWORD '${admin.password}' WITH ALL PRIVILEGES`;
    const response = await fetch(`${influx.url}/query?q=${encodeURIComponent(q)}`, { method: 'POST' });
    if (response.status !== 200) throw new Error(`${q}: HTTP ${response.status} ${await response.text()}`);
    return influx;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    this.child = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
