/**
 * Writes line protocol through @influxdata/influxdb-client's transport (node:http(s), its timeout, gzip over
 * 1 KB, HttpError with status, body and headers), one request per call, to either API:
 * - v1: POST /write?db=&rp=&precision=ns, Basic auth from username/password;
 * - v2: POST /api/v2/write?org=&bucket=&precision=ns, `Authorization: Token …`.
 * Not the client's WriteApi: it batches, flushes on a timer and retries from its own buffer, all of which
 * the delivery engine already does once for every adapter (see the README).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { InfluxDB, type Transport } from '@influxdata/influxdb-client';
import type { InfluxConfig } from './config.js';
import { apiVersion } from './config.js';
import { classifyWriteError } from './errors.js';

const GZIP_THRESHOLD = 1_000;

export class InfluxClient {
  private readonly transport: Transport;
  private readonly agent: http.Agent;
  private readonly writePath: string;
  private readonly authHeaders: Record<string, string> = {};
  readonly target: string;
  readonly api: 'v1' | 'v2';

  constructor(
    private readonly config: InfluxConfig,
    /** Writes the engine may have in flight (delivery.concurrency): one kept-alive connection each, plus one for health checks. */
    concurrency = 1,
  ) {
    const url = new URL(config.url);
    this.api = apiVersion(config);
    const agentOptions = { keepAlive: true, maxSockets: concurrency + 1, keepAliveMsecs: 10_000 };
    this.agent =
      url.protocol === 'https:'
        ? new https.Agent({
            ...agentOptions,
            ca: config.tls.ca_file === undefined ? undefined : readFileSync(config.tls.ca_file),
            rejectUnauthorized: !config.tls.insecure_skip_verify,
          })
        : new http.Agent(agentOptions);
    this.transport = new InfluxDB({
      url: config.url.replace(/\/+$/, ''),
      token: this.api === 'v2' ? config.token : undefined,
      timeout: config.timeout,
      headers: config.headers,
      transportOptions: { agent: this.agent },
    }).transport;
    const params = new URLSearchParams();
    if (this.api === 'v1') {
      params.set('db', config.database!);
      if (config.retention_policy !== undefined) params.set('rp', config.retention_policy);
      params.set('precision', 'ns');
      this.writePath = `/write?${params}`;
      if (config.username !== undefined) {
        this.authHeaders.Authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
      }
      this.target = `${url.origin}${url.pathname.replace(/\/+$/, '')}/write?db=${config.database}`;
    } else {
      params.set('org', config.org ?? '');
      params.set('bucket', config.bucket!);
      params.set('precision', 'ns');
      this.writePath = `/api/v2/write?${params}`;
      this.target = `${url.origin}${url.pathname.replace(/\/+$/, '')}/api/v2/write?bucket=${config.bucket}`;
    }
  }

  /** One request with these lines. Throws TransientWriteError or PermanentWriteError. */
  async write(lines: readonly string[]): Promise<void> {
    try {
      await this.transport.request(this.writePath, lines.join('\n'), {
        method: 'POST',
        headers: { ...this.authHeaders, 'content-type': 'text/plain; charset=utf-8' },
        gzipThreshold: this.config.gzip ? GZIP_THRESHOLD : undefined,
      });
    } catch (error) {
      throw classifyWriteError(error, this.target, this.config.timeout);
    }
  }

  /** GET /ping: 204 from InfluxDB 1.x/2.x and VictoriaMetrics. */
  async ping(): Promise<void> {
    await this.transport.request('/ping', '', { method: 'GET', headers: this.authHeaders });
  }

  /** v1: CREATE DATABASE (idempotent in InfluxDB 1.x). */
  async createDatabase(): Promise<void> {
    const q = `CREATE DATABASE "${this.config.database!.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    await this.transport.request(`/query?${new URLSearchParams({ q })}`, '', { method: 'POST', headers: this.authHeaders });
  }

  close(): void {
    this.agent.destroy();
  }
}
