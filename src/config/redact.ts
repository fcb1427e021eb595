/**
 * Secrets kept out of what the gateway prints: `config check`, config errors, logs of settings. A value is a
 * secret when its key says so (password, token, secret, api key, credentials, an Authorization-like header), and
 * the password in a URL's user info or in a credentials query parameter is one wherever it appears.
 */
const SECRET_KEY = /pass(word)?$|secret|token|api[_-]?key|credential|authorization|cookie/i;
const URL_PASSWORD = /(\/\/[^:@/\s]*):[^@/\s]*@/g;
const QUERY_SECRET = /([?&](?:p|password|token|access_token|api_key|apikey|auth)=)[^&#\s]*/gi;
export const REDACTED = '***';

/** A key holds a secret itself (not the path of a file with one). */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !/_file$/.test(key);
}

/** Passwords in URLs inside `text` replaced. */
export function redactText(text: string): string {
  return text.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(QUERY_SECRET, `$1${REDACTED}`);
}

/** A deep copy of a settings tree with every secret replaced. */
export function redactSettings(value: unknown, key = ''): unknown {
  if (typeof value === 'string') return isSecretKey(key) ? REDACTED : redactText(value);
  if (Array.isArray(value)) return value.map((item) => redactSettings(item, key));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSettings(v, k)]));
}
