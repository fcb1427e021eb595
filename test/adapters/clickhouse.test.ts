/**
 * The clickhouse adapter against the real ClickHouse engine (chDB 26.7 behind its HTTP front,
 * MANIFOLD_TEST_CLICKHOUSE_URL; missing → the suite fails, it never skips). Model objects built by hand
 * (the postgres adapter's fixtures: every metric type, spans with events and links, int64 beyond 2^53,
 * NaN, sub-microsecond times) are written, read back with ClickHouse SQL and compared field by field.
 * Each run uses fresh databases: the engine is shared with other suites running at the same time.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { pino } from 'pino';
import { PermanentWriteError, TransientWriteError, type Adapter } from '../../src/adapters/contract.js';
import { writeDecoded, type DecodedBatch } from '../support/write.js';
import { clickhouseAdapter } from '../../src/adapters/clickhouse/index.js';
import { classifyError } from '../../src/adapters/clickhouse/errors.js';
import { MigrationRunner } from '../../src/migrate/index.js';
import type { MetricPoint, Span } from '../../src/model/index.js';
import { backendUrl } from '../support/backends.js';
import * as f from './postgres.fixtures.js';
import { adapterWithSchema } from '../support/schema-at-start.js';

const url = backendUrl('clickhouse');
const logger = pino({ level: 'silent' });
// Quiet: some queries here fail on purpose.
const reader = createClient({ url, log: { level: ClickHouseLogLevel.OFF } });
const databases: string[] = [];
const freshDatabase = (): string => {
  const db = `mf_ch_adapter_${process.pid}_${databases.length}_${Math.floor(Math.random() * 1e6)}`;
  databases.push(db);
  return db;
};

function adapterFor(database: string, extra: Record<string, unknown> = {}): Adapter {
  return adapterWithSchema(clickhouseAdapter, clickhouseAdapter.configSchema.parse({ url, database, lock_lease: 3, ...extra }), {
    name: 'ch-test',
    logger,
    dataDir: '/tmp',
  });
}

let batchNo = 0;
function batch(metrics: readonly MetricPoint[], spans: readonly Span[] = [], id = `b${process.pid}-${++batchNo}`, attempt = 1): DecodedBatch {
  return { id, attempt, metrics, spans };
}

async function rows<T = Record<string, unknown>>(query: string): Promise<T[]> {
  return (await reader.query({ query, format: 'JSONEachRow' })).json<T>();
}
const count = async (table: string): Promise<number> => Number((await rows<{ n: string }>(`SELECT count() AS n FROM ${table}`))[0]!.n);
const ns = (column: string) => `toString(toUnixTimestamp64Nano(${column}))`;
const nsArray = (column: string) => `arrayMap(t -> toString(toUnixTimestamp64Nano(t)), ${column})`;

/** What every metric row's resource and scope columns hold for the fixtures' resource and scope. */
const RESOURCE_MAP = {
  'service.name': 'checkout',
  'host.name': 'h1',
  big: '9223372036854775807',
  ratio: '0.25',
  ok: 'true',
  raw: 'AQL/',
  list: '["a",7,1.5]',
  kv: '{"inner":"x","n":-3}',
  nothing: '',
};

after(async () => {
  for (const db of databases) await reader.command({ query: `DROP DATABASE IF EXISTS \`${db}\`` });
  await reader.close();
});

