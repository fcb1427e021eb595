/**
 * Remote-write answers → the engine's two error classes. 400/409/422: the data is bad, retrying cannot help.
 * 429 and 5xx: retry. But Prometheus also answers 500 for some bad data (it treats them as storage errors),
 * and a sender that retries those retries forever: their texts are recognised here and made permanent.
 * (We validate so that they never reach the wire; this is the second line.)
 */
import { PermanentWriteError, TransientWriteError, retryAfterMs } from '../contract.js';

/** Bodies that mean "this data can never be stored", whatever the status. */
const BAD_DATA_TEXTS = [
  'empty labelset',
  'is not unique',
  'native histograms are disabled',
  'out of order',
  'duplicate sample',
  'out of bounds',
] as const;

/** Of those, the texts that say the samples are older than what the server holds (Prometheus, Mimir, Cortex). */
const TOO_OLD_TEXTS = ['out of order', 'out of bounds', 'too old'] as const;

const MAX_TEXT = 2_000;

export function isBadDataText(text: string): boolean {
  const lower = text.toLowerCase();
  return BAD_DATA_TEXTS.some((needle) => lower.includes(needle));
}

/** Turns a non-2xx answer into the error the engine acts on. */
export function classifyResponse(status: number, body: string, retryAfter: string | undefined, target: string): Error {
  const text = body.trim().slice(0, MAX_TEXT);
  const where = `remote write to ${target}: HTTP ${status}`;
  if (status === 400 || status === 409 || status === 422 || ((status >= 500 || status === 429) && isBadDataText(text))) {
    const lower = text.toLowerCase();
    const reason = TOO_OLD_TEXTS.some((needle) => lower.includes(needle)) ? 'out_of_order' : 'permanent';
    return new PermanentWriteError(`${where}: the backend refused the data: ${text}`, text, { reason });
  }
  if (status === 429 || status >= 500) {
    return new TransientWriteError(`${where}: ${text || 'no body'}`, retryAfterMs(retryAfter));
  }
  // 401/403 (credentials), 404 (wrong URL), 413 (too large for this server's limit), other 4xx: the request
  // as configured cannot succeed; an operator must act, and replay from the dead-letter queue afterwards.
  return new PermanentWriteError(`${where}: ${text || 'no body'}`, text);
}
