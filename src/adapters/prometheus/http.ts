/**
 * POSTs remote-write bodies over node:http(s) with keep-alive agents (one connection reused across requests),
 * the remote-write headers, auth and custom headers, TLS options and a per-request timeout.
 * Connection failures and timeouts are transient; answers are classified in errors.ts.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { TransientWriteError } from '../contract.js';
import type { PrometheusConfig } from './config.js';
import { classifyResponse } from './errors.js';

const USER_AGENT = 'Manifold-remote-write/0.1.0';

export class RemoteWriteClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly headers: Record<string, string>;
  private readonly target: string;

  constructor(
    private readonly config: PrometheusConfig,
    /** Requests this client may have in flight (delivery.concurrency). */
    parallel = 1,
  ) {
    this.url = new URL(config.url);
    this.target = `${this.url.protocol}//${this.url.host}${this.url.pathname}`;
    // One socket per parallel request stream, kept open between batches.
    const agentOptions = { keepAlive: true, maxSockets: Math.max(1, parallel), keepAliveMsecs: 10_000 };
    this.agent =
      this.url.protocol === 'https:'
        ? new https.Agent({
            ...agentOptions,
            ca: config.tls.ca_file === undefined ? undefined : readFileSync(config.tls.ca_file),
            rejectUnauthorized: !config.tls.insecure_skip_verify,
          })
        : new http.Agent(agentOptions);
    this.headers = {
      ...config.headers,
      'Content-Encoding': 'snappy',
      'Content-Type': 'application/x-protobuf',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
      'User-Agent': config.headers['User-Agent'] ?? config.headers['user-agent'] ?? USER_AGENT,
    };
    if (config.basic_auth) {
      const token = Buffer.from(`${config.basic_auth.username}:${config.basic_auth.password}`).toString('base64');
      this.headers.Authorization = `Basic ${token}`;
    } else if (config.bearer_token) {
      this.headers.Authorization = `Bearer ${config.bearer_token}`;
    }
  }

  /** Resolves on 2xx; throws TransientWriteError or PermanentWriteError otherwise. */
  async send(body: Buffer): Promise<void> {
    const answer = await this.request('POST', this.url, body);
    if (answer.status >= 200 && answer.status < 300) return;
    throw classifyResponse(answer.status, answer.body, answer.retryAfter, this.target);
  }

  /** GET on the server's root path (any answer means it is up): for health checks. */
  async reachable(path: string): Promise<number> {
    return (await this.request('GET', new URL(path, this.url), undefined)).status;
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, url: URL, body: Buffer | undefined): Promise<{ status: number; body: string; retryAfter: string | undefined }> {
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const signal = AbortSignal.timeout(this.config.timeout);
      const headers: Record<string, string | number> =
        body === undefined ? { 'User-Agent': this.headers['User-Agent']! } : { ...this.headers, 'Content-Length': body.length };
      if (body === undefined && this.headers.Authorization) headers.Authorization = this.headers.Authorization;
      const request = transport.request(url, { method, agent: this.agent, headers, signal }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            retryAfter: response.headers['retry-after'],
          }),
        );
        response.on('error', (error) => reject(this.transient(error, signal)));
      });
      request.on('error', (error) => reject(this.transient(error, signal)));
      request.end(body);
    });
  }

  private transient(error: Error, signal: AbortSignal): TransientWriteError {
    const reason = signal.aborted ? `timed out after ${this.config.timeout} ms` : error.message;
    return new TransientWriteError(`remote write to ${this.target}: ${reason}`, undefined, { cause: error });
  }
}
