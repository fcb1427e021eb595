/**
 * Receiver auth and TLS (issue 12), with the OpenTelemetry SDK's own exporters as the senders: a bearer token or
 * basic auth on OTLP/HTTP and OTLP/gRPC (401 / UNAUTHENTICATED without it, nothing queued, nothing counted as
 * accepted), TLS with a certificate, client-certificate verification (mTLS), a renewed certificate served without
 * a restart (file change and SIGHUP; a broken renewal keeps the old one), and the admin token on the dead-letter
 * routes.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { backendUrl } from '../support/backends.js';
import { makeTestCerts } from '../support/certs.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { meterProvider } from '../support/otel.js';

const dir = mkdtempSync(path.join(tmpdir(), 'manifold-security-'));
const certs = makeTestCerts(dir);
const TOKEN = 'sender-token-7f3a';
const running: TestGateway[] = [];
after(async () => {
  for (const g of running) await g.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function gateway(receiver: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<TestGateway> {
  const g = await startTestGateway({
    receivers: { otlp: { http: { endpoint: '127.0.0.1:0', ...receiver }, grpc: { endpoint: '127.0.0.1:0', ...receiver } } },
    backends: { vm: { kind: 'prometheus', url: `${backendUrl('victoria')}/api/v1/write`, delivery: { paused: true } } },
    ...extra,
  });
  running.push(g);
  return g;
}

/** One export of one counter through `exporter`; the SDK's own result. */
async function exportOnce(exporter: PushMetricExporter): Promise<ExportResult> {
  const results: ExportResult[] = [];
  const recording: PushMetricExporter = {
    export: (metrics, done) =>
      exporter.export(metrics, (result) => {
        results.push(result);
        done(result);
      }),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
  };
  const provider = meterProvider(recording, { 'service.name': 'security-test' });
  provider.getMeter('security').createCounter('security.requests').add(1);
  await provider.forceFlush().catch(() => undefined);
  await exporter.shutdown();
  assert.ok(results.length > 0, 'the SDK exported');
  return results[0]!;
}

const scrape = async (g: TestGateway, pattern: RegExp) => pattern.exec(await (await fetch(`${g.adminUrl}/metrics`)).text())?.[1] ?? '0';
const queued = (g: TestGateway) => scrape(g, /^manifold_queue_jobs\{backend="vm"\} (\d+)/m);
const ok = (result: ExportResult) => result.code === ExportResultCode.SUCCESS;
const http = (g: TestGateway, options: Record<string, unknown> = {}) =>
  new ProtoMetricExporter({ url: `${g.httpUrl}/v1/metrics`, timeoutMillis: 5_000, ...options });
const https = (g: TestGateway, agent: Record<string, unknown>) =>
  http(g, { url: `https://${g.endpoints.http}/v1/metrics`, httpAgentOptions: { ca: certs.read(certs.caFile), ...agent } });
const grpcExporter = (g: TestGateway, options: Record<string, unknown> = {}) =>
  new GrpcMetricExporter({ url: g.grpcUrl, timeoutMillis: 5_000, ...options });

describe('receiver auth', () => {
  it('bearer token: without it 401 / UNAUTHENTICATED and nothing queued; with it the SDK export is queued', { timeout: 60_000 }, async () => {
    const g = await gateway({ auth: { bearer_token: TOKEN } });
    const response = await fetch(`${g.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate') ?? '', /Bearer/);
    assert.ok(!ok(await exportOnce(http(g))), 'HTTP without a token is refused');
    assert.ok(!ok(await exportOnce(http(g, { headers: { Authorization: `Bearer ${TOKEN}x` } }))), 'a wrong token is refused');
    const metadata = new grpc.Metadata();
    metadata.set('authorization', 'Bearer nope');
    const refused = await exportOnce(grpcExporter(g, { metadata }));
    assert.ok(!ok(refused) && /UNAUTHENTICATED|16/.test(String(refused.error)), String(refused.error));
    assert.equal(await queued(g), '0', 'nothing queued');
    assert.equal(await scrape(g, /^manifold_receiver_items_total\{signal="metrics",transport="http",result="accepted"\} (\d+)/m), '0');
    assert.equal(await scrape(g, /^manifold_receiver_requests_total\{signal="metrics",transport="grpc",outcome="unauthenticated"\} (\d+)/m), '1');

    assert.ok(ok(await exportOnce(http(g, { headers: { Authorization: `Bearer ${TOKEN}` } }))), 'HTTP with the token');
    const good = new grpc.Metadata();
    good.set('authorization', `Bearer ${TOKEN}`);
    assert.ok(ok(await exportOnce(grpcExporter(g, { metadata: good }))), 'gRPC with the token');
    assert.equal(await queued(g), '2');
  });

  it('basic auth with the password from a file', { timeout: 30_000 }, async () => {
    const passwordFile = path.join(dir, 'password');
    writeFileSync(passwordFile, 'pa55-from-file\n');
    const g = await gateway({ auth: { basic: { username: 'otel', password_file: passwordFile } } });
    const basic = (password: string) => ({ headers: { Authorization: `Basic ${Buffer.from(`otel:${password}`).toString('base64')}` } });
    assert.ok(!ok(await exportOnce(http(g, basic('wrong')))));
    assert.ok(ok(await exportOnce(http(g, basic('pa55-from-file')))));
    assert.equal(await queued(g), '1');
  });
});

describe('receiver TLS', () => {
  it('TLS: the SDK trusting the CA sends over https and gRPC with TLS; plain HTTP is not served', { timeout: 30_000 }, async () => {
    const g = await gateway({ tls: { cert_file: certs.serverCert, key_file: certs.serverKey } });
    assert.ok(ok(await exportOnce(https(g, {}))), 'https');
    assert.ok(
      ok(
        await exportOnce(grpcExporter(g, { url: `https://${g.endpoints.grpc}`, credentials: grpc.credentials.createSsl(certs.read(certs.caFile)) })),
      ),
      'gRPC over TLS',
    );
    assert.ok(!ok(await exportOnce(http(g))), 'plain http to a TLS port fails');
    assert.equal(await queued(g), '2');
  });

  it('mTLS: a sender without a client certificate from the CA does not get through the handshake', { timeout: 30_000 }, async () => {
    const g = await gateway({ tls: { cert_file: certs.serverCert, key_file: certs.serverKey, client_ca_file: certs.caFile } });
    assert.ok(!ok(await exportOnce(https(g, {}))), 'no client certificate');
    assert.ok(
      ok(await exportOnce(https(g, { cert: certs.read(certs.clientCert), key: certs.read(certs.clientKey) }))),
      'with the client certificate',
    );
    const grpcCredentials = (withClient: boolean) =>
      withClient
        ? grpc.credentials.createSsl(certs.read(certs.caFile), certs.read(certs.clientKey), certs.read(certs.clientCert))
        : grpc.credentials.createSsl(certs.read(certs.caFile));
    assert.ok(
      !ok(await exportOnce(grpcExporter(g, { url: `https://${g.endpoints.grpc}`, credentials: grpcCredentials(false) }))),
      'gRPC without a client certificate',
    );
    assert.ok(ok(await exportOnce(grpcExporter(g, { url: `https://${g.endpoints.grpc}`, credentials: grpcCredentials(true) }))), 'gRPC with it');
    assert.equal(await queued(g), '2');
  });
});

