/**
 * The InfluxDB adapter against real servers: InfluxDB 1.6 through the v1 API (read back with InfluxQL,
 * `epoch=ns`, big integers kept exact) and VictoriaMetrics through the v2 API (`/api/v2/write`, the client's
 * transport) and the v1 API (`/write`), read back with /api/v1/export. Each run writes into a fresh
 * database and unique names (the servers are shared). A missing backend fails the test, never skips it.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PermanentWriteError, TransientWriteError } from '../../src/adapters/contract.js';
import { writeDecoded } from '../support/write.js';
import { apiVersion } from '../../src/adapters/influxdb/config.js';
import { influxAdapter } from '../../src/adapters/influxdb/index.js';
import { FLAG_NO_RECORDED_VALUE, type MetricPoint, type Span } from '../../src/model/index.js';
import { backendUrl } from '../support/backends.js';
import * as f from './influxdb/fixtures.js';
import { PrivateInfluxDB } from './influxdb/private-influxdb.js';
import { createDatabase, dropDatabase, makeAdapter, select, show, unique, vmExport, write } from './influxdb/support.js';

/** A recent time with a non-round nanosecond part, to see it survive exactly. */
const T0 = BigInt(Date.now() - 60_000) * 1_000_000n + 123_457n;
const SECOND = 1_000_000_000n;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the write to be refused');
}

/** Every metric type under one resource and scope; the exponential histogram is skipped. */
function everyType(prefix: string): MetricPoint[] {
  const c = {
    resource: f.resource({ 'service.name': 'checkout', 'host.name': 'node-1', 'k8s.pod.uid': 42n }),
    scope: f.scope('io.manifold.test', '2.0'),
    time: T0,
    start: T0 - 10n * SECOND,
  };
  return [
    f.numberPoint({ ...c, metric: f.descriptor(`${prefix}.cpu.temp`, 'gauge'), attributes: { core: 'c0', ratio: 0.25 }, value: -3.25 }),
    f.numberPoint({ ...c, metric: f.descriptor(`${prefix}.queue.depth`, 'gauge'), value: 42n }),
    f.numberPoint({
      ...c,
      metric: f.descriptor(`${prefix}.http.requests`, 'sum', { monotonic: true }),
      attributes: { 'http.method': 'GET', ok: true },
      value: 7n,
    }),
    f.numberPoint({ ...c, metric: f.descriptor(`${prefix}.active.users`, 'sum'), value: 12.5 }),
    {
      ...(f.histogramPoint({
        ...c,
        metric: f.descriptor(`${prefix}.http.duration`, 'histogram'),
        bounds: [0.005, 10],
        counts: [1, 2, 3],
        sum: 500,
      }) as any),
      min: 0.001,
      max: 20,
    },
    f.summaryPoint({
      ...c,
      metric: f.descriptor(`${prefix}.rpc.latency`, 'summary'),
      count: 20,
      sum: 10,
      quantiles: [
        [0.5, 0.2],
        [0.99, 1.5],
      ],
    }),
    f.exponentialPoint({
      ...c,
      metric: f.descriptor(`${prefix}.expo`, 'exponential_histogram'),
      scale: 2,
      zeroCount: 1,
      positive: { offset: 0, counts: [1, 2] },
    }),
  ];
}

const COMMON_TAGS = {
  'service.name': 'checkout',
  'host.name': 'node-1',
  'k8s.pod.uid': '42',
  'otel.library.name': 'io.manifold.test',
  'otel.library.version': '2.0',
};
const START = { start_time_unix_nano: String(T0 - 10n * SECOND) };

