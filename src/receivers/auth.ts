/**
 * Who may send: optional bearer-token and basic auth on the OTLP receivers (and a token on the admin endpoint's
 * data routes). Secrets come from the config (`${ENV}` interpolation) or from a file read at start; the check
 * compares SHA-256 digests in constant time, so neither the length nor a prefix of a secret leaks by timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface AuthSettings {
  readonly bearer_token?: string;
  readonly bearer_token_file?: string;
  readonly basic?: { readonly username: string; readonly password?: string; readonly password_file?: string };
}

/** Tells whether an `Authorization` header value is allowed. */
export type Authenticator = (authorization: string | undefined) => boolean;

/** A secret given inline or in a file (its trailing newline dropped); `key` names the setting in errors. */
export function readSecret(value: string | undefined, file: string | undefined, key: string): string | undefined {
  if (value !== undefined) return value;
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`${key}_file: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const secret = text.replace(/\r?\n$/, '');
  if (secret === '') throw new Error(`${key}_file: ${file} is empty`);
  return secret;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/** undefined when no auth is configured (everyone may send). */
export function authenticator(settings: AuthSettings | undefined, key: string): Authenticator | undefined {
  if (!settings) return undefined;
  const allowed: Buffer[] = [];
  const bearer = readSecret(settings.bearer_token, settings.bearer_token_file, `${key}.bearer_token`);
  if (bearer !== undefined) allowed.push(digest(`Bearer ${bearer}`));
  if (settings.basic) {
    const password = readSecret(settings.basic.password, settings.basic.password_file, `${key}.basic.password`) ?? '';
    allowed.push(digest(`Basic ${Buffer.from(`${settings.basic.username}:${password}`).toString('base64')}`));
  }
  return (authorization) => {
    if (authorization === undefined) return false;
    // The scheme is case-insensitive (RFC 9110); the credentials are not.
    const given = digest(authorization.replace(/^(bearer|basic) +/i, (scheme) => (scheme.trim().toLowerCase() === 'bearer' ? 'Bearer ' : 'Basic ')));
    let ok = false;
    for (const expected of allowed) ok = timingSafeEqual(given, expected) || ok; // every candidate compared, always
    return ok;
  };
}