describe('clickhouse adapter on the ClickHouse engine (chDB)', () => {
  const db = freshDatabase();
  let adapter: Adapter;

  before(async () => {
    adapter = adapterFor(db);
    await adapter.start(); // migrate: auto (the default) creates the database, tables and views
    await adapter.start(); // and finds nothing to do the second time
  });
  after(async () => {
    await adapter?.close();
  });

  test('health() answers', async () => {
    await adapter.health();
  });

  test('the dedup window is set on every table written, directly or by a view', async () => {
    const tables = await rows<{ name: string; engine_full: string }>(
      `SELECT name, engine_full FROM system.tables WHERE database = '${db}' AND name LIKE 'otel_%' AND engine LIKE '%MergeTree' ORDER BY name`,
    );
    assert.equal(tables.length, 9);
    for (const t of tables) assert.match(t.engine_full, /non_replicated_deduplication_window = 10000/, t.name);
  });

  test('spans: every column, exact nanosecond times, ids as hex, attributes as strings, events and links', async () => {
    const result = await writeDecoded(adapter, batch([], f.allSpans));
    assert.deepEqual(result, { written: 2 });
    const stored = await rows(
      `SELECT ${ns('Timestamp')} AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes,
              ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS Duration, StatusCode, StatusMessage,
              ${nsArray('Events.Timestamp')} AS ev_ts, Events.Name AS ev_name, Events.Attributes AS ev_attrs,
              Links.TraceId AS l_trace, Links.SpanId AS l_span, Links.TraceState AS l_state, Links.Attributes AS l_attrs
         FROM ${db}.otel_traces ORDER BY Timestamp`,
    );
    assert.deepEqual(stored, [
      {
        ts: String(f.T0),
        TraceId: '0af7651916cd43dd8448eb211c80319c',
        SpanId: 'b7ad6b7169203331',
        ParentSpanId: '',
        TraceState: 'rojo=00f067aa0ba902b7',
        SpanName: 'GET /checkout',
        SpanKind: 'Server',
        ServiceName: 'checkout',
        ResourceAttributes: RESOURCE_MAP,
        ScopeName: 'manifold.test',
        ScopeVersion: '1.2.3',
        SpanAttributes: { 'http.status_code': '200', big: '9223372036854775807' },
        Duration: '1500000001',
        StatusCode: 'Error',
        StatusMessage: 'it broke',
        ev_ts: [String(f.T0 + 7n), String(f.T0 + 8n)],
        ev_name: ['exception', 'retry'],
        ev_attrs: [{ 'exception.type': 'Boom', count: '9223372036854775807' }, {}],
        l_trace: ['11111111111111111111111111111111'],
        l_span: ['2222222222222222'],
        l_state: ['a=b'],
        l_attrs: [{ why: 'follows' }],
      },
      {
        ts: String(f.T0 + 100n),
        TraceId: '0af7651916cd43dd8448eb211c80319c',
        SpanId: 'c7ad6b7169203332',
        ParentSpanId: 'b7ad6b7169203331',
        TraceState: '',
        SpanName: 'SELECT',
        SpanKind: 'Client',
        ServiceName: 'checkout',
        ResourceAttributes: RESOURCE_MAP,
        ScopeName: 'manifold.test',
        ScopeVersion: '1.2.3',
        SpanAttributes: {},
        Duration: '100',
        StatusCode: 'Unset',
        StatusMessage: '',
        ev_ts: [],
        ev_name: [],
        ev_attrs: [],
        l_trace: [],
        l_span: [],
        l_state: [],
        l_attrs: [],
      },
    ]);
  });

  test('the span views fill: trace-id lookup and the per-minute rate-error-duration rollup', async () => {
    const [lookup] = await rows(
      `SELECT TraceId, toString(min(Start)) AS start, toString(max(End)) AS end FROM ${db}.otel_traces_trace_id_ts GROUP BY TraceId`,
    );
    assert.deepEqual(lookup, { TraceId: '0af7651916cd43dd8448eb211c80319c', start: '2025-11-22 08:26:40', end: '2025-11-22 08:26:40' });
    const red = await rows(
      `SELECT toString(Minute) AS minute, ServiceName, SpanName, SpanKind, toString(countMerge(Calls)) AS calls, toString(countIfMerge(Errors)) AS errors,
              toString(sumMerge(DurationSum)) AS sum, toString(maxMerge(DurationMax)) AS max
         FROM ${db}.otel_traces_red_1m GROUP BY Minute, ServiceName, SpanName, SpanKind ORDER BY SpanName`,
    );
    assert.deepEqual(red, [
      {
        minute: '2025-11-22 08:26:00',
        ServiceName: 'checkout',
        SpanName: 'GET /checkout',
        SpanKind: 'Server',
        calls: '1',
        errors: '1',
        sum: '1500000001',
        max: '1500000001',
      },
      {
        minute: '2025-11-22 08:26:00',
        ServiceName: 'checkout',
        SpanName: 'SELECT',
        SpanKind: 'Client',
        calls: '1',
        errors: '0',
        sum: '100',
        max: '100',
      },
    ]);
  });

  test('gauges and sums: values (NaN, int64 as the nearest double), times, flags, metadata, exemplars', async () => {
    const result = await writeDecoded(adapter, batch([f.gaugePoint, f.sumPoint, f.nanPoint]));
    assert.deepEqual(result, { written: 3 });
    const common = `ResourceAttributes, ResourceSchemaUrl, ServiceName, ScopeName, ScopeVersion, ScopeAttributes, ScopeDroppedAttrCount, ScopeSchemaUrl,
      MetricName, MetricDescription, MetricUnit, Attributes, ${ns('StartTimeUnix')} AS start, ${ns('TimeUnix')} AS time, Flags,
      Exemplars.FilteredAttributes AS ex_attrs, ${nsArray('Exemplars.TimeUnix')} AS ex_time, arrayMap(v -> toString(v), Exemplars.Value) AS ex_value,
      Exemplars.SpanId AS ex_span, Exemplars.TraceId AS ex_trace`;
    const scopeColumns = {
      ScopeName: 'manifold.test',
      ScopeVersion: '1.2.3',
      ScopeAttributes: { 'scope.attr': 'yes' },
      ScopeDroppedAttrCount: 0,
      ScopeSchemaUrl: '',
    };
    const resourceColumns = { ResourceAttributes: RESOURCE_MAP, ResourceSchemaUrl: '', ServiceName: 'checkout' };
    const noExemplars = { ex_attrs: [], ex_time: [], ex_value: [], ex_span: [], ex_trace: [] };

    const gauges = await rows(`SELECT ${common}, toString(Value) AS value FROM ${db}.otel_metrics_gauge`);
    assert.deepEqual(gauges, [
      {
        ...resourceColumns,
        ...scopeColumns,
        MetricName: 'queue.depth',
        MetricDescription: 'queue.depth help',
        MetricUnit: '{item}',
        Attributes: {
          'int.attr': '9223372036854775807',
          'neg.attr': '-1152921504606846976',
          str: 'quote " and \\ backslash, comma',
          d: '1.5',
          b: 'false',
        },
        start: '0',
        time: String(f.T0),
        Flags: 1,
        ...noExemplars,
        value: '9223372036854776000', // Float64, as the Collector stores it
      },
    ]);

    const sums = await rows(
      `SELECT ${common}, toString(Value) AS value, AggregationTemporality, IsMonotonic FROM ${db}.otel_metrics_sum ORDER BY TimeUnix`,
    );
    assert.deepEqual(sums, [
      {
        ...resourceColumns,
        ...scopeColumns,
        MetricName: 'requests',
        MetricDescription: 'requests help',
        MetricUnit: '{request}',
        Attributes: { worker: '1', route: '/r/1' },
        start: String(f.T0 - 60_000_000_000n),
        time: String(f.T0 + 1n),
        Flags: 0,
        ex_attrs: [{ user: 'u1' }, {}],
        ex_time: [String(f.T0 - 5n), String(f.T0 - 4n)],
        ex_value: ['0.1', '-9223372036854776000'],
        ex_span: ['b7ad6b7169203331', ''],
        ex_trace: ['0af7651916cd43dd8448eb211c80319c', ''],
        value: '0.1',
        AggregationTemporality: 2,
        IsMonotonic: true,
      },
      {
        ...resourceColumns,
        ...scopeColumns,
        MetricName: 'requests',
        MetricDescription: 'requests help',
        MetricUnit: '{request}',
        Attributes: { worker: '2', route: '/r/2' },
        start: String(f.T0 - 60_000_000_000n),
        time: String(f.T0 + 2n),
        Flags: 0,
        ...noExemplars,
        value: 'nan',
        AggregationTemporality: 2,
        IsMonotonic: true,
      },
    ]);
  });

  test('histograms, exponential histograms and summaries: every field', async () => {
    const result = await writeDecoded(adapter, batch([f.histogramPoint, f.histogramNoSum, f.expPoint, f.summaryPoint]));
    assert.deepEqual(result, { written: 4 });
    const histograms = await rows(
      `SELECT MetricName, Attributes, ${ns('TimeUnix')} AS time, toString(Count) AS count, Sum, arrayMap(c -> toString(c), BucketCounts) AS buckets,
              ExplicitBounds, Min, Max, AggregationTemporality, ${nsArray('Exemplars.TimeUnix')} AS ex_time, Exemplars.Value AS ex_value
         FROM ${db}.otel_metrics_histogram ORDER BY TimeUnix`,
    );
    assert.deepEqual(histograms, [
      {
        MetricName: 'latency',
        Attributes: { route: '/h' },
        time: String(f.T0 + 10n),
        count: '6',
        Sum: 12.75,
        buckets: ['1', '2', '3'],
        ExplicitBounds: [0.5, 2.5],
        Min: 0.125,
        Max: 7,
        AggregationTemporality: 1,
        ex_time: [String(f.T0 + 9n)],
        ex_value: [7],
      },
      // No sum, min or max: 0, as the Collector stores them (the columns are not Nullable).
      {
        MetricName: 'latency',
        Attributes: { route: '/h' },
        time: String(f.T0 + 11n),
        count: '0',
        Sum: 0,
        buckets: [],
        ExplicitBounds: [],
        Min: 0,
        Max: 0,
        AggregationTemporality: 1,
        ex_time: [],
        ex_value: [],
      },
    ]);
    const exp = await rows(
      `SELECT MetricName, ${ns('TimeUnix')} AS time, toString(Count) AS count, Sum, Scale, toString(ZeroCount) AS zero, PositiveOffset,
              arrayMap(c -> toString(c), PositiveBucketCounts) AS pos, NegativeOffset, arrayMap(c -> toString(c), NegativeBucketCounts) AS neg,
              Min, Max, AggregationTemporality FROM ${db}.otel_metrics_exp_histogram`,
    );
    assert.deepEqual(exp, [
      {
        MetricName: 'latency.exp',
        time: String(f.T0 + 20n),
        count: '10',
        Sum: 3.5,
        Scale: -2,
        zero: '1',
        PositiveOffset: -3,
        pos: ['4', '0', '2'],
        NegativeOffset: 5,
        neg: ['3'],
        Min: -4,
        Max: 2.5,
        AggregationTemporality: 2,
      },
    ]);
    const summaries = await rows(
      `SELECT MetricName, Attributes, ${ns('TimeUnix')} AS time, toString(Count) AS count, Sum, ValueAtQuantiles.Quantile AS q, ValueAtQuantiles.Value AS v
         FROM ${db}.otel_metrics_summary`,
    );
    assert.deepEqual(summaries, [
      {
        MetricName: 'latency.summary',
        Attributes: { q: 'yes' },
        time: String(f.T0 + 30n),
        count: '4',
        Sum: 100.5,
        q: [0, 0.99, 1],
        v: [1, 97.25, 99],
      },
    ]);
  });

  test('the same batch written again (a retry) is stored once, in the tables and in the views', async () => {
    const tables = [
      'otel_traces',
      'otel_traces_trace_id_ts',
      'otel_traces_red_1m',
      'otel_metrics_gauge',
      'otel_metrics_sum',
      'otel_metrics_histogram',
      'otel_metrics_exp_histogram',
      'otel_metrics_summary',
    ];
    const counts = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(`${db}.${t}`)] as const)));
    const calls = async () => (await rows<{ n: string }>(`SELECT toString(countMerge(Calls)) AS n FROM ${db}.otel_traces_red_1m`))[0]!.n;
    const spans = [{ ...f.rootSpan, spanId: 'd7ad6b7169203333', traceId: '33333333333333333333333333333333' }];
    const metrics = [
      { ...f.gaugePoint, timeUnixNano: f.T0 + 1_000n },
      { ...f.histogramPoint, timeUnixNano: f.T0 + 1_000n },
      { ...f.expPoint, timeUnixNano: f.T0 + 1_000n },
    ];
    const before = await counts();
    const first = batch(metrics, spans);
    await writeDecoded(adapter, first);
    const once = await counts();
    assert.deepEqual(once, {
      ...before,
      otel_traces: before.otel_traces! + 1,
      otel_traces_trace_id_ts: before.otel_traces_trace_id_ts! + 1,
      otel_traces_red_1m: before.otel_traces_red_1m! + 1,
      otel_metrics_gauge: before.otel_metrics_gauge! + 1,
      otel_metrics_histogram: before.otel_metrics_histogram! + 1,
      otel_metrics_exp_histogram: before.otel_metrics_exp_histogram! + 1,
    });
    assert.equal(await calls(), '3');

    assert.deepEqual(await writeDecoded(adapter, { ...first, attempt: 2 }), { written: 4 });
    assert.deepEqual(await writeDecoded(adapter, { ...first, attempt: 3 }), { written: 4 });
    assert.deepEqual(await counts(), once, 'retries add nothing anywhere');
    assert.equal(await calls(), '3', 'the rollup counted the span once');

    // A part of the batch lost on the way (the retry carries the same content, so here: the same table
    // written again alone, as after a failure between two tables) is still stored once.
    await writeDecoded(adapter, { ...first, metrics: [], attempt: 4 });
    assert.deepEqual(await counts(), once);

    // The token is the batch id, not the content: the same rows in another batch are new data.
    await writeDecoded(adapter, batch(metrics, spans));
    const again = await counts();
    assert.equal(again.otel_traces, once.otel_traces! + 1);
    assert.equal(again.otel_metrics_gauge, once.otel_metrics_gauge! + 1);
    assert.equal(await calls(), '4');
  });

  test('signals: a backend for traces only skips metrics and says so', async () => {
    const tracesOnly = adapterFor(db, { signals: ['traces'] });
    try {
      const before = await count(`${db}.otel_metrics_summary`);
      const result = await writeDecoded(tracesOnly, batch([f.summaryPoint], [{ ...f.childSpan, spanId: 'e7ad6b7169203334' }]));
      assert.deepEqual(result, { written: 1, skipped: { count: 1, reason: 'signal not enabled for this backend' } });
      assert.equal(await count(`${db}.otel_metrics_summary`), before);
    } finally {
      await tracesOnly.close();
    }
  });

  test('compression: gzip bodies are stored the same', async () => {
    const gzip = adapterFor(db, { compression: true });
    try {
      const span = { ...f.childSpan, spanId: 'a7ad6b7169203336', name: 'gzip' };
      assert.deepEqual(await writeDecoded(gzip, batch([], [span])), { written: 1 });
      const [row] = await rows(`SELECT SpanName, ${ns('Timestamp')} AS ts FROM ${db}.otel_traces WHERE SpanId = 'a7ad6b7169203336'`);
      assert.deepEqual(row, { SpanName: 'gzip', ts: String(f.childSpan.startTimeUnixNano) });
    } finally {
      await gzip.close();
    }
  });

  test("bad data: a PermanentWriteError carrying ClickHouse's own text, and nothing of the batch stored", async () => {
    const before = await count(`${db}.otel_traces`);
    // An event time past DateTime64(9)'s end (2262): uint64 in OTLP, refused by ClickHouse.
    const bad: Span = {
      ...f.childSpan,
      spanId: 'f7ad6b7169203335',
      events: [{ timeUnixNano: 2n ** 64n - 1n, name: 'late', attributes: {}, droppedAttributesCount: 0 }],
    };
    await assert.rejects(writeDecoded(adapter, batch([], [f.childSpan, bad])), (error: unknown) => {
      assert.ok(error instanceof PermanentWriteError, String(error));
      assert.match(error.backendText, /^Code: 407\. DB::Exception: Decimal math overflow.*\(DECIMAL_OVERFLOW\)$/s);
      assert.match(error.message, /insert into otel_traces \(batch b\d+-\d+\): ClickHouse refused the data: Code: /);
      return true;
    });
    assert.equal(await count(`${db}.otel_traces`), before);
  });
});

