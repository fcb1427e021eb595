import { z } from 'zod';
import { parseDuration, parseHostPort, parseSize } from './units.js';

/** Shared zod field types for config: every adapter's schema uses these, so units read the same everywhere. */

export const duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a duration such as "200ms", "5s", "1m" or a number of milliseconds` });
    return z.NEVER;
  }
  return ms;
});

export const size = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const bytes = parseSize(value);
  if (bytes === undefined) {
    ctx.addIssue({ code: 'custom', message: `expected a size such as "16MiB", "512KB" or a number of bytes` });
    return z.NEVER;
  }
  return bytes;
});

export const endpoint = z.string().transform((value, ctx) => {
  const parsed = parseHostPort(value);
  if (!parsed) {
    ctx.addIssue({ code: 'custom', message: `expected host:port such as "127.0.0.1:4318"` });
    return z.NEVER;
  }
  return parsed;
});

export const httpUrl = z.string().refine((value) => /^https?:\/\/[^/\s]+/.test(value), {
  message: 'expected an http:// or https:// URL',
});
