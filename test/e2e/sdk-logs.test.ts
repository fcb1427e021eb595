/**
 * OTLP logs end to end (issue 15): the OpenTelemetry JS SDK's logs exporters send every body type and severity to
 * a gateway, which queues them durably and writes them to each backend that takes logs; each backend's own query
 * language reads them back and they are compared with what the SDK emitted. Routing: a Prometheus backend beside
 * them takes metrics only, and receives nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import pg from 'pg';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { dropDatabase, select } from '../adapters/influxdb/support.js';
import { hrToNanos } from '../otlp/fixtures.js';
import { LOG_SPAN_ID, LOG_TRACE_ID, makeLogRecords } from '../otlp/logs-fixtures.js';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const run = randomBytes(3).toString('hex');
const influx = backendUrl('influxdb1');
const influxDb = `manifold_logs_${run}`;
const clickhouse = backendUrl('clickhouse');
const clickhouseDb = `mf_logs_${run}`;
const clickhouseReader = createClient({ url: clickhouse, log: { level: ClickHouseLogLevel.OFF } });
const postgres = backendUrl('postgres');
const pgSchema = `mf_logs_${run}`;
let gateway: TestGateway;
let sent: ReadableLogRecord[];

before(async () => {
  gateway = await startTestGateway({
    backends: {
      influx: { kind: 'influxdb', url: influx, database: influxDb, create_database: true, delivery: { retry: { initial_interval: '200ms' } } },
      pg: { kind: 'postgres', url: postgres, schema: pgSchema, delivery: { retry: { initial_interval: '200ms' } } },
      ch: { kind: 'clickhouse', url: clickhouse, database: clickhouseDb, delivery: { thread: true, retry: { initial_interval: '200ms' } } },
      prom: { kind: 'prometheus', url: `${backendUrl('prometheus')}/api/v1/write` },
    },
  });
  // Recent times: retention policies and TTLs of the backends keep them.
  sent = await makeLogRecords(Date.now() - 60_000);
  for (const exporter of [
    new ProtoLogExporter({ url: `${gateway.httpUrl}/v1/logs` }),
    new JsonLogExporter({ url: `${gateway.httpUrl}/v1/logs` }),
    new GrpcLogExporter({ url: gateway.grpcUrl }),
  ]) {
    const result = await new Promise<ExportResult>((resolve) => exporter.export(sent, resolve));
    await exporter.shutdown();
    assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
  }
});

after(async () => {
  await gateway?.dispose();
  await dropDatabase(influx, influxDb).catch(() => {});
  await clickhouseReader.command({ query: `DROP DATABASE IF EXISTS \`${clickhouseDb}\`` });
  await clickhouseReader.close();
  const client = new pg.Client({ connectionString: postgres });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
  await client.end();
});

/** The body as every backend that keeps it as text holds it (the ClickHouse and InfluxDB form). */
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('base64');
  if (typeof body === 'object')
    return JSON.stringify(body, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value));
  return String(body);
}

describe('InfluxDB: measurement logs', () => {
  it('every record of the three exports, each field as sent', async () => {
    const rows = await eventually(
      () => select(influx, influxDb, 'SELECT * FROM logs ORDER BY time'),
      (found) => found.length >= sent.length,
      30_000,
      'the log records',
    );
    // Three exports of the same records: InfluxDB keeps one point per series and time.
    assert.equal(rows.length, sent.length);
    sent.forEach((record, i) => {
      const row = rows[i]!;
      const traced = record.spanContext !== undefined;
      assert.equal(row.time, hrToNanos(record.hrTime), `record ${i} time`);
      assert.equal(row.severity_number, record.severityNumber);
      assert.equal(row.severity_text, record.severityText);
      assert.equal(row.body, bodyText(record.body), `record ${i} body`);
      assert.deepEqual(JSON.parse(row.attributes as string), { index: i, 'http.route': '/cart', ratio: 0.5, tags: ['x', 'y'] });
      assert.equal(row.trace_id, traced ? LOG_TRACE_ID : undefined);
      assert.equal(row.span_id, traced ? LOG_SPAN_ID : undefined);
      assert.equal(row.event_name, record.eventName);
      assert.equal(row['service.name'], 'checkout');
      assert.equal(row['otel.library.name'], 'shop-logs');
      assert.equal(row['otel.library.version'], '2.0.1');
    });
  });
});