describe('receiver TLS reload', () => {
  // A second CA: a certificate from it is told apart by which CA a client must trust.
  const renewed = makeTestCerts(
    (() => {
      const d = path.join(dir, 'renewed');
      mkdirSync(d);
      return d;
    })(),
  );
  const served = (name: string) => {
    const folder = path.join(dir, name);
    mkdirSync(folder);
    const files = { cert_file: path.join(folder, 'tls.crt'), key_file: path.join(folder, 'tls.key') };
    const install = (from: typeof certs) => {
      copyFileSync(from.serverCert, files.cert_file);
      copyFileSync(from.serverKey, files.key_file);
    };
    install(certs);
    return { files, install };
  };
  const trusting = (g: TestGateway, ca: typeof certs) => ({
    https: () => exportOnce(http(g, { url: `https://${g.endpoints.http}/v1/metrics`, httpAgentOptions: { ca: ca.read(ca.caFile) } })),
    grpc: () => exportOnce(grpcExporter(g, { url: `https://${g.endpoints.grpc}`, credentials: grpc.credentials.createSsl(ca.read(ca.caFile)) })),
  });

  it('a renewed certificate file is served to new connections, over HTTP and gRPC, without a restart', { timeout: 60_000 }, async () => {
    const { files, install } = served('watched');
    const g = await gateway({ tls: { ...files, reload_interval: '200ms' } });
    const [before, after] = [trusting(g, certs), trusting(g, renewed)];
    assert.ok(ok(await before.https()) && ok(await before.grpc()), 'the first certificate');
    assert.ok(!ok(await after.https()), 'not yet the renewed one');
    install(renewed);
    await eventually(
      async () => ok(await after.https()) && ok(await after.grpc()),
      (done) => done,
      20_000,
      'the renewed certificate served',
    );
    assert.ok(!ok(await before.https()) && !ok(await before.grpc()), 'the old certificate is no longer served');
  });

  it('SIGHUP reloads at once; a renewal that does not load is refused and the current certificate kept', { timeout: 60_000 }, async () => {
    const { files, install } = served('sighup');
    const g = await gateway({ tls: { ...files, reload_interval: '1h' } });
    const [before, after] = [trusting(g, certs), trusting(g, renewed)];
    writeFileSync(files.key_file, 'not a key\n');
    process.kill(process.pid, 'SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(ok(await before.https()) && ok(await before.grpc()), 'a broken renewal keeps the certificate being served');
    install(renewed);
    process.kill(process.pid, 'SIGHUP');
    await eventually(
      async () => ok(await after.https()) && ok(await after.grpc()),
      (done) => done,
      10_000,
      'the renewed certificate after SIGHUP',
    );
  });
});

describe('admin token', () => {
  it('the dead-letter routes need it; /metrics, /healthz and /readyz stay open for probes and scrapers', async () => {
    const g = await gateway({}, { admin: { endpoint: '127.0.0.1:0', token: 'admin-token-91c' } });
    assert.equal((await fetch(`${g.adminUrl}/dlq`)).status, 401);
    assert.equal((await fetch(`${g.adminUrl}/dlq/replay?all=true`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status, 401);
    const listed = await fetch(`${g.adminUrl}/dlq`, { headers: { authorization: 'Bearer admin-token-91c' } });
    assert.equal(listed.status, 200);
    assert.deepEqual(await listed.json(), []);
    for (const open of ['/metrics', '/healthz', '/readyz']) assert.equal((await fetch(`${g.adminUrl}${open}`)).status, 200, open);
  });
});
