import type { DeliveryConfig } from '../config/schema.js';

/**
 * Exponential backoff with jitter, as the Collector's exporterhelper does: interval = initial × multiplier^(attempt-1),
 * capped, then spread by ±randomization. A backend's Retry-After wins when it asks for longer.
 */
export function backoffMs(retry: DeliveryConfig['retry'], failedAttempts: number, retryAfterMs: number | undefined, random = Math.random): number {
  const base = Math.min(retry.initial_interval * retry.multiplier ** Math.max(0, failedAttempts - 1), retry.max_interval);
  const jittered = base * (1 - retry.randomization + 2 * retry.randomization * random());
  return Math.round(Math.max(jittered, retryAfterMs ?? 0));
}

/** Whether a batch that just failed transiently has used up its retries, and why. */
export function retriesExhausted(
  retry: DeliveryConfig['retry'],
  attemptsMade: number,
  enqueuedAt: number,
  now: number,
): 'attempts' | 'age' | undefined {
  if (retry.max_attempts > 0 && attemptsMade >= retry.max_attempts) return 'attempts';
  if (retry.max_elapsed > 0 && now - enqueuedAt >= retry.max_elapsed) return 'age';
  return undefined;
}