describe("ClickHouse: the Collector exporter's otel_logs", () => {
  interface Row {
    time: string;
    TraceId: string;
    SpanId: string;
    TraceFlags: number;
    SeverityText: string;
    SeverityNumber: number;
    ServiceName: string;
    Body: string;
    ResourceAttributes: Record<string, string>;
    ScopeName: string;
    ScopeVersion: string;
    LogAttributes: Record<string, string>;
    EventName: string;
  }
  it('every record of the three exports, each column as sent (deduplicated per batch, not across exports)', async () => {
    const query = `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS time, * EXCEPT Timestamp FROM \`${clickhouseDb}\`.otel_logs ORDER BY Timestamp`;
    const rows = await eventually(
      async () => {
        try {
          return await (await clickhouseReader.query({ query, format: 'JSONEachRow' })).json<Row>();
        } catch {
          return [];
        }
      },
      (found) => found.length >= 3 * sent.length,
      30_000,
      'the log records',
    );
    // Three exports are three batches (their own dedup tokens): every record three times.
    assert.equal(rows.length, 3 * sent.length);
    sent.forEach((record, i) => {
      const traced = record.spanContext !== undefined;
      for (const row of rows.slice(3 * i, 3 * i + 3)) {
        assert.equal(BigInt(row.time), hrToNanos(record.hrTime), `record ${i} time`);
        assert.equal(row.SeverityNumber, record.severityNumber);
        assert.equal(row.SeverityText, record.severityText);
        assert.equal(row.Body, bodyText(record.body) ?? '', `record ${i} body`);
        assert.deepEqual(row.LogAttributes, { index: String(i), 'http.route': '/cart', ratio: '0.5', tags: '["x","y"]' });
        assert.equal(row.TraceId, traced ? LOG_TRACE_ID : '');
        assert.equal(row.SpanId, traced ? LOG_SPAN_ID : '');
        assert.equal(row.TraceFlags, traced ? 1 : 0);
        assert.equal(row.EventName, record.eventName ?? '');
        assert.equal(row.ServiceName, 'checkout');
        assert.equal(row.ResourceAttributes['service.namespace'], 'shop');
        assert.equal(row.ScopeName, 'shop-logs');
        assert.equal(row.ScopeVersion, '2.0.1');
      }
    });
  });
});

/** The body as PostgreSQL's jsonb keeps it: bytes as base64, integers as exact numbers. */
function bodyJson(body: unknown): unknown {
  if (body === undefined || body === null) return null;
  return JSON.parse(JSON.stringify(body, (_key, value) => (value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value)));
}

describe('PostgreSQL: otel_logs', () => {
  it('every record once (the same record resent is stored once), each column as sent, found by a word of its body', async () => {
    const client = new pg.Client({ connectionString: postgres });
    await client.connect();
    try {
      const query = `SELECT time_unix_nano::text AS time, severity_number, severity_text, body, attributes, trace_id, span_id, flags,
          event_name, service_name, scope_name, scope_version FROM "${pgSchema}".otel_logs ORDER BY time`;
      const rows = await eventually(
        async () => (await client.query(query)).rows,
        (found) => found.length >= sent.length,
        30_000,
        'the log records',
      );
      assert.equal(rows.length, sent.length);
      sent.forEach((record, i) => {
        const row = rows[i]!;
        const traced = record.spanContext !== undefined;
        assert.equal(BigInt(row.time), hrToNanos(record.hrTime), `record ${i} time`);
        assert.equal(row.severity_number, record.severityNumber);
        assert.equal(row.severity_text, record.severityText);
        assert.deepEqual(row.body, bodyJson(record.body), `record ${i} body`);
        assert.deepEqual(row.attributes, { index: i, 'http.route': '/cart', ratio: 0.5, tags: ['x', 'y'] });
        assert.equal(row.trace_id, traced ? LOG_TRACE_ID : null);
        assert.equal(row.span_id, traced ? LOG_SPAN_ID : null);
        assert.equal(Number(row.flags), traced ? 1 : 0);
        assert.equal(row.event_name, record.eventName ?? '');
        assert.equal(row.service_name, 'checkout');
        assert.equal(row.scope_name, 'shop-logs');
        assert.equal(row.scope_version, '2.0.1');
      });
      const found = await client.query(
        `SELECT severity_text FROM "${pgSchema}".otel_logs WHERE to_tsvector('simple', left(body #>> '{}', 65536)) @@ to_tsquery('simple', 'second')`,
      );
      assert.deepEqual(
        found.rows.map((row) => row.severity_text),
        ['level-0'],
      );
    } finally {
      await client.end();
    }
  });
});

describe('routing', () => {
  it('the metrics-only backend was never handed a log record', async () => {
    const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
    assert.doesNotMatch(metrics, /manifold_backend_written_items_total\{backend="prom"\} [1-9]/);
    assert.match(metrics, /manifold_backend_written_items_total\{backend="influx"\} 27\b/);
    assert.match(metrics, /manifold_backend_written_items_total\{backend="ch"\} 27\b/);
    assert.match(metrics, /manifold_backend_written_items_total\{backend="pg"\} 27\b/);
    assert.match(metrics, /manifold_receiver_requests_total\{signal="logs",transport="grpc",outcome="ok"\} 1\b/);
  });
});
