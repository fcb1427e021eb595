/**
 * InfluxDB answers → the engine's two error classes.
 * - 400 (`unable to parse`, `partial write: …` incl. field type conflicts and points beyond retention), 413,
 *   422 and other 4xx: the data or the request is wrong, a retry cannot help → PermanentWriteError with
 *   InfluxDB's own text (dead-letter queue).
 * - 401/403 (credentials) and 404 (`database not found`, `bucket not found`, or no such endpoint): the data
 *   is fine, the backend's configuration is not, and every batch would fail the same way → TransientWriteError,
 *   so batches wait in the queue (the engine's circuit breaker pauses the backend) until an operator fixes it,
 *   then flow without a replay (within delivery.retry.max_elapsed; past it they are dead-lettered like any
 *   outage). Their backlog is bounded by the backend's queue limits.
 * - 413: this batch is too large for the server's limit → permanent (lower max_lines_per_request, then replay).
 * - 429, 5xx, connection errors, timeouts → TransientWriteError, with Retry-After when given.
 */
import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { PermanentWriteError, TransientWriteError, retryAfterMs } from '../contract.js';

const MAX_TEXT = 2_000;

/** InfluxDB's own message: `error` (1.x) or `message` (2.x/3.x) of a JSON body, else the body as is. */
export function backendText(body: string | undefined): string {
  const text = (body ?? '').trim();
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as { error?: unknown; message?: unknown };
      if (typeof json.error === 'string') return json.error.slice(0, MAX_TEXT);
      if (typeof json.message === 'string') return json.message.slice(0, MAX_TEXT);
    } catch {
      // not JSON after all: keep the text
    }
  }
  return text.slice(0, MAX_TEXT);
}

function configurationHint(status: number, text: string): string {
  if (status === 404 && /page not found/i.test(text)) return ' (no such endpoint: InfluxDB before 1.8 has no /api/v2/write, use api: v1)';
  if (status === 404) return ' (create it, or fix database/bucket in the config; batches wait in the queue meanwhile)';
  return ' (check username/password or token; batches wait in the queue meanwhile)';
}

/** Any failure of a write request → the error the engine acts on. */
export function classifyWriteError(error: unknown, target: string, timeoutMs: number): Error {
  if (error instanceof HttpError) {
    const status = error.statusCode;
    const text = backendText(error.body);
    const where = `InfluxDB write to ${target}: HTTP ${status}`;
    if (status === 429 || status >= 500) {
      return new TransientWriteError(`${where}: ${text || 'no body'}`, retryAfterMs(error.headers?.['retry-after']), { cause: error });
    }
    if (status === 401 || status === 403 || status === 404) {
      return new TransientWriteError(
        `${where}: ${text || 'no body'}${configurationHint(status, text)}`,
        retryAfterMs(error.headers?.['retry-after']),
        { cause: error },
      );
    }
    return new PermanentWriteError(`${where}: the backend refused the data: ${text || 'no body'}`, text, { cause: error });
  }
  if (error instanceof RequestTimedOutError) {
    return new TransientWriteError(`InfluxDB write to ${target}: timed out after ${timeoutMs} ms`, undefined, { cause: error });
  }
  const message = error instanceof Error ? error.message || (error as { code?: string }).code || error.name : String(error);
  return new TransientWriteError(`InfluxDB write to ${target}: ${message}`, undefined, { cause: error });
}
