/**
 * The whole path into InfluxDB: the OpenTelemetry JS SDK's OTLP exporters send to the gateway, which queues
 * durably and writes line protocol to a real InfluxDB 1.6 (v1 API, a fresh database created by the adapter
 * at start); InfluxQL reads the points and spans back and they are compared with what the SDK recorded.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { hrToNanos, meterProvider, metricExporter, traceExporter, tracerProvider } from '../support/otel.js';
import { dropDatabase, select } from '../adapters/influxdb/support.js';

const run = randomBytes(3).toString('hex');
const influx = backendUrl('influxdb1');
const db = `manifold_e2e_${run}`;
let gateway: TestGateway;

before(async () => {
  gateway = await startTestGateway({
    backends: {
      influx: {
        kind: 'influxdb',
        url: influx,
        database: db,
        create_database: true,
        delivery: { thread: true, retry: { initial_interval: '200ms' } },
      },
    },
  });
});

after(async () => {
  await gateway?.dispose();
  await dropDatabase(influx, db);
});

test('SDK metrics arrive as telegraf-prometheus-v1 points: measurement per metric, gauge/counter/bucket fields, resource and scope tags', async () => {
  const service = `shop_${run}`;
  const provider = meterProvider(metricExporter('http/protobuf', gateway.httpUrl, gateway.grpcUrl, AggregationTemporality.CUMULATIVE), {
    'service.name': service,
    'deployment.environment': 'prod',
  });
  const meter = provider.getMeter('shop.meter', '1.0.0');
  meter.createCounter('http.server.requests').add(7, { 'http.route': '/cart' });
  const latency = meter.createHistogram('http.server.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
  for (const value of [0.05, 0.5, 2]) latency.record(value, { 'http.route': '/cart' });
  meter.createObservableGauge('process.memory.usage').addCallback((result) => result.observe(1024));
  meter.createUpDownCounter('queue.items').add(-3);
  await provider.shutdown();

  const where = `WHERE "service.name" = '${service}'`;
  const counter = await eventually(
    () => select(influx, db, `SELECT * FROM "http.server.requests" ${where}`),
    (rows) => rows.length === 1,
    20_000,
    'the counter',
  );
  const { time, start_time_unix_nano, ...counterRow } = counter[0]!;
  assert.deepEqual(counterRow, {
    _measurement: 'http.server.requests',
    'service.name': service,
    'deployment.environment': 'prod',
    'otel.library.name': 'shop.meter',
    'otel.library.version': '1.0.0',
    'http.route': '/cart',
    counter: 7,
  });
  assert.ok(BigInt(start_time_unix_nano as string) <= time, 'start time kept as an integer field');

  const [histogram] = await select(influx, db, `SELECT "count", "sum", "min", "max", "0.1", "1" FROM "http.server.duration" ${where}`);
  assert.deepEqual(
    { ...histogram, time: undefined },
    { _measurement: 'http.server.duration', time: undefined, count: 3, sum: 2.55, min: 0.05, max: 2, '0.1': 1, '1': 2 },
  );
  const [gauge] = await select(influx, db, `SELECT gauge FROM "process.memory.usage" ${where}`);
  assert.equal(gauge?.gauge, 1024);
  const [updown] = await select(influx, db, `SELECT gauge FROM "queue.items" ${where}`);
  assert.equal(updown?.gauge, -3, 'a non-monotonic sum is a gauge field');
});

test('SDK spans over gRPC arrive in spans, logs and span-links with exact ids and nanosecond times', async () => {
  const service = `checkout_${run}`;
  const { provider, sent } = tracerProvider(traceExporter('grpc', gateway.httpUrl, gateway.grpcUrl), {
    'service.name': service,
    'service.version': '1.4.2',
  });
  const tracer = provider.getTracer('e2e-tracer', '0.9.1');
  const parent = tracer.startSpan('GET /cart', { kind: SpanKind.SERVER, attributes: { 'http.status_code': 200, 'http.route': '/cart' } });
  parent.addEvent('cache miss', { key: 'cart:42' });
  const child = tracer.startSpan(
    'SELECT carts',
    { kind: SpanKind.CLIENT, links: [{ context: parent.spanContext(), attributes: { why: 'follows' } }] },
    trace.setSpan(context.active(), parent),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'deadlock detected' });
  child.end();
  parent.end();
  await provider.forceFlush();
  const expected = sent.getFinishedSpans();
  await provider.shutdown();
  assert.equal(expected.length, 2);

  const stored = await eventually(
    () => select(influx, db, `SELECT * FROM spans WHERE "service.name" = '${service}'`),
    (rows) => rows.length >= 2,
    20_000,
    'both spans',
  );
  assert.equal(stored.length, 2, 'exactly the spans sent');
  for (const span of expected) {
    const row = stored.find((r) => r.span_id === span.spanContext().spanId);
    assert.ok(row, `span ${span.name} stored`);
    assert.equal(row.trace_id, span.spanContext().traceId);
    assert.equal(row.time, hrToNanos(span.startTime));
    assert.equal(row.end_time_unix_nano, String(hrToNanos(span.endTime)));
    assert.equal(BigInt(row.duration_nano as number), hrToNanos(span.endTime) - hrToNanos(span.startTime));
    assert.equal(row.name, span.name);
    assert.equal(row['span.name'], span.name);
    assert.equal(row.parent_span_id, span.parentSpanContext?.spanId);
    assert.equal(row.kind, span.kind === SpanKind.SERVER ? 'Server' : 'Client');
    assert.equal(row['otel.library.name'], 'e2e-tracer');
    assert.equal(JSON.parse(row.resource_attributes as string)['service.version'], '1.4.2');
  }
  const server = stored.find((r) => r.name === 'GET /cart')!;
  assert.deepEqual(JSON.parse(server.attributes as string), { 'http.status_code': 200, 'http.route': '/cart' });
  const client = stored.find((r) => r.name === 'SELECT carts')!;
  assert.equal(client['otel.status_code'], 'Error');
  assert.equal(client['otel.status_description'], 'deadlock detected');

  const [event] = await select(influx, db, `SELECT * FROM logs WHERE span_id = '${parent.spanContext().spanId}'`);
  assert.equal(event?.name, 'cache miss');
  assert.equal(event?.time, hrToNanos(expected.find((s) => s.name === 'GET /cart')!.events[0]!.time));
  assert.deepEqual(JSON.parse(event?.attributes as string), { key: 'cart:42' });
  const [link] = await select(influx, db, `SELECT * FROM "span-links" WHERE span_id = '${child.spanContext().spanId}'`);
  assert.equal(link?.linked_span_id, parent.spanContext().spanId);
  assert.equal(link?.linked_trace_id, parent.spanContext().traceId);
  assert.deepEqual(JSON.parse(link?.attributes as string), { why: 'follows' });
});

test("a field type conflict ends in the dead-letter queue with InfluxDB's text; the good lines of the batch are stored", async () => {
  const name = `conflict_${run}`;
  const body = (value: Record<string, unknown>, metric = name) =>
    JSON.stringify({
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: `dlq_${run}` } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: metric,
                  gauge: { dataPoints: [{ timeUnixNano: String(BigInt(Date.now()) * 1_000_000n), ...value }] },
                },
              ],
            },
          ],
        },
      ],
    });
  const post = (text: string) =>
    fetch(`${gateway.httpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  assert.equal((await post(body({ asInt: '5' }))).status, 200);
  await eventually(
    () => select(influx, db, `SELECT gauge FROM "${name}"`),
    (rows) => rows.length === 1,
    20_000,
    'the integer point',
  );
  const mixed = JSON.parse(body({ asDouble: 1.5 }));
  mixed.resourceMetrics[0].scopeMetrics[0].metrics.push(
    JSON.parse(body({ asDouble: 2.5 }, `${name}_ok`)).resourceMetrics[0].scopeMetrics[0].metrics[0],
  );
  assert.equal((await post(JSON.stringify(mixed))).status, 200, 'accepted: durable, then refused by the backend');

  const letters = await eventually(
    async () => (await (await fetch(`${gateway.adminUrl}/dlq?backend=influx`)).json()) as Array<{ reason: string; lastError: string }>,
    (l) => l.length === 1,
    20_000,
    'the dead letter',
  );
  assert.equal(letters[0]!.reason, 'permanent');
  assert.match(
    letters[0]!.lastError,
    /partial write: field type conflict: input field "gauge" on measurement "conflict_\w+" is type float, already exists as type integer/,
  );
  assert.deepEqual(
    (await select(influx, db, `SELECT gauge FROM "${name}_ok"`)).map((row) => row.gauge),
    [2.5],
    'partial write: the good line is stored',
  );
});

test('writes to a database that does not exist yet wait (transient 404) and are stored once it is created', async () => {
  const late = `manifold_e2e_late_${run}`;
  const waiting = await startTestGateway({
    backends: {
      influx: { kind: 'influxdb', url: influx, database: late, delivery: { retry: { initial_interval: '200ms', max_interval: '500ms' } } },
    },
  });
  try {
    const service = `late_${run}`;
    const provider = meterProvider(metricExporter('http/protobuf', waiting.httpUrl, waiting.grpcUrl), { 'service.name': service });
    provider.getMeter('late').createCounter('late.requests').add(3);
    await provider.shutdown();
    // Retried, not dead-lettered, while the database is missing.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    assert.deepEqual(await (await fetch(`${waiting.adminUrl}/dlq?backend=influx`)).json(), []);
    const metrics = await (await fetch(`${waiting.adminUrl}/metrics`)).text();
    assert.match(metrics, /manifold_backend_retries_total\{backend="influx"\} [1-9]/, 'the write was retried');
    await fetch(`${influx}/query?q=${encodeURIComponent(`CREATE DATABASE "${late}"`)}`, { method: 'POST' });
    const rows = await eventually(
      () => select(influx, late, 'SELECT "counter" FROM "late.requests"'),
      (r) => r.length === 1,
      20_000,
      'the counter, once the database exists',
    );
    assert.equal(rows[0]!.counter, 3);
  } finally {
    await waiting.dispose();
    await dropDatabase(influx, late);
  }
});
