/**
 * The whole path into Prometheus-compatible stores: the OpenTelemetry JS SDK's OTLP exporter sends to the
 * gateway, which queues durably and writes with remote write to a real Prometheus and a real
 * VictoriaMetrics; PromQL reads the series back with the names and labels the OpenTelemetry compatibility
 * spec prescribes. Bad data ends in the dead-letter queue with Prometheus's own text.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { meterProvider, metricExporter } from '../support/otel.js';

const run = randomBytes(3).toString('hex');
let gateway: TestGateway;

before(async () => {
  // One adapter on a delivery thread, one on the main thread (the default depends on the CPU count): both paths end to end.
  gateway = await startTestGateway({
    backends: {
      prom: { kind: 'prometheus', url: `${backendUrl('prometheus')}/api/v1/write`, delivery: { thread: true, retry: { initial_interval: '200ms' } } },
      vm: { kind: 'prometheus', url: `${backendUrl('victoria')}/api/v1/write`, delivery: { thread: false } },
    },
  });
});

after(async () => {
  await gateway?.dispose();
});

interface Series {
  metric: Record<string, string>;
  value: [number, string];
}

async function promql(base: string, query: string): Promise<Series[]> {
  const response = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { status: string; data: { result: Series[] } };
  assert.equal(body.status, 'success');
  return body.data.result;
}

test('SDK metrics arrive in Prometheus and VictoriaMetrics with spec names, labels and values', async () => {
  const service = `shop_${run}`;
  const provider = meterProvider(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl, AggregationTemporality.CUMULATIVE), {
    'service.name': service,
    'service.namespace': 'eu',
    'service.instance.id': 'pod-1',
    'deployment.environment': 'prod',
  });
  const meter = provider.getMeter('shop.meter', '1.0.0');
  meter.createCounter('http.server.requests', { unit: '{request}' }).add(7, { 'http.route': '/cart' });
  const latency = meter.createHistogram('http.server.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
  for (const value of [0.05, 0.5, 2]) latency.record(value, { 'http.route': '/cart' });
  meter.createObservableGauge('process.memory.usage', { unit: 'By' }).addCallback((r) => r.observe(1024));
  await provider.shutdown();

  for (const [name, base] of [
    ['prometheus', backendUrl('prometheus')],
    ['victoria', backendUrl('victoria')],
  ] as const) {
    if (name === 'victoria') await fetch(`${base}/internal/force_flush`);
    const selector = `{job="eu/${service}",instance="pod-1"}`;
    const counter = await eventually(
      async () => {
        if (name === 'victoria') await fetch(`${base}/internal/force_flush`);
        return promql(base, `http_server_requests_total${selector}`);
      },
      (r) => r.length === 1,
      30_000,
      `the counter in ${name}`,
    );
    assert.equal(counter[0]!.value[1], '7');
    assert.equal(counter[0]!.metric.http_route, '/cart');
    assert.equal(counter[0]!.metric.otel_scope_name, 'shop.meter');

    const buckets = await promql(base, `http_server_duration_seconds_bucket${selector}`);
    assert.deepEqual(Object.fromEntries(buckets.map((s) => [s.metric.le, s.value[1]])), { '0.1': '1', '1': '2', '+Inf': '3' }, `${name} buckets`);
    assert.equal((await promql(base, `http_server_duration_seconds_count${selector}`))[0]!.value[1], '3');
    assert.equal((await promql(base, `http_server_duration_seconds_sum${selector}`))[0]!.value[1], '2.55');
    assert.equal((await promql(base, `process_memory_usage_bytes${selector}`))[0]!.value[1], '1024');
    const info = await promql(base, `target_info${selector}`);
    assert.equal(info.length, 1);
    assert.equal(info[0]!.metric.deployment_environment, 'prod');
  }
});

test("an out-of-order sample ends in the dead-letter queue with Prometheus's text; VictoriaMetrics takes it", async () => {
  const name = `late_gauge_${run}`;
  const body = (millisAgo: number) =>
    JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: `late_${run}` } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name,
                  gauge: { dataPoints: [{ timeUnixNano: String(BigInt(Date.now() - millisAgo) * 1_000_000n), asDouble: millisAgo }] },
                },
              ],
            },
          ],
        },
      ],
    });
  const post = (text: string) =>
    fetch(`${gateway.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  assert.equal((await post(body(0))).status, 200);
  await eventually(
    () => promql(backendUrl('prometheus'), name),
    (r) => r.length === 1,
    20_000,
    'the first sample',
  );
  assert.equal((await post(body(60_000))).status, 200, 'accepted: durable, then refused by the backend');

  const letters = await eventually(
    async () => (await (await fetch(`${gateway.adminUrl}/dlq?backend=prom`)).json()) as Array<{ reason: string; lastError: string; backend: string }>,
    (l) => l.length === 1,
    20_000,
    'the dead letter',
  );
  assert.equal(letters[0]!.reason, 'out_of_order', 'told apart from data the backend can never take');
  assert.match(letters[0]!.lastError, /out of order sample/);
  // The dead letter is visible once committed; the counter follows when the store has answered (after its fsync).
  const metrics = await eventually(
    async () => (await fetch(`${gateway.adminUrl}/metrics`)).text(),
    (text) => /manifold_backend_dead_lettered_items_total\{backend="prom",reason="out_of_order"\} 1\b/.test(text),
    10_000,
    'the dead letter counted',
  );
  assert.match(metrics, /manifold_backend_dead_lettered_items_total\{backend="prom",reason="out_of_order"\} 1\b/);
  const vmLetters = (await (await fetch(`${gateway.adminUrl}/dlq?backend=vm`)).json()) as unknown[];
  assert.deepEqual(vmLetters, [], 'VictoriaMetrics accepted what Prometheus refused');
});
