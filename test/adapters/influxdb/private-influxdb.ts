/**
 * An InfluxDB 1.x of the test's own (the same `influxd` binary scripts/backends/start.sh runs), with
 * authentication or HTTPS on, on free ports with its own data folder: the shared one runs with neither.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../prometheus/private-prometheus.js';
import { sleep } from '../prometheus/support.js';

export class PrivateInfluxDB {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'manifold-influx-'));

  private constructor(
    readonly port: number,
    readonly https: boolean,
  ) {}

  /** The self-signed certificate (CN and SAN 127.0.0.1) of an HTTPS server: the file a client trusts. */
  get certificate(): string {
    return join(this.dir, 'cert.pem');
  }

  /**
   * Starts influxd; with `admin`, auth-enabled and that admin user created (allowed while no user exists);
   * with `https`, a fresh self-signed certificate made by openssl.
   */
  static async start(options: { admin?: { username: string; password: string }; https?: boolean }): Promise<PrivateInfluxDB> {
    const influx = new PrivateInfluxDB(await freePort(), options.https === true);
    if (influx.https) {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(influx.dir, 'key.pem'),
          '-out',
          influx.certificate,
        ],
        { stdio: 'ignore' },
      );
    }
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
        `  auth-enabled = ${options.admin !== undefined}`,
        `  https-enabled = ${influx.https}`,
        `  https-certificate = "${influx.certificate}"`,
        `  https-private-key = "${join(influx.dir, 'key.pem')}"`,
        '',
      ].join('\n'),
    );
    influx.child = spawn('influxd', ['run', '-config', config], { stdio: 'ignore' });
    const failed = new Promise<never>((_, reject) =>
      influx.child!.once('error', (error) => reject(new Error(`cannot run influxd: ${error.message}`))),
    );
    const ready = (async () => {
      for (let tries = 0; tries < 200; tries++) {
        try {
          if (influx.https ? await influx.listening() : (await fetch(`${influx.url}/ping`)).status === 204) return;
        } catch {
          // not listening yet
        }
        await sleep(50);
      }
      throw new Error(`influxd on ${influx.port} not ready after 10 s`);
    })();
    await Promise.race([ready, failed]);
    if (options.admin !== undefined) {
      const q = `CREATE USER "${options.admin.username}" WITH PASSWORD '${options.admin.password}' WITH ALL PRIVILEGES`;
      const response = await fetch(`${influx.url}/query?q=${encodeURIComponent(q)}`, { method: 'POST' });
      if (response.status !== 200) throw new Error(`${q}: HTTP ${response.status} ${await response.text()}`);
    }
    return influx;
  }

  get url(): string {
    return `${this.https ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** HTTPS: the port accepts connections (fetch would refuse the self-signed certificate). */
  private listening(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(this.port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
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
