/**
 * The status page in a real browser (Debian's chromium, driven by playwright-core) against a real gateway: the
 * page asks for admin.token, then shows a VictoriaMetrics of the test's own as writing once the OpenTelemetry
 * SDK's exporter has sent data, and as retrying with its last error once that server is stopped; the shared
 * VictoriaMetrics next to it stays writing. Each step waits for the page to change by itself (its own polling of
 * /status.json): a page that does not update fails the test.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AggregationTemporality, type MeterProvider } from '@opentelemetry/sdk-metrics';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { backendUrl } from '../support/backends.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { meterProvider, metricExporter } from '../support/otel.js';
import { PrivateVictoria } from '../support/private-server.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'status-page-browser-test';
/** The page polls every 2 s; a change must show within a few polls (plus a retry backoff). */
const UPDATE_MS = 20_000;

let victoria: PrivateVictoria;
let gateway: TestGateway;
let browser: BrowserContext;
let profile: string;
let provider: MeterProvider;

before(async () => {
  // Not a skip: without the browser the page goes untested, so CI must fail (scripts/backends installs chromium).
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (scripts/backends/start.sh installs HOST_PACKAGES)`);
  victoria = await PrivateVictoria.start();
  const retry = { initial_interval: '200ms', max_interval: '1s', max_elapsed: '10m' };
  gateway = await startTestGateway({
    admin: { endpoint: '127.0.0.1:0', token: TOKEN },
    backends: {
      victim: { kind: 'prometheus', url: `${victoria.url}/api/v1/write`, delivery: { retry } },
      shared: { kind: 'prometheus', url: `${backendUrl('victoria')}/api/v1/write`, delivery: { retry } },
    },
  });
  provider = meterProvider(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl, AggregationTemporality.CUMULATIVE), {
    'service.name': 'status-page-test',
  });
  profile = mkdtempSync(path.join(tmpdir(), 'manifold-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await provider?.shutdown().catch(() => undefined);
  await gateway?.dispose();
  await victoria?.dispose();
});

/** What the page shows for a backend's row. */
async function row(page: Page, backend: string) {
  const tr = page.locator(`tr[data-backend="${backend}"]`);
  return {
    state: await tr.locator('.state').getAttribute('data-state', { timeout: 1_000 }),
    written: await tr.locator('td').nth(2).textContent({ timeout: 1_000 }),
    lastError: await tr.locator('.last-error').textContent({ timeout: 1_000 }),
  };
}

/** Waits, without reloading, until the page shows what `done` wants; fails with what it showed last. */
async function pageShows(page: Page, backend: string, done: (shown: Awaited<ReturnType<typeof row>>) => boolean, what: string) {
  const deadline = Date.now() + UPDATE_MS;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const shown = await row(page, backend);
      last = shown;
      if (done(shown)) return shown;
    } catch (error) {
      last = String(error);
    }
    await page.waitForTimeout(250);
  }
  assert.fail(`the page never showed ${what}; it showed ${JSON.stringify(last)}`);
}

async function send(value: number): Promise<void> {
  provider.getMeter('status-page').createCounter('status_page_requests').add(value);
  await provider.forceFlush();
}

test('the page asks for the token, then follows a backend from writing to retrying by itself', { timeout: 120_000 }, async () => {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${gateway.adminUrl}/`);

  // admin.token is set: /status.json answers 401 and the page asks.
  await page.locator('#token-form').waitFor({ state: 'visible', timeout: UPDATE_MS });
  await page.locator('#token').fill(TOKEN);
  await page.locator('#token-form button').click();
  await page.locator('tr[data-backend="victim"]').waitFor({ timeout: UPDATE_MS });
  assert.equal(await page.locator('#token-form').isVisible(), false);

  await send(3);
  const writing = await pageShows(
    page,
    'victim',
    (r) => r.state === 'writing' && Number.parseFloat(r.written ?? '') > 0,
    'the victim writing, at a rate above 0',
  );
  assert.equal(writing.lastError, '–', 'no error yet');
  const receiverRate = await page.locator('tr[data-receiver="http/metrics"] td').nth(2).textContent();
  assert.ok(Number.parseFloat(receiverRate ?? '') > 0, `the HTTP metrics receiver shows accepted items per second (${receiverRate})`);
  const seenAt = await page.locator('body').getAttribute('data-generated-at');

  await victoria.stop();
  await send(4); // accepted all the same: it waits in the victim's queue
  const retrying = await pageShows(page, 'victim', (r) => r.state === 'retrying' && r.lastError !== '–', 'the victim retrying with a last error');
  assert.match(retrying.lastError ?? '', /remote write to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write/);
  assert.notEqual(await page.locator('body').getAttribute('data-generated-at'), seenAt, 'the page refreshed on its own');
  const shared = await row(page, 'shared');
  assert.equal(shared.state, 'writing', 'the other backend is not affected');
  assert.deepEqual(pageErrors, [], 'no script error on the page');
  await page.close();
});