test('migrate: off on tables without a dedup window (made elsewhere): start() says so once, naming them and the fix', async () => {
  const db = freshDatabase();
  const config = clickhouseAdapter.configSchema.parse({ url, database: db, lock_lease: 3 });
  const target = clickhouseAdapter.schemaTarget(config, { name: 'ch-old', logger, dataDir: '/tmp' });
  try {
    await new MigrationRunner(target).up({ to: 3 }); // the tables, as the Collector's exporter would have made them
  } finally {
    await target.close();
  }
  const lines: string[] = [];
  const captured = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
  const adapter = clickhouseAdapter.create(config, { name: 'ch-old', logger: captured, dataDir: '/tmp' }); // as with migrate: off
  try {
    await adapter.start();
    assert.equal(lines.length, 1, lines.join(''));
    const warning = JSON.parse(lines[0]!) as { tables: string[]; msg: string };
    assert.deepEqual(warning.tables.sort(), [
      'otel_metrics_exp_histogram',
      'otel_metrics_gauge',
      'otel_metrics_histogram',
      'otel_metrics_sum',
      'otel_metrics_summary',
      'otel_traces',
      'otel_traces_red_1m',
      'otel_traces_trace_id_ts',
    ]);
    assert.match(warning.msg, /a retried batch can be stored twice there: run `manifold migrate up --backend ch-old`/);
  } finally {
    await adapter.close();
  }
});

