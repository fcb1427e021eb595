/**
 * Test-only HTTP front for chDB: the part of ClickHouse's HTTP interface that
 * `@clickhouse/client` 1.23 (and curl) use, in front of one in-process chDB session.
 * It lets the gateway and the tests talk to a real ClickHouse engine by URL, exactly
 * as they would to a ClickHouse server. Not for production use.
 *
 *   node --import tsx scripts/backends/chdb-http-front.ts --port 8123 --data DIR [--host 127.0.0.1]
 *
 * What it speaks:
 * - GET/HEAD /ping (and GET / with no query) -> "Ok.\n"
 * - GET/POST /?query=...: the query is the `query` URL parameter followed by the
 *   body (joined by "\n", as ClickHouse does); or just the body.
 *   INSERT ... FORMAT X with the data in the body goes straight to chDB's raw
 *   insert entry as bytes (any input format, binary ones included).
 * - database=, default_format=, query_id=, param_<name>= (query parameters, in
 *   ClickHouse's text form, bound by the engine); every other URL parameter is a
 *   setting, applied for that request only (SET before, restored after).
 * - multipart/form-data bodies with `query` and `param_*` fields (the client's
 *   "multipart params" mode). External data tables are not supported.
 * - Request bodies with Content-Encoding gzip, deflate or br. zstd needs Node 22.15+
 *   (the client cannot send it on Node 20 either); ClickHouse's own `decompress=1`
 *   block format is not supported.
 * - Responses gzip/deflate/br-compressed when the client asks with
 *   enable_http_compression=1 and Accept-Encoding (the client's
 *   `compression.response: true`; off by default in 1.23).
 * - X-ClickHouse-Summary (written_rows is the engine's count for body inserts),
 *   X-ClickHouse-Query-Id, X-ClickHouse-Format, X-ClickHouse-Timezone.
 * - Errors: the engine's own `Code: N. DB::Exception: ... (NAME)` text with
 *   X-ClickHouse-Exception-Code, and the HTTP status a ClickHouse server gives that
 *   code (400 for bad input / syntax, 404 for unknown table / database / setting,
 *   500 otherwise), so error classification matches a real server.
 *
 * Limits (test-only): one chDB session, requests run one at a time; results are
 * materialized before they are sent (no streaming, no progress headers, no
 * mid-stream exceptions); sessions (session_id) and auth are accepted and ignored;
 * `readonly` is ignored.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

interface NativeQueryResult {
  bytes: Buffer;
  elapsed: number;
  rowsRead: number;
  bytesRead: number;
}
interface NativeInsertResult {
  elapsed: number;
  rowsWritten: number;
  bytesWritten: number;
}
interface ChdbNative {
  QueryAsyncConnection(conn: unknown, sql: string, format: string, bound?: Record<string, string>): Promise<NativeQueryResult>;
  InsertRawAsyncConnection(conn: unknown, prefix: string, data: Buffer, countLines: boolean): Promise<NativeInsertResult>;
}
interface ChdbSession {
  connection: unknown;
  close(): void;
}

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8123' },
    data: { type: 'string' },
  },
});
if (!args.data) {
  console.error('usage: chdb-http-front.ts --data DIR [--port 8123] [--host 127.0.0.1]');
  process.exit(2);
}
const dataDir = resolve(args.data);
const verbose = process.env.MANIFOLD_CHDB_FRONT_VERBOSE === '1';

// The session's connection handle is what the native entries take. We use the
// native entries directly (rather than Session.queryAsync / insert) because they
// take query parameters already in ClickHouse text form, as they arrive in the URL,
// and an INSERT prefix of any shape with the data as raw bytes.
const requireFromChdb = createRequire(createRequire(import.meta.url).resolve('chdb/package.json'));
const chdb = requireFromChdb('./index.js') as { Session: new (path: string) => ChdbSession };
const native = (requireFromChdb('./dist/loader.js') as { loadNative(): ChdbNative }).loadNative();

mkdirSync(dataDir, { recursive: true });
const session = new chdb.Session(dataDir);
const conn = session.connection;

const run = (sql: string, format = 'TabSeparated', bound?: Record<string, string>) => native.QueryAsyncConnection(conn, sql, format, bound);

// chDB's defaults differ from a ClickHouse server's where it matters to an
// inserting client: pin the server's values so tests see server behaviour.
const SERVER_DEFAULTS: Record<string, string> = {
  async_insert: '0',
  date_time_input_format: 'basic',
};
for (const [k, v] of Object.entries(SERVER_DEFAULTS)) await run(`SET ${k} = ${quote(v)}`);

// Baseline values, to restore after a request that set its own.
const baseline = new Map<string, string>();
{
  const rows = (await run('SELECT name, value FROM system.settings', 'JSONCompactEachRow')).bytes.toString('utf8');
  for (const line of rows.split('\n')) {
    if (!line) continue;
    const [name, value] = JSON.parse(line) as [string, string];
    baseline.set(name, value);
  }
}
const timezone = (await run('SELECT timezone()')).bytes.toString('utf8').trim();
const version = (await run('SELECT version()')).bytes.toString('utf8').trim();

// URL parameters that are part of the HTTP protocol, not settings.
const NOT_SETTINGS = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'role',
  'enable_http_compression',
  'http_zlib_compression_level',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'http_native_compression_disable_checksumming_on_decompress',
  'readonly',
  'client_protocol_version',
]);

// The HTTP status a ClickHouse server gives an exception (its HTTPHandler's mapping).
const STATUS_BY_NAME: Record<string, number> = {};
for (const n of ['REQUIRED_PASSWORD']) STATUS_BY_NAME[n] = 401;
for (const n of ['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE']) STATUS_BY_NAME[n] = 403;
for (const n of [
  'BAD_ARGUMENTS',
  'CANNOT_COMPILE_REGEXP',
  'CANNOT_PARSE_TEXT',
  'CANNOT_PARSE_ESCAPE_SEQUENCE',
  'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME',
  'CANNOT_PARSE_NUMBER',
  'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING',
  'CANNOT_PARSE_IPV4',
  'CANNOT_PARSE_IPV6',
  'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  'CANNOT_PARSE_UUID',
  'DUPLICATE_COLUMN',
  'ILLEGAL_COLUMN',
  'UNKNOWN_ELEMENT_IN_AST',
  'UNKNOWN_TYPE_OF_AST_NODE',
  'THERE_IS_NO_COLUMN',
  'TOO_DEEP_AST',
  'TOO_BIG_AST',
  'UNEXPECTED_AST_STRUCTURE',
  'SYNTAX_ERROR',
  'INCORRECT_DATA',
  'TYPE_MISMATCH',
  'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
  'UNKNOWN_QUERY_PARAMETER',
  'BAD_QUERY_PARAMETER',
])
  STATUS_BY_NAME[n] = 400;
for (const n of [
  'UNKNOWN_TABLE',
  'UNKNOWN_FUNCTION',
  'UNKNOWN_IDENTIFIER',
  'UNKNOWN_TYPE',
  'UNKNOWN_STORAGE',
  'UNKNOWN_DATABASE',
  'UNKNOWN_SETTING',
  'UNKNOWN_DIRECTION_OF_SORTING',
  'UNKNOWN_AGGREGATE_FUNCTION',
  'UNKNOWN_FORMAT',
  'UNKNOWN_DATABASE_ENGINE',
  'UNKNOWN_TYPE_OF_QUERY',
  'UNKNOWN_ROLE',
])
  STATUS_BY_NAME[n] = 404;
STATUS_BY_NAME.QUERY_IS_TOO_LARGE = 413;
STATUS_BY_NAME.NOT_IMPLEMENTED = 501;
STATUS_BY_NAME.SOCKET_TIMEOUT = 503;
STATUS_BY_NAME.CANNOT_SCHEDULE_TASK = 503;
STATUS_BY_NAME.TIMEOUT_EXCEEDED = 408;

class FrontError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(`Code: ${code}. DB::Exception: ${message}. (${codeName})`);
  }
}

function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
function ident(v: string): string {
  return `\`${v.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

// Requests share one session (current database, settings), so they run one at a time.
let chain: Promise<unknown> = Promise.resolve();
function serialized<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}
let currentDatabase = 'default';

interface Req {
  query: string;
  body: Buffer;
  database: string;
  defaultFormat: string | undefined;
  bound: Record<string, string>;
  settings: [string, string][];
}
interface Outcome {
  body: Buffer;
  format: string;
  summary: Record<string, string>;
}

const FORMAT_AT_END = /\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$/i;

async function execute(r: Req): Promise<Outcome> {
  if (r.database !== currentDatabase) {
    await run(`USE ${ident(r.database)}`);
    currentDatabase = r.database;
  }
  const applied: string[] = [];
  try {
    for (const [k, v] of r.settings) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new FrontError(115, 'UNKNOWN_SETTING', `Unknown setting '${k}'`);
      await run(`SET ${k} = ${quote(v)}`);
      applied.push(k);
    }
    const elapsedNs = (s: number) => String(Math.round(s * 1e9));
    // INSERT ... FORMAT X in the URL with the data in the body: the data goes to
    // the engine as bytes, and the engine counts what it wrote.
    const insertFormat = r.body.length > 0 && /^\s*INSERT\b/i.test(r.query) ? FORMAT_AT_END.exec(r.query)?.[1] : undefined;
    if (insertFormat !== undefined) {
      const prefix = r.query.replace(/\s*;?\s*$/, '');
      const res = await native.InsertRawAsyncConnection(conn, prefix, r.body, false);
      return {
        body: Buffer.alloc(0),
        format: r.defaultFormat ?? 'TabSeparated',
        summary: {
          read_rows: String(res.rowsWritten),
          read_bytes: String(res.bytesWritten),
          written_rows: String(res.rowsWritten),
          written_bytes: String(res.bytesWritten),
          total_rows_to_read: '0',
          result_rows: '0',
          result_bytes: '0',
          elapsed_ns: elapsedNs(res.elapsed),
        },
      };
    }
    const sql = r.query && r.body.length > 0 ? `${r.query}\n${r.body.toString('utf8')}` : r.query || r.body.toString('utf8');
    if (!sql.trim()) throw new FrontError(62, 'SYNTAX_ERROR', 'Empty query');
    const format = FORMAT_AT_END.exec(sql)?.[1] ?? r.defaultFormat ?? 'TabSeparated';
    const res = await run(sql, format, Object.keys(r.bound).length > 0 ? r.bound : undefined);
    return {
      body: res.bytes,
      format,
      summary: {
        read_rows: String(res.rowsRead),
        read_bytes: String(res.bytesRead),
        written_rows: '0',
        written_bytes: '0',
        total_rows_to_read: String(res.rowsRead),
        result_rows: String(res.rowsRead),
        result_bytes: String(res.bytes.length),
        elapsed_ns: elapsedNs(res.elapsed),
      },
    };
  } finally {
    // Per-request settings must not leak into the next request on this session.
    for (const k of applied) {
      const v = baseline.get(k);
      if (v !== undefined) await run(`SET ${k} = ${quote(v)}`).catch(() => undefined);
    }
  }
}

function contentTypeOf(format: string): string {
  const f = format.toLowerCase();
  if (f.startsWith('jsoneachrow') || f.startsWith('jsoncompacteachrow') || f.startsWith('jsonstringseachrow')) {
    return 'application/x-ndjson; charset=UTF-8';
  }
  if (f.startsWith('json')) return 'application/json; charset=UTF-8';
  if (f.startsWith('csv')) return 'text/csv; charset=UTF-8; header=absent';
  if (f.startsWith('tsv') || f.startsWith('tabseparated')) return 'text/tab-separated-values; charset=UTF-8';
  return 'text/plain; charset=UTF-8';
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => ok(Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function decodeBody(raw: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  try {
    if (enc === '' || enc === 'identity') return raw;
    if (enc === 'gzip' || enc === 'x-gzip') return zlib.gunzipSync(raw);
    if (enc === 'deflate') return zlib.inflateSync(raw);
    if (enc === 'br') return zlib.brotliDecompressSync(raw);
  } catch (e) {
    throw new FrontError(354, 'ZLIB_INFLATE_FAILED', `Cannot decompress the request body (${enc}): ${(e as Error).message}`);
  }
  throw new FrontError(48, 'NOT_IMPLEMENTED', `Content-Encoding '${enc}' is not supported by the chDB test front (use gzip, deflate or br)`);
}

// Minimal multipart/form-data reader for the client's multipart params mode.
function parseMultipart(body: Buffer, contentType: string): Map<string, string> {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new FrontError(36, 'BAD_ARGUMENTS', 'multipart/form-data without a boundary');
  const fields = new Map<string, string>();
  for (const part of body.toString('utf8').split(`--${boundary}`)) {
    const sep = part.indexOf('\r\n\r\n');
    if (sep < 0) continue;
    const head = part.slice(0, sep);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) continue;
    if (/filename=/i.test(head)) {
      throw new FrontError(48, 'NOT_IMPLEMENTED', 'External data (multipart files) is not supported by the chDB test front');
    }
    fields.set(name, part.slice(sep + 4).replace(/\r\n$/, ''));
  }
  return fields;
}

function compressFor(req: http.IncomingMessage, url: URL): 'gzip' | 'deflate' | 'br' | undefined {
  if (url.searchParams.get('enable_http_compression') !== '1') return undefined;
  const accept = String(req.headers['accept-encoding'] ?? '').toLowerCase();
  for (const enc of ['gzip', 'deflate', 'br'] as const) if (accept.includes(enc)) return enc;
  return undefined;
}

function send(res: http.ServerResponse, req: http.IncomingMessage, url: URL, status: number, headers: Record<string, string>, body: Buffer): void {
  const enc = compressFor(req, url);
  let out = body;
  if (enc && body.length > 0) {
    out = enc === 'gzip' ? zlib.gzipSync(body) : enc === 'deflate' ? zlib.deflateSync(body) : zlib.brotliCompressSync(body);
    headers['Content-Encoding'] = enc;
  }
  res.writeHead(status, { ...headers, 'Content-Length': String(out.length) });
  res.end(req.method === 'HEAD' ? undefined : out);
}

function errorParts(e: unknown): { code: number; name: string; text: string } {
  let text = e instanceof Error ? e.message : String(e);
  // The raw insert entry wraps the engine's exception in a second "Code: N.
  // DB::Exception: ... (NAME)"; a server sends it once.
  const wrapped = /^Code: (\d+)\. DB::Exception: (Code: \1\. DB::Exception: [\s\S]*)\. \([A-Z0-9_]+\)$/.exec(text);
  if (wrapped?.[2]) text = wrapped[2];
  const m = /^Code: (\d+)\.[\s\S]*\(([A-Z0-9_]+)\)\s*(?:\(version [^)]*\))?\s*$/.exec(text);
  if (m) return { code: Number(m[1]), name: m[2] ?? '', text };
  return { code: 1001, name: 'STD_EXCEPTION', text: `Code: 1001. DB::Exception: ${text}. (STD_EXCEPTION)` };
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const queryId = url.searchParams.get('query_id') || randomUUID();
  const base: Record<string, string> = {
    'X-ClickHouse-Server-Display-Name': 'chdb-http-front',
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Timezone': timezone,
  };
  try {
    if (url.pathname === '/ping' || url.pathname === '/replicas_status') {
      send(res, req, url, 200, { ...base, 'Content-Type': 'text/html; charset=UTF-8' }, Buffer.from('Ok.\n'));
      return;
    }
    if (url.pathname !== '/') {
      send(res, req, url, 404, { 'Content-Type': 'text/plain; charset=UTF-8' }, Buffer.from(`There is no handle ${url.pathname}\n`));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD') {
      send(res, req, url, 405, {}, Buffer.from('Method not allowed\n'));
      return;
    }
    if (url.searchParams.get('decompress') === '1') {
      throw new FrontError(48, 'NOT_IMPLEMENTED', "ClickHouse's native 'decompress=1' body format is not supported by the chDB test front");
    }
    let body = decodeBody(await readBody(req), req.headers['content-encoding']);
    const fields = new Map<string, string>(url.searchParams);
    const ctype = String(req.headers['content-type'] ?? '');
    if (/^multipart\/form-data/i.test(ctype)) {
      for (const [k, v] of parseMultipart(body, ctype)) fields.set(k, v);
      body = Buffer.alloc(0);
    }
    const query = fields.get('query') ?? '';
    if (req.method !== 'POST' && !query) {
      send(res, req, url, 200, { ...base, 'Content-Type': 'text/html; charset=UTF-8' }, Buffer.from('Ok.\n'));
      return;
    }
    const bound: Record<string, string> = {};
    const settings: [string, string][] = [];
    for (const [k, v] of fields) {
      if (k.startsWith('param_')) bound[k.slice(6)] = v;
      else if (!NOT_SETTINGS.has(k)) settings.push([k, v]);
    }
    const r: Req = {
      query,
      body,
      bound,
      settings,
      database: fields.get('database') || 'default',
      defaultFormat: fields.get('default_format') || undefined,
    };
    const t0 = Date.now();
    const out = await serialized(() => execute(r));
    if (verbose)
      console.log(
        `${new Date().toISOString()} ok ${queryId} ${Date.now() - t0}ms ${(query || body.toString('utf8', 0, 200)).slice(0, 200).replace(/\s+/g, ' ')}`,
      );
    send(
      res,
      req,
      url,
      200,
      {
        ...base,
        'Content-Type': contentTypeOf(out.format),
        'X-ClickHouse-Format': out.format,
        'X-ClickHouse-Summary': JSON.stringify(out.summary),
      },
      out.body,
    );
  } catch (e) {
    const { code, name, text } = errorParts(e);
    console.log(`${new Date().toISOString()} error ${queryId} ${text.split('\n')[0]?.slice(0, 300)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    send(
      res,
      req,
      url,
      STATUS_BY_NAME[name] ?? 500,
      {
        ...base,
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(code),
      },
      Buffer.from(`${text}\n`),
    );
  }
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e: unknown) => {
    console.error('unexpected', e);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
// Longer than the client's idle socket TTL (2.5 s), as a server's keep-alive is.
server.keepAliveTimeout = 10_000;
server.listen(Number(args.port), args.host, () => {
  console.log(`${new Date().toISOString()} chdb-http-front: ClickHouse ${version} (chDB) on http://${args.host}:${args.port}, data in ${dataDir}`);
});

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  console.log(`${new Date().toISOString()} chdb-http-front: ${signal}, stopping`);
  server.close();
  server.closeIdleConnections();
  // Let the query in flight finish before the engine closes (closing under a
  // running query aborts the engine).
  void chain.finally(() => {
    session.close();
    process.exit(0);
  });
  setTimeout(() => process.exit(1), 20_000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