describe('InfluxDB 1.6 (v1 API)', () => {
  const url = backendUrl('influxdb1');
  const db = unique('manifold_influx');
  const v1 = (options: Record<string, unknown> = {}) => makeAdapter({ url, database: db, ...options });

  before(async () => createDatabase(url, db));
  after(async () => dropDatabase(url, db));

  it('stores every metric type in the telegraf-prometheus-v1 schema, tags from resource, scope and point, exact ns timestamps', async () => {
    const adapter = v1();
    await adapter.start();
    const prefix = unique('v1');
    const result = await write(adapter, everyType(prefix));
    assert.deepEqual(result, {
      written: 6,
      skipped: { count: 1, reason: 'exponential histogram (no representation in the telegraf-prometheus schemas)' },
    });

    const rows = await select(url, db, `SELECT * FROM /^${prefix}\\./`);
    const byName = Object.fromEntries(rows.map(({ _measurement, ...row }) => [_measurement as string, row]));
    const at = { time: T0, ...COMMON_TAGS, ...START };
    assert.deepEqual(byName, {
      [`${prefix}.cpu.temp`]: { ...at, core: 'c0', ratio: '0.25', gauge: -3.25 },
      [`${prefix}.queue.depth`]: { ...at, gauge: 42 },
      [`${prefix}.http.requests`]: { ...at, 'http.method': 'GET', ok: 'true', counter: 7 },
      [`${prefix}.active.users`]: { ...at, gauge: 12.5 },
      [`${prefix}.http.duration`]: { ...at, count: 6, sum: 500, min: 0.001, max: 20, '0.005': 1, '10': 3 },
      [`${prefix}.rpc.latency`]: { ...at, count: 20, sum: 10, '0.5': 0.2, '0.99': 1.5 },
    });
    // Integers stay integers, doubles floats: what a reader (and a field type conflict) sees.
    const types = Object.fromEntries((await show(url, db, `SHOW FIELD KEYS FROM "${prefix}.http.requests"`)) as [string, string][]);
    assert.deepEqual(types, { counter: 'integer', start_time_unix_nano: 'integer' });
    await adapter.close();
  });

  it('stores the telegraf-prometheus-v2 schema: measurement prometheus, field per metric, le and quantile tags', async () => {
    const adapter = v1({ metrics_schema: 'telegraf-prometheus-v2' });
    const prefix = unique('v2');
    const points = everyType(prefix).map((point) => ({ ...point, resource: f.resource({ 'service.name': prefix }) }));
    const result = await write(adapter, points);
    assert.equal(result.written, 6);

    const rows = await select(url, db, `SELECT * FROM prometheus WHERE "service.name" = '${prefix}'`);
    const fields = (row: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(row)
          .filter(([key]) => key.startsWith(prefix) || key === 'le' || key === 'quantile')
          .sort(([a], [b]) => a.localeCompare(b)),
      );
    const got = rows.map(fields).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    // Lines of one series at one timestamp are one point in InfluxDB: the fields of the metrics without
    // point attributes (and of a histogram's or summary's _count/_sum line) end up side by side.
    const want = [
      { [`${prefix}.cpu.temp`]: -3.25 },
      { [`${prefix}.http.requests`]: 7 },
      {
        [`${prefix}.queue.depth`]: 42,
        [`${prefix}.active.users`]: 12.5,
        [`${prefix}.http.duration_count`]: 6,
        [`${prefix}.http.duration_sum`]: 500,
        [`${prefix}.http.duration_min`]: 0.001,
        [`${prefix}.http.duration_max`]: 20,
        [`${prefix}.rpc.latency_count`]: 20,
        [`${prefix}.rpc.latency_sum`]: 10,
      },
      { le: '0.005', [`${prefix}.http.duration_bucket`]: 1 },
      { le: '10', [`${prefix}.http.duration_bucket`]: 3 },
      { le: '+Inf', [`${prefix}.http.duration_bucket`]: 6 },
      { quantile: '0.5', [`${prefix}.rpc.latency`]: 0.2 },
      { quantile: '0.99', [`${prefix}.rpc.latency`]: 1.5 },
    ]
      .map(fields)
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    assert.deepEqual(got, want);
    assert.ok(rows.every((row) => row.time === T0));
    await adapter.close();
  });

  it('stores spans at their start time with trace_id/span_id/dimension tags, events in logs and links in span-links', async () => {
    const adapter = v1();
    const service = unique('svc');
    const resource = f.resource({ 'service.name': service, 'deployment.environment': 'test' });
    const scope = f.scope('io.manifold.tracer', '1.0.0');
    const parent = f.span({
      resource,
      scope,
      name: 'GET /cart',
      start: T0,
      end: T0 + 2_500_000n,
      kind: 2,
      attributes: { 'http.route': '/cart', 'http.status_code': 200n },
    });
    const child = f.span({
      resource,
      scope,
      name: 'SELECT "cart"',
      traceId: parent.traceId,
      parentSpanId: parent.spanId,
      start: T0 + 1_000n,
      end: T0 + 1_001_000n,
      kind: 3,
      traceState: 'vendor=x',
      attributes: { 'db.statement': 'SELECT * FROM cart WHERE id = "a\\b"', big: 9_007_199_254_740_993n, nested: { a: [1, 'x'] } },
      status: { code: 2, message: 'deadlock\ndetected' },
      events: [f.event('retry', T0 + 5_000n, { attempt: 2n }), f.event('gave up', T0 + 6_000n)],
      links: [f.link('0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', { reason: 'follows' }, 'k=v')],
    });
    assert.deepEqual(await write(adapter, [], [parent, child]), { written: 2 });

    const spans = await select(url, db, `SELECT * FROM spans WHERE "service.name" = '${service}'`);
    const common = {
      _measurement: 'spans',
      'service.name': service,
      'otel.library.name': 'io.manifold.tracer',
      'otel.library.version': '1.0.0',
      resource_attributes: '{"deployment.environment":"test"}',
    };
    assert.deepEqual(spans, [
      {
        ...common,
        time: T0,
        trace_id: parent.traceId,
        span_id: parent.spanId,
        'span.name': 'GET /cart',
        name: 'GET /cart',
        kind: 'Server',
        end_time_unix_nano: String(T0 + 2_500_000n),
        duration_nano: 2_500_000,
        attributes: '{"http.route":"/cart","http.status_code":200}',
      },
      {
        ...common,
        time: T0 + 1_000n,
        trace_id: parent.traceId,
        span_id: child.spanId,
        'span.name': 'SELECT "cart"',
        name: 'SELECT "cart"',
        kind: 'Client',
        parent_span_id: parent.spanId,
        trace_state: 'vendor=x',
        end_time_unix_nano: String(T0 + 1_001_000n),
        duration_nano: 1_000_000,
        'otel.status_code': 'Error',
        'otel.status_description': 'deadlock\ndetected',
        attributes: '{"db.statement":"SELECT * FROM cart WHERE id = \\"a\\\\b\\"","big":"9007199254740993","nested":{"a":[1,"x"]}}',
      },
    ]);
    const events = await select(url, db, `SELECT * FROM logs WHERE span_id = '${child.spanId}'`);
    assert.deepEqual(events, [
      { _measurement: 'logs', time: T0 + 5_000n, trace_id: parent.traceId, span_id: child.spanId, name: 'retry', attributes: '{"attempt":2}' },
      { _measurement: 'logs', time: T0 + 6_000n, trace_id: parent.traceId, span_id: child.spanId, name: 'gave up' },
    ]);
    const links = await select(url, db, `SELECT * FROM "span-links" WHERE span_id = '${child.spanId}'`);
    assert.deepEqual(links, [
      {
        _measurement: 'span-links',
        time: T0 + 1_000n,
        trace_id: parent.traceId,
        span_id: child.spanId,
        linked_trace_id: '0af7651916cd43dd8448eb211c80319c',
        linked_span_id: 'b7ad6b7169203331',
        attributes: '{"reason":"follows"}',
        trace_state: 'k=v',
      },
    ]);
    await adapter.close();
  });

  it('escapes awkward names and values exactly: spaces, commas, equals, quotes, backslashes, unicode, newlines', async () => {
    const adapter = v1({ span_dimensions: ['service.name', 'span.name', 'odd key'] });
    const own = unique('esc');
    const awkward = 'a b,c=d"e\\f ü 日本 🚀';
    const resource = f.resource({ 'service.name': own, 'odd key': awkward });
    const scope = f.scope('s');
    const measurement = `${own} m,x=y"q\\z ü`;
    await write(
      adapter,
      [
        f.numberPoint({
          resource,
          scope,
          metric: f.descriptor(measurement, 'gauge'),
          time: T0,
          value: 1,
          attributes: { [awkward]: awkward, 'new\nline': 'x\ny', trailing: 'ends with \\', time: 'reserved', empty: '' },
        }),
      ],
      [f.span({ resource, scope, name: `say "hi"\\ \n${awkward}`, start: T0, end: T0 + 1n, attributes: { q: '"\\' } })],
    );
    const measurements = ((await show(url, db, 'SHOW MEASUREMENTS')) as string[][]).map(([name]) => name).filter((name) => name!.startsWith(own));
    assert.deepEqual(measurements, [measurement]);
    const [row] = await select(url, db, `SELECT * FROM /^${own} m/`);
    assert.deepEqual(row, {
      _measurement: measurement,
      time: T0,
      'service.name': own,
      'odd key': awkward,
      [awkward]: awkward,
      // Point writes a newline in a name or tag as the two characters \n: InfluxDB keeps them as they are.
      'new\\nline': 'x\\ny',
      // A trailing backslash has no valid spelling in a tag: it is removed.
      trailing: 'ends with ',
      // `time` is reserved as a tag key.
      time_: 'reserved',
      'otel.library.name': 's',
      gauge: 1,
    });
    const [span] = await select(url, db, `SELECT * FROM spans WHERE "service.name" = '${own}'`);
    assert.equal(span!.name, `say "hi"\\ \n${awkward}`, 'string fields keep quotes, backslashes and newlines exactly');
    assert.equal(span!['span.name'], `say "hi"\\ \\n${awkward}`);
    assert.equal(span!['odd key'], awkward);
    assert.equal(span!.attributes, '{"q":"\\"\\\\"}');
    assert.equal(span!.resource_attributes, undefined, 'promoted to a tag, not repeated');
    await adapter.close();
  });

  it('leaves NaN and ±Inf out (line protocol cannot carry them), counts them, and never sends an invalid line', async () => {
    const adapter = v1();
    const own = unique('nan');
    const c = { resource: f.resource({ 'service.name': own }), scope: f.scope('s'), time: T0 };
    const result = await write(adapter, [
      f.numberPoint({ ...c, metric: f.descriptor(`${own}.nan`, 'gauge'), value: Number.NaN }),
      f.numberPoint({ ...c, metric: f.descriptor(`${own}.inf`, 'gauge'), value: -Infinity }),
      f.numberPoint({ ...c, metric: f.descriptor(`${own}.ok`, 'gauge'), value: 0 }),
      f.numberPoint({ ...c, metric: f.descriptor(`${own}.stale`, 'gauge'), value: 1, flags: FLAG_NO_RECORDED_VALUE }),
      f.histogramPoint({ ...c, metric: f.descriptor(`${own}.hist`, 'histogram'), bounds: [1], counts: [1, 1], sum: Number.NaN }),
      f.summaryPoint({
        ...c,
        metric: f.descriptor(`${own}.sum`, 'summary'),
        count: 1,
        sum: 1,
        quantiles: [
          [0.5, Infinity],
          [0.9, 2],
        ],
      }),
      f.numberPoint({ ...c, metric: f.descriptor(`${own}.future`, 'gauge'), time: 2n ** 63n + 5n, value: 1 }),
    ]);
    assert.deepEqual(result, {
      written: 3,
      skipped: {
        count: 4,
        reason: "NaN or ±Inf value (line protocol cannot carry it); no recorded value (flag set); timestamp outside InfluxDB's range (int64 ns)",
      },
    });
    const rows = await select(url, db, `SELECT * FROM /^${own}\\./`);
    const byName = Object.fromEntries(rows.map(({ _measurement, time, ...row }) => [_measurement as string, row]));
    assert.deepEqual(byName, {
      [`${own}.ok`]: { 'service.name': own, 'otel.library.name': 's', gauge: 0 },
      [`${own}.hist`]: { 'service.name': own, 'otel.library.name': 's', count: 2, '1': 1 },
      [`${own}.sum`]: { 'service.name': own, 'otel.library.name': 's', count: 1, sum: 1, '0.9': 2 },
    });
    await adapter.close();
  });

  it('keeps int64 values and nanosecond timestamps exact beyond 2^53', async () => {
    const adapter = v1();
    const own = unique('int64');
    const c = { resource: f.resource({ 'service.name': own }), scope: f.scope('s'), metric: f.descriptor(`${own}.big`, 'gauge') };
    const values = [9_223_372_036_854_775_807n, -9_223_372_036_854_775_808n, 9_007_199_254_740_993n, -1n];
    const times = [T0, T0 + 1n, T0 + 2n, 1n];
    await write(
      adapter,
      values.map((value, i) => f.numberPoint({ ...c, time: times[i]!, value, attributes: { i: String(i) } })),
    );
    const rows = await select(url, db, `SELECT gauge, i FROM "${own}.big"`);
    const got = rows.map((row) => [row.i, row.time, String(row.gauge)]).sort();
    assert.deepEqual(got, values.map((value, i) => [String(i), times[i], String(value)]).sort());
    await adapter.close();
  });

  it('stores each point once when the same batch is written twice (same series and timestamp overwrite)', async () => {
    const own = unique('dedup');
    await createDatabase(url, own);
    try {
      const adapter = makeAdapter({ url, database: own, max_lines_per_request: 3 });
      const c = { resource: f.resource({ 'service.name': own }), scope: f.scope('s') };
      const metrics: MetricPoint[] = [];
      for (let i = 0; i < 10; i++) {
        metrics.push(
          f.numberPoint({
            ...c,
            metric: f.descriptor('dedup.gauge', 'gauge'),
            attributes: { series: String(i % 3) },
            time: T0 + BigInt(i),
            value: i,
          }),
        );
      }
      metrics.push(f.histogramPoint({ ...c, metric: f.descriptor('dedup.hist', 'histogram'), time: T0, bounds: [1, 2], counts: [1, 2, 3], sum: 9 }));
      const root = f.span({ ...c, name: 'root', start: T0, end: T0 + SECOND, events: [f.event('e', T0 + 1n)] });
      const spans: Span[] = [root, f.span({ ...c, name: 'child', traceId: root.traceId, parentSpanId: root.spanId, start: T0, end: T0 + 2n })];
      const batch = { id: 'dedup-1', attempt: 1, metrics, spans };
      assert.deepEqual(await writeDecoded(adapter, batch), { written: 13 });
      assert.deepEqual(await writeDecoded(adapter, { ...batch, attempt: 2 }), { written: 13 });
      const count = async (q: string) => Number((await select(url, own, q))[0]?.count ?? 0);
      assert.equal(await count('SELECT count(gauge) FROM "dedup.gauge"'), 10);
      assert.equal(await count('SELECT count("count") FROM "dedup.hist"'), 1);
      assert.equal(await count('SELECT count("name") FROM spans'), 2);
      assert.equal(await count('SELECT count("name") FROM logs'), 1);
      await adapter.close();
    } finally {
      await dropDatabase(url, own);
    }
  });

  it("a field type conflict is a PermanentWriteError with InfluxDB's text; the good lines of that request are stored", async () => {
    const adapter = v1();
    const own = unique('conflict');
    const c = { resource: f.resource({ 'service.name': own }), scope: f.scope('s') };
    await write(adapter, [f.numberPoint({ ...c, metric: f.descriptor(`${own}.m`, 'gauge'), time: T0, value: 1n })]);
    const error = await rejection(
      write(adapter, [
        f.numberPoint({ ...c, metric: f.descriptor(`${own}.m`, 'gauge'), time: T0 + 1n, value: 1.5 }),
        f.numberPoint({ ...c, metric: f.descriptor(`${own}.other`, 'gauge'), time: T0, value: 2 }),
      ]),
    );
    assert.ok(error instanceof PermanentWriteError, String(error));
    assert.match(
      error.backendText,
      /^partial write: field type conflict: input field "gauge" on measurement "[^"]+\.m" is type float, already exists as type integer/,
    );
    assert.match(error.message, /HTTP 400/);
    assert.deepEqual(
      (await select(url, db, `SELECT gauge FROM "${own}.other"`)).map((row) => row.gauge),
      [2],
      'partial write: the good line is stored',
    );
    await adapter.close();
  });

  it('an unknown database is transient (it waits for an operator), create_database creates it at start', async () => {
    const missing = unique('missing');
    const adapter = makeAdapter({ url, database: missing });
    const point = f.numberPoint({ resource: f.resource({}), scope: f.scope('s'), metric: f.descriptor('m', 'gauge'), time: T0, value: 1 });
    const error = await rejection(write(adapter, [point]));
    assert.ok(error instanceof TransientWriteError, String(error));
    assert.match(error.message, /HTTP 404: database not found: "missing_\w+" \(create it/);
    const creating = makeAdapter({ url, database: missing, create_database: true });
    try {
      await creating.start();
      assert.deepEqual(await write(adapter, [point]), { written: 1 });
      await creating.start(); // idempotent
    } finally {
      await dropDatabase(url, missing);
      await adapter.close();
      await creating.close();
    }
  });

  it('the v2 API against InfluxDB 1.6 (no /api/v2/write) is a transient error that says to use api: v1', async () => {
    const adapter = makeAdapter({ url, bucket: db, org: 'o' });
    const error = await rejection(
      write(adapter, [f.numberPoint({ resource: f.resource({}), scope: f.scope('s'), metric: f.descriptor('m', 'gauge'), time: T0, value: 1 })]),
    );
    assert.ok(error instanceof TransientWriteError, String(error));
    assert.match(error.message, /HTTP 404: 404 page not found \(no such endpoint: InfluxDB before 1\.8 has no \/api\/v2\/write, use api: v1\)/);
    await adapter.close();
  });

  it('health() pings; a closed port is a TransientWriteError for write and a failure for health', async () => {
    await v1().health();
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const adapter = makeAdapter({ url: `http://127.0.0.1:${port}`, database: db });
    await assert.rejects(adapter.health());
    const error = await rejection(
      write(adapter, [f.numberPoint({ resource: f.resource({}), scope: f.scope('s'), metric: f.descriptor('m', 'gauge'), time: T0, value: 1 })]),
    );
    assert.ok(error instanceof TransientWriteError, String(error));
    assert.match(error.message, /ECONNREFUSED/);
    await adapter.close();
  });

  it('429 and 5xx are transient and honour Retry-After (seconds or HTTP date); other 4xx are permanent', async () => {
    const answers: [number, Record<string, string>, string][] = [
      [503, { 'Retry-After': '7' }, '{"error":"overloaded"}'],
      [429, { 'Retry-After': new Date(Date.now() + 60_000).toUTCString() }, 'slow down'],
      [413, {}, '{"error":"Request Entity Too Large"}'],
      [401, {}, '{"error":"authorization failed"}'],
    ];
    const server = createHttpServer((request, response) => {
      request.resume();
      const [status, headers, body] = answers.shift()!;
      response.writeHead(status, { 'Content-Type': body.startsWith('{') ? 'application/json' : 'text/plain', ...headers }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const adapter = makeAdapter({ url: `http://127.0.0.1:${port}`, database: 'x' });
    const point = [f.numberPoint({ resource: f.resource({}), scope: f.scope('s'), metric: f.descriptor('m', 'gauge'), time: T0, value: 1 })];
    try {
      const overloaded = await rejection(write(adapter, point));
      assert.ok(overloaded instanceof TransientWriteError);
      assert.equal(overloaded.retryAfterMs, 7_000);
      assert.match(overloaded.message, /HTTP 503: overloaded/);
      const limited = await rejection(write(adapter, point));
      assert.ok(limited instanceof TransientWriteError);
      assert.ok(limited.retryAfterMs! > 55_000 && limited.retryAfterMs! <= 60_000, String(limited.retryAfterMs));
      const tooLarge = await rejection(write(adapter, point));
      assert.ok(tooLarge instanceof PermanentWriteError);
      assert.equal(tooLarge.backendText, 'Request Entity Too Large');
      const unauthorized = await rejection(write(adapter, point));
      assert.ok(unauthorized instanceof TransientWriteError, 'credentials: waits for an operator');
      assert.match(unauthorized.message, /HTTP 401: authorization failed \(check username\/password or token/);
    } finally {
      await adapter.close();
      server.close();
    }
  });

  it('sends what each API expects: path and query, Basic or Token auth, custom headers, gzip above 1 KB; a timeout is transient', async () => {
    const seen: { url: string; headers: Record<string, unknown>; bytes: number }[] = [];
    const server = createHttpServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({ url: request.url!, headers: request.headers, bytes: Buffer.concat(chunks).length });
        if (request.url!.includes('hang')) return; // never answers
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/prefix`;
    const metrics = (n: number) =>
      Array.from({ length: n }, (_, i) =>
        f.numberPoint({ resource: f.resource({}), scope: f.scope('s'), metric: f.descriptor('m', 'gauge'), time: T0 + BigInt(i), value: i }),
      );
    const v1 = makeAdapter({
      url: base,
      database: 'tele metry',
      retention_policy: 'rp1',
      username: 'u',
      password: 'p:w',
      headers: { 'X-Tenant': 'a' },
    });
    const v2 = makeAdapter({ url: base, org: 'my org', bucket: 'b/1', token: 'secret', gzip: false });
    const hanging = makeAdapter({ url: `${base}/hang`, database: 'd', timeout: '300ms' });
    try {
      await write(v1, metrics(100));
      await write(v2, metrics(100));
      await write(v1, metrics(1));
      const error = await rejection(write(hanging, metrics(1)));
      assert.ok(error instanceof TransientWriteError, String(error));
      assert.match(error.message, /timed out after 300 ms/);
      const [first, second, third] = seen;
      assert.equal(first!.url, '/prefix/write?db=tele+metry&rp=rp1&precision=ns');
      assert.equal(first!.headers.authorization, `Basic ${Buffer.from('u:p:w').toString('base64')}`);
      assert.equal(first!.headers['x-tenant'], 'a');
      assert.equal(first!.headers['content-encoding'], 'gzip');
      assert.match(String(first!.headers['content-type']), /^text\/plain/);
      assert.equal(second!.url, '/prefix/api/v2/write?org=my+org&bucket=b%2F1&precision=ns');
      assert.equal(second!.headers.authorization, 'Token secret');
      assert.equal(second!.headers['content-encoding'], undefined, 'gzip: false');
      assert.equal(third!.headers['content-encoding'], undefined, 'a body under 1 KB is not gzipped');
    } finally {
      await Promise.all([v1.close(), v2.close(), hanging.close()]);
      server.closeAllConnections();
      server.close();
    }
  });

  it('writes with gzip off and with a retention policy', async () => {
    const adapter = v1({ gzip: false, retention_policy: 'autogen' });
    const own = unique('plain');
    const metrics = Array.from({ length: 50 }, (_, i) =>
      f.numberPoint({
        resource: f.resource({ 'service.name': own }),
        scope: f.scope('s'),
        metric: f.descriptor(`${own}.g`, 'gauge'),
        time: T0 + BigInt(i),
        value: i,
      }),
    );
    assert.deepEqual(await write(adapter, metrics), { written: 50 });
    assert.equal((await select(url, db, `SELECT count(gauge) FROM autogen."${own}.g"`))[0]?.count, 50);
    await adapter.close();
  });
});

describe('InfluxDB 1.6 with authentication (a private server)', () => {
  const admin = { username: 'manifold', password: 'pa:ss word' };
  let influx: PrivateInfluxDB;
  before(async () => {
    influx = await PrivateInfluxDB.start({ admin });
  });
  after(async () => influx?.stop());

  it('creates the database and writes with username/password (Basic auth); a wrong password waits as a transient 401', async () => {
    const db = unique('auth');
    const adapter = makeAdapter({ url: influx.url, database: db, create_database: true, ...admin });
    await adapter.start();
    const point = (value: number) =>
      f.numberPoint({
        resource: f.resource({ 'service.name': 'auth' }),
        scope: f.scope('s'),
        metric: f.descriptor('auth.g', 'gauge'),
        time: T0,
        value,
      });
    assert.deepEqual(await write(adapter, [point(1)]), { written: 1 });
    const query = new URL('/query', influx.url);
    query.search = new URLSearchParams({ db, q: 'SELECT gauge FROM "auth.g"', u: admin.username, p: admin.password }).toString();
    assert.deepEqual(((await (await fetch(query)).json()) as any).results[0].series[0].values[0][1], 1);

    for (const credentials of [{ username: admin.username, password: 'wrong' }, {}]) {
      const denied = makeAdapter({ url: influx.url, database: db, ...credentials });
      await denied.start(); // starts on /ping, which needs no credentials: the writes wait for a fixed password
      // The health check (manifold doctor) writes, so it names the refused credentials.
      await assert.rejects(denied.health(), /HTTP 401: /);
      const error = await rejection(write(denied, [point(2)]));
      assert.ok(error instanceof TransientWriteError, String(error));
      assert.match(error.message, /HTTP 401: .+ \(check username\/password or token; batches wait in the queue meanwhile\)/);
      await denied.close();
    }
    await adapter.close();
  });
});

describe('InfluxDB 1.6 over HTTPS (a private server, self-signed certificate)', () => {
  let influx: PrivateInfluxDB;
  before(async () => {
    influx = await PrivateInfluxDB.start({ https: true });
  });
  after(async () => influx?.stop());

  it('refuses an untrusted certificate (transient: fix the config), trusts tls.ca_file, or skips the check when told', async () => {
    const db = unique('tls');
    const point = f.numberPoint({ resource: f.resource({}), scope: f.scope('s'), metric: f.descriptor('tls.g', 'gauge'), time: T0, value: 1 });
    const untrusted = makeAdapter({ url: influx.url, database: db });
    const error = await rejection(write(untrusted, [point]));
    assert.ok(error instanceof TransientWriteError, String(error));
    assert.match(error.message, /self.signed certificate/i);
    await untrusted.close();
    for (const tls of [{ ca_file: influx.certificate }, { insecure_skip_verify: true }]) {
      const adapter = makeAdapter({ url: influx.url, database: db, create_database: true, tls });
      await adapter.start();
      assert.deepEqual(await write(adapter, [point]), { written: 1 }, JSON.stringify(tls));
      await adapter.close();
    }
  });
});

describe('VictoriaMetrics (v2 and v1 APIs)', () => {
  const url = backendUrl('victoria');

  for (const api of ['v2', 'v1'] as const) {
    it(`takes every metric type through ${api === 'v2' ? '/api/v2/write' : '/write'}: series <measurement>_<field>, ms timestamps`, async () => {
      const adapter = makeAdapter(api === 'v2' ? { url, org: 'manifold', bucket: 'tests' } : { url, database: 'tests' });
      await adapter.start();
      const prefix = unique(`vm${api}`);
      const result = await write(adapter, everyType(prefix));
      assert.equal(result.written, 6);
      const series = await vmExport(url, `{__name__=~"${prefix}\\\\..*"}`, 16);
      // VictoriaMetrics keeps about 15 significant digits of a float: the ns start time comes back rounded.
      const start = Number(T0 - 10n * SECOND);
      const rounded = (values: number[]) => (values.length === 1 && Math.abs(values[0]! - start) < 1e4 ? [start] : values);
      const got = Object.fromEntries(series.map((s) => [s.metric.__name__!.slice(prefix.length), rounded(s.values)]));
      assert.deepEqual(got, {
        '.active.users_gauge': [12.5],
        '.active.users_start_time_unix_nano': [start],
        '.cpu.temp_gauge': [-3.25],
        '.cpu.temp_start_time_unix_nano': [start],
        '.http.duration_0.005': [1],
        '.http.duration_10': [3],
        '.http.duration_count': [6],
        '.http.duration_max': [20],
        '.http.duration_min': [0.001],
        '.http.duration_start_time_unix_nano': [start],
        '.http.duration_sum': [500],
        '.http.requests_counter': [7],
        '.http.requests_start_time_unix_nano': [start],
        '.queue.depth_gauge': [42],
        '.queue.depth_start_time_unix_nano': [start],
        '.rpc.latency_0.5': [0.2],
        '.rpc.latency_0.99': [1.5],
        '.rpc.latency_count': [20],
        '.rpc.latency_start_time_unix_nano': [start],
        '.rpc.latency_sum': [10],
      });
      const gauge = series.find((s) => s.metric.__name__ === `${prefix}.cpu.temp_gauge`)!;
      assert.deepEqual(gauge.timestamps, [Number(T0 / 1_000_000n)], 'ns cut to ms');
      const { __name__: _, ...labels } = gauge.metric;
      assert.deepEqual(labels, { ...COMMON_TAGS, core: 'c0', ratio: '0.25', ...(api === 'v1' ? { db: 'tests' } : {}) });
      await adapter.close();
    });
  }

  it('keeps awkward tag values (spaces, commas, equals, quotes, unicode) through /api/v2/write', async () => {
    const adapter = makeAdapter({ url, bucket: 'tests' });
    const own = unique('vmesc');
    const awkward = 'a b,c=d"e ü 日本';
    await write(adapter, [
      f.numberPoint({
        resource: f.resource({ 'service.name': own }),
        scope: f.scope(''),
        metric: f.descriptor(`${own}.g`, 'gauge'),
        attributes: { k: awkward, 'x y': '1' },
        time: T0,
        value: 3,
      }),
    ]);
    const [series] = await vmExport(url, `{__name__="${own}.g_gauge"}`, 1);
    assert.deepEqual(series?.metric, { __name__: `${own}.g_gauge`, 'service.name': own, k: awkward, 'x y': '1' });
    assert.deepEqual(series?.values, [3]);
    await adapter.close();
  });
});

describe('kind: influxdb config', () => {
  const parse = (options: Record<string, unknown>) => influxAdapter.configSchema.safeParse({ url: 'http://127.0.0.1:8086', ...options });
  const messages = (options: Record<string, unknown>) => {
    const result = parse(options);
    return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('infers the API from database (v1) or bucket (v2), with the documented defaults', () => {
    const v1 = parse({ database: 'telemetry' });
    assert.ok(v1.success);
    assert.equal(apiVersion(v1.data), 'v1');
    assert.deepEqual(
      {
        schema: v1.data.metrics_schema,
        gzip: v1.data.gzip,
        timeout: v1.data.timeout,
        dims: v1.data.span_dimensions,
        m: v1.data.measurements,
        signals: v1.data.signals,
      },
      {
        schema: 'telegraf-prometheus-v1',
        gzip: true,
        timeout: 10_000,
        dims: ['service.name', 'span.name'],
        m: { spans: 'spans', span_events: 'logs', span_links: 'span-links', logs: 'logs' },
        signals: ['metrics', 'traces', 'logs'],
      },
    );
    const v2 = parse({ org: 'o', bucket: 'b', token: 't', timeout: '2s' });
    assert.ok(v2.success);
    assert.equal(apiVersion(v2.data), 'v2');
    assert.equal(v2.data.timeout, 2_000);
  });

  it('takes every signal by default; signals narrows them', () => {
    assert.deepEqual([...makeAdapter({ url: 'http://127.0.0.1:9', database: 'd' }).signals], ['metrics', 'traces', 'logs']);
    assert.deepEqual([...makeAdapter({ url: 'http://127.0.0.1:9', database: 'd', signals: ['metrics'] }).signals], ['metrics']);
  });

  it('names the key and the fix when the settings do not fit together', () => {
    assert.deepEqual(messages({}), ['database: set database (v1 API: /write?db=) or bucket (v2 API: /api/v2/write), or api: v1 | v2']);
    assert.deepEqual(messages({ database: 'd', bucket: 'b' }), [
      'bucket: set database (v1 API) or bucket (v2 API), not both',
      'bucket: bucket belongs to the v2 API; with api v1 use database, username, password',
    ]);
    assert.deepEqual(messages({ database: 'd', token: 't' }), ['token: token belongs to the v2 API; with api v1 use database, username, password']);
    assert.deepEqual(messages({ database: 'd', username: 'u' }), ['password: set both username and password, or neither']);
    assert.deepEqual(messages({ api: 'v2', database: 'd' }), [
      'bucket: api v2 needs bucket',
      'database: database belongs to the v1 API; with api v2 use org, bucket, token',
    ]);
    assert.deepEqual(messages({ bucket: 'b', create_database: true }), ['create_database: create_database is for the v1 API only']);
    assert.deepEqual(messages({ database: 'd', metrics_schema: 'otel-v1' }).length, 1);
  });
});