describe('clickhouse adapter: errors decide retry or dead letter', () => {
  test('a closed port: TransientWriteError from write(), and health() fails', async () => {
    const port = await closedPort();
    const adapter = clickhouseAdapter.create(clickhouseAdapter.configSchema.parse({ url: `http://127.0.0.1:${port}`, database: 'x' }), {
      name: 'ch-down',
      logger,
      dataDir: '/tmp',
    });
    try {
      await assert.rejects(writeDecoded(adapter, batch([f.gaugePoint])), (error: unknown) => {
        assert.ok(error instanceof TransientWriteError, String(error));
        assert.match(error.message, /ECONNREFUSED/);
        return true;
      });
      await assert.rejects(adapter.health(), /ECONNREFUSED/);
    } finally {
      await adapter.close();
    }
  });

  test('a server that hangs up, or never answers (request_timeout): TransientWriteError', async () => {
    const sockets = new Set<Socket>();
    const hangUp = createServer((socket) => socket.destroy());
    const silent = createServer((socket) => sockets.add(socket));
    for (const server of [hangUp, silent]) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const adapterOn = (server: Server) =>
      clickhouseAdapter.create(
        clickhouseAdapter.configSchema.parse({
          url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
          database: 'x',
          request_timeout: 1,
        }),
        { name: 'ch-broken', logger, dataDir: '/tmp' },
      );
    try {
      for (const [server, why] of [
        [hangUp, /socket hang up|ECONNRESET/],
        [silent, /Timeout/i],
      ] as const) {
        const adapter = adapterOn(server);
        try {
          await assert.rejects(writeDecoded(adapter, batch([f.gaugePoint])), (error: unknown) => {
            assert.ok(error instanceof TransientWriteError, String(error));
            assert.match(error.message, why);
            return true;
          });
        } finally {
          await adapter.close();
        }
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      for (const server of [hangUp, silent]) server.close();
    }
  });

  describe('on a database whose schema or state is not what the adapter expects', () => {
    const db = freshDatabase();
    let adapter: Adapter;
    before(async () => {
      adapter = adapterFor(db);
      await adapter.start();
    });
    after(async () => {
      await adapter?.close();
    });

    test('TOO_MANY_PARTS (the server is behind on merges) is transient', async () => {
      await reader.command({ query: `ALTER TABLE ${db}.otel_metrics_summary MODIFY SETTING parts_to_throw_insert = 1` });
      await reader.command({ query: `SYSTEM STOP MERGES ${db}.otel_metrics_summary` });
      await writeDecoded(adapter, batch([f.summaryPoint]));
      await assert.rejects(writeDecoded(adapter, batch([f.summaryPoint])), (error: unknown) => {
        assert.ok(error instanceof TransientWriteError, String(error));
        assert.match(error.message, /Code: 252\. DB::Exception: .*\(TOO_MANY_PARTS\)/s);
        return true;
      });
    });

    test("a missing column or table (a schema problem) is permanent, with ClickHouse's text", async () => {
      await reader.command({ query: `ALTER TABLE ${db}.otel_metrics_gauge DROP COLUMN Flags` });
      await assert.rejects(writeDecoded(adapter, batch([f.gaugePoint])), (error: unknown) => {
        assert.ok(error instanceof PermanentWriteError, String(error));
        assert.match(error.backendText, /^Code: 16\. DB::Exception: No such column Flags in table .*\(NO_SUCH_COLUMN_IN_TABLE\)$/s);
        return true;
      });
      await reader.command({ query: `DROP TABLE ${db}.otel_metrics_sum SYNC` });
      await assert.rejects(writeDecoded(adapter, batch([f.sumPoint])), (error: unknown) => {
        assert.ok(error instanceof PermanentWriteError, String(error));
        assert.match(error.backendText, /^Code: 60\. DB::Exception: Table .*otel_metrics_sum does not exist.*\(UNKNOWN_TABLE\)$/s);
        return true;
      });
    });
  });

  test("the engine's own MEMORY_LIMIT_EXCEEDED and TIMEOUT_EXCEEDED errors are transient", async () => {
    for (const [settings, name] of [
      ['max_memory_usage = 1000', 'MEMORY_LIMIT_EXCEEDED'],
      ['max_execution_time = 0.001, timeout_before_checking_execution_speed = 0', 'TIMEOUT_EXCEEDED'],
    ] as const) {
      const error = await reader.query({ query: `SELECT count() FROM numbers(100000000) WHERE sipHash64(number) % 7 = 1 SETTINGS ${settings}` }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error, `${name}: the query should have failed`);
      const classified = classifyError(error, 'test');
      assert.ok(classified instanceof TransientWriteError, `${name}: ${String(classified)}`);
      assert.match(classified.message, new RegExp(`\\(${name}\\)`));
    }
  });
});

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
