/**
 * A Prometheus of the test's own (the same `prometheus` binary scripts/backends/start.sh runs), on a free port
 * with its own data folder, so a test can stop and restart it without disturbing the shared one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PrivateServer } from '../../support/private-server.js';
import { freePorts } from '../../support/process.js';

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

export class PrivatePrometheus extends PrivateServer {
  private constructor(port: number) {
    super(port, 'manifold-prom-');
    writeFileSync(join(this.dir, 'prometheus.yml'), 'global: {scrape_interval: 15s}\nscrape_configs: []\n');
  }

  static async start(): Promise<PrivatePrometheus> {
    const prometheus = new PrivatePrometheus(await freePort());
    await prometheus.resume();
    return prometheus;
  }

  protected command() {
    return {
      bin: 'prometheus',
      args: [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-remote-write-receiver',
      ],
      readyPath: '/-/ready',
    };
  }
}
