import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Logger } from 'pino';
import type { GatewayMetrics } from './metrics.js';
import { listen, type ListeningServer } from '../receivers/listen.js';
import type { DeadLetterService } from '../dlq/service.js';
import { handleDeadLetterRoute } from './dlq-routes.js';
import type { Authenticator } from '../receivers/auth.js';
import { packageFile } from '../util/package-file.js';
import type { StatusReporter } from './status.js';

/** The page reads only /status.json from here; nothing else may load or frame it. */
const PAGE_SECURITY_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'";

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/**
 * /metrics (Prometheus text), /healthz (the process is up), /readyz (the queue store answers, receivers are open), /dlq (dead letters),
 * / (the status page) and /status.json (what it shows).
 */
export async function startAdminServer(
  metrics: GatewayMetrics,
  readiness: () => readonly ReadinessCheck[],
  deadLetters: DeadLetterService,
  status: StatusReporter,
  host: string,
  port: number,
  logger: Logger,
  /** When set (admin.token), the dead-letter routes and /status.json need it: they show data (and the former move it). */
  authenticate?: Authenticator,
): Promise<ListeningServer> {
  // Read once: a missing page fails the start, not the first visit.
  const page = await readFile(packageFile('src/admin/status-page.html'));
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if ((path.startsWith('/dlq') || path === '/status.json') && authenticate && !authenticate(req.headers.authorization)) {
        res
          .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer realm="manifold-admin"' })
          .end(
            `${JSON.stringify({ error: `${path === '/status.json' ? '/status.json needs' : 'the dead-letter routes need'} Authorization: Bearer <admin.token>` })}\n`,
          );
        return;
      }
      if (await handleDeadLetterRoute(deadLetters, req, res)) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain' }).end('use GET\n');
      } else if (path === '/metrics') {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body);
      } else if (path === '/') {
        res
          .writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': PAGE_SECURITY_POLICY,
            'cache-control': 'no-cache',
          })
          .end(page);
      } else if (path === '/status.json') {
        const body = JSON.stringify(await status.report());
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${body}\n`);
      } else if (path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      } else if (path === '/readyz') {
        const failures: string[] = [];
        for (const item of readiness()) {
          try {
            await item.check();
          } catch (error) {
            failures.push(`${item.name}: ${(error as Error).message}`);
          }
        }
        res
          .writeHead(failures.length ? 503 : 200, { 'content-type': 'text/plain' })
          .end(failures.length ? `not ready\n${failures.join('\n')}\n` : 'ready\n');
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /, /status.json, /metrics, /healthz or /readyz\n');
      }
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'admin request failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  server.listen(port, host);
  return listen(server, host, port, 'admin');
}
