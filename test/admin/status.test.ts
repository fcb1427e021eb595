/**
 * /status.json and the page at /: their shape, admin.token (the page loads without it, the data does not), and no
 * secret in what they show, even when the backend's URL, settings and its own error text carry credentials.
 * The backend is a stand-in remote-write server of the test's own, answering as the test says.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { RateWindow } from '../../src/admin/rate-window.js';
import { publicUrl, type StatusReport } from '../../src/admin/status.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const TOKEN = 'admin-token-for-the-test';
const SECRETS = ['url-password-1', 'basic-password-2', 'header-token-3', 'header-secret-4', 'echoed-password-5', 'query-token-6'];

/** 503 with an error text that quotes a URL with a password (as a proxy in front of a backend may), until told to accept. */
let accepting = false;
let backend: Server;
let gateway: TestGateway;

const status = async (token?: string) => fetch(`${gateway.adminUrl}/status.json`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const report = async (): Promise<StatusReport> => (await (await status(TOKEN)).json()) as StatusReport;

before(async () => {
  backend = createServer((req, res) => {
    req.resume().on('end', () => {
      if (accepting) res.writeHead(204).end();
      else res.writeHead(503).end(`upstream http://writer:${SECRETS[4]}@tsdb.internal:9000/write?token=${SECRETS[5]} is down`);
    });
  });
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const port = (backend.address() as AddressInfo).port;
  gateway = await startTestGateway({
    admin: { endpoint: '127.0.0.1:0', token: TOKEN },
    backends: {
      tsdb: {
        kind: 'prometheus',
        url: `http://writer:${SECRETS[0]}@127.0.0.1:${port}/api/v1/write?token=${SECRETS[5]}`,
        basic_auth: { username: 'writer', password: SECRETS[1] },
        headers: { 'X-Scope-Token': SECRETS[2], 'X-Api-Key': SECRETS[3] },
        delivery: { retry: { initial_interval: '200ms', max_interval: '500ms' } },
      },
    },
  });
});

after(async () => {
  await gateway?.dispose();
  backend?.close();
});

test('the page loads without the token; /status.json answers 401 without it or with a wrong one, 200 with it', async () => {
  const page = await fetch(`${gateway.adminUrl}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(await page.text(), /status\.json/);
  const without = await status();
  assert.equal(without.status, 401);
  assert.match(without.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.equal((await status('wrong')).status, 401);
  const withToken = await status(TOKEN);
  assert.equal(withToken.status, 200);
  assert.match(withToken.headers.get('content-type') ?? '', /^application\/json/);
});

test('a failing backend: circuit open with its error redacted, then writing with a rate, the receivers counted', async () => {
  const failing = await eventually(report, (r) => r.backends[0]?.lastError !== null, 15_000, "the backend's first error");
  const [tsdb] = failing.backends;
  assert.equal(tsdb!.name, 'tsdb');
  assert.equal(tsdb!.kind, 'prometheus');
  assert.equal(tsdb!.state, 'circuit_open', 'the start (an empty write) failed: nothing is tried until it answers');
  assert.ok(tsdb!.retryAt !== null && tsdb!.consecutiveFailures >= 1);
  assert.match(tsdb!.lastError!.message, /HTTP 503/);
  assert.match(tsdb!.lastError!.message, /writer:\*\*\*@tsdb\.internal/, 'the echoed URL is there, its password not');
  assert.ok(Math.abs(Date.parse(tsdb!.lastError!.at) - Date.now()) < 60_000);
  assert.doesNotMatch(tsdb!.url ?? '', /writer/, 'no user info in the URL');
  assert.match(tsdb!.url ?? '', /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write\?token=\*\*\*$/);

  accepting = true;
  const body = JSON.stringify({
    resourceMetrics: [
      {
        scopeMetrics: [
          {
            metrics: [
              {
                name: 'status_page_probe',
                gauge: {
                  dataPoints: Array.from({ length: 5 }, (_, i) => ({
                    asDouble: i,
                    timeUnixNano: String(BigInt(Date.now() - i * 1000) * 1_000_000n),
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  });
  const sent = await fetch(`${gateway.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  assert.equal(sent.status, 200);
  const writing = await eventually(
    report,
    (r) => r.backends[0]?.state === 'writing' && r.backends[0].written.total >= 5,
    15_000,
    'the backend writing',
  );
  const written = writing.backends[0]!;
  assert.ok(written.lastWriteAt !== null);
  assert.ok(written.backlog !== null && written.backlog.items === 0 && written.backlog.deadLetters === 0);
  assert.notEqual(written.lastError, null, 'the last error stays shown, with its time, after recovery');
  // A rate needs two samples half a second apart at least: the first calls may all have come sooner.
  const rated = await eventually(report, (r) => (r.backends[0]?.written.perSecond ?? 0) > 0, 5_000, 'a write rate');
  assert.ok(rated.backends[0]!.written.perSecond! <= 5 / 0.5, 'at most 5 items over the half second');

  const receivers = rated.receivers.map((r) => `${r.transport}/${r.signal}`).sort();
  assert.deepEqual(receivers, ['grpc/logs', 'grpc/metrics', 'grpc/traces', 'http/logs', 'http/metrics', 'http/traces']);
  const httpMetrics = rated.receivers.find((r) => r.transport === 'http' && r.signal === 'metrics')!;
  assert.equal(httpMetrics.items.accepted.total, 5);
  assert.equal(httpMetrics.items.rejected.total, 0);
  assert.equal(httpMetrics.items.refused.total, 0);
  assert.ok(httpMetrics.items.accepted.perSecond !== null && httpMetrics.items.accepted.perSecond > 0);
});

test('no secret anywhere in /status.json', async () => {
  const text = await (await status(TOKEN)).text();
  for (const secret of [...SECRETS, TOKEN]) assert.ok(!text.includes(secret), `${secret} is not shown`);
});

test('publicUrl drops user info, fragments and secret query parameters', () => {
  assert.equal(
    publicUrl('postgresql://app:pw@db:5432/otel?sslmode=require&password=x&sslpassword=y'),
    'postgresql://db:5432/otel?sslmode=require&password=***&sslpassword=***',
  );
  assert.equal(publicUrl('https://user:pw@influx:8086/#frag'), 'https://influx:8086/');
  assert.equal(publicUrl('//user:pw@host/path'), '//user:***@host/path', 'not a URL it can parse: the redaction of error texts still applies');
});

test('RateWindow: per-second rates over the window, null until there is a span to measure', () => {
  const window = new RateWindow(10_000);
  assert.equal(window.record(new Map([['a', 0]]), 0)('a'), null);
  assert.equal(window.record(new Map([['a', 10]]), 2_000)('a'), 5);
  assert.equal(
    window.record(
      new Map([
        ['a', 30],
        ['b', 4],
      ]),
      4_000,
    )('b'),
    1,
    'a counter that appeared counts from 0',
  );
  // Past the window the base moves up: 12 s → base at 2 s (the last at or before the window's start).
  assert.equal(window.record(new Map([['a', 110]]), 12_000)('a'), 10);
});
