/**
 * OTLP logs into the receivers (issue 15), with the OpenTelemetry SDK's own log exporters as senders: the queue
 * payload the receivers make from each transport (HTTP protobuf, HTTP JSON, gRPC; gzip) holds what was sent; a
 * started gateway answers bad input as for the other signals, reports bad records in the partial success, and,
 * with no backend taking logs, accepts them and counts them as dropped, as it does any signal no backend takes
 * (manifold_backend_dropped_items_total{backend="(none)",reason="no_backend_for_logs"}).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { pino } from 'pino';
import { createDecoder } from '../../src/ingest/decode-pool.js';
import type { LogRecord } from '../../src/model/index.js';
import { DEFAULT_DECODE_LIMITS } from '../../src/otlp/index.js';
import { ExportLogsServiceRequest, ExportLogsServiceResponse } from '../../src/otlp/proto.js';
import { startGrpcReceiver } from '../../src/receivers/grpc.js';
import { startHttpReceiver } from '../../src/receivers/http.js';
import { decodeBatch } from '../../src/queue/codec.js';
import { assertLogsAsSent, makeLogRecords } from '../otlp/logs-fixtures.js';
import { backendUrl } from '../support/backends.js';
import { type TestGateway, startTestGateway } from '../support/gateway.js';

let sdkRecords: ReadableLogRecord[];
before(async () => {
  sdkRecords = await makeLogRecords();
  assert.equal(sdkRecords.length, 9);
});

function exportOnce(exporter: LogRecordExporter, records: ReadableLogRecord[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(records, resolve)).finally(() => exporter.shutdown()) as Promise<ExportResult>;
}

describe('logs receivers make queue payloads of what the SDK exporters send', () => {
  // The receivers' own code and decoder, with a sink that keeps what would be queued.
  const received: { signal: string; logs: readonly LogRecord[] }[] = [];
  const logger = pino({ level: 'silent' });
  const deps = {
    sink: {
      accept: async (request: { signal: string; payload: Uint8Array }) => {
        received.push({ signal: request.signal, logs: decodeBatch(request.payload).logs });
      },
    },
    decoder: createDecoder({ threads: 0, limits: DEFAULT_DECODE_LIMITS, logger }),
    observer: { request: () => {} },
    logger,
    maxRequestBytes: 4 << 20,
  };
  let http: Awaited<ReturnType<typeof startHttpReceiver>>;
  let grpc: Awaited<ReturnType<typeof startGrpcReceiver>>;
  before(async () => {
    http = await startHttpReceiver(deps as never, '127.0.0.1', 0);
    grpc = await startGrpcReceiver(deps as never, '127.0.0.1', 0);
  });
  after(async () => {
    await http.close();
    await grpc.close(1_000);
  });

  const cases: [string, () => LogRecordExporter][] = [
    ['HTTP protobuf, gzip', () => new ProtoLogExporter({ url: `http://${http.address}/v1/logs`, compression: 'gzip' as never })],
    ['HTTP JSON', () => new JsonLogExporter({ url: `http://${http.address}/v1/logs` })],
    ['gRPC, gzip', () => new GrpcLogExporter({ url: `http://${grpc.address}`, compression: 'gzip' as never })],
  ];
  for (const [name, exporter] of cases) {
    it(`${name}: every record, every body type, as sent`, { timeout: 30_000 }, async () => {
      received.length = 0;
      const result = await exportOnce(exporter(), sdkRecords);
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
      assert.equal(received.length, 1);
      assert.equal(received[0]?.signal, 'logs');
      assertLogsAsSent(received[0]?.logs ?? [], sdkRecords);
    });
  }
});

describe('a started gateway with no backend taking logs', () => {
  let g: TestGateway;
  before(async () => {
    g = await startTestGateway({
      backends: { vm: { kind: 'prometheus', url: `${backendUrl('victoria')}/api/v1/write`, delivery: { paused: true } } },
    });
  });
  after(async () => g.dispose());

  const scrape = async (pattern: RegExp) => pattern.exec(await (await fetch(`${g.adminUrl}/metrics`)).text())?.[1] ?? '0';
  const dropped = () => scrape(/^manifold_backend_dropped_items_total\{backend="\(none\)",reason="no_backend_for_logs"\} (\d+)/m);
  const post = (body: Uint8Array | string, contentType: string) =>
    fetch(`${g.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const protobufBody = (records: Record<string, unknown>[]) =>
    ExportLogsServiceRequest.encode(
      ExportLogsServiceRequest.fromObject({ resourceLogs: [{ scopeLogs: [{ scope: { name: 'rx' }, logRecords: records }] }] }),
    ).finish();

  it("takes the SDK exporters' requests on all three transports, counts the records as dropped, queues nothing", {
    timeout: 60_000,
  }, async () => {
    for (const exporter of [
      new ProtoLogExporter({ url: `${g.httpUrl}/v1/logs` }),
      new JsonLogExporter({ url: `${g.httpUrl}/v1/logs` }),
      new GrpcLogExporter({ url: g.grpcUrl }),
    ]) {
      const result = await exportOnce(exporter, sdkRecords);
      assert.equal(result.code, ExportResultCode.SUCCESS, String(result.error));
    }
    assert.equal(await dropped(), String(3 * sdkRecords.length));
    assert.equal(await scrape(/^manifold_queue_jobs\{backend="vm"\} (\d+)/m), '0');
    assert.equal(await scrape(/^manifold_receiver_requests_total\{signal="logs",transport="grpc",outcome="ok"\} (\d+)/m), '1');
  });

  it('a bad trace id: rejected_log_records with the reason; the good record is counted as dropped', async () => {
    const before = Number(await dropped());
    const response = await post(protobufBody([{ body: { stringValue: 'fine' } }, { traceId: Buffer.alloc(15, 1) }]), 'application/x-protobuf');
    assert.equal(response.status, 200);
    const answer = ExportLogsServiceResponse.toObject(ExportLogsServiceResponse.decode(new Uint8Array(await response.arrayBuffer())), {
      longs: Number,
    });
    assert.equal(answer.partialSuccess.rejectedLogRecords, 1);
    assert.match(answer.partialSuccess.errorMessage, /log record 1 of scope "rx": trace_id must be 16 bytes, got 15/);
    assert.equal(Number(await dropped()), before + 1);

    const json = await post(
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: 'abcd', body: { stringValue: 'x' } }] }] }] }),
      'application/json',
    );
    assert.equal(json.status, 200);
    assert.deepEqual(await json.json(), {
      partialSuccess: { rejectedLogRecords: '1', errorMessage: 'log record 0 of scope "": trace_id must be 16 bytes, got 2' },
    });
  });

  it("bad input gets the other signals' answers: 415, 400 for truncated protobuf and for bad JSON", async () => {
    const wrongType = await post('x', 'text/plain');
    assert.equal(wrongType.status, 415);
    assert.match(
      ((await wrongType.json()) as { message: string }).message,
      /unsupported Content-Type "text\/plain"; expected application\/x-protobuf or application\/json/,
    );
    const whole = protobufBody([{ body: { stringValue: 'some text long enough to cut' } }]);
    const truncated = await post(whole.subarray(0, whole.length - 4), 'application/x-protobuf');
    assert.equal(truncated.status, 400);
    const badJson = await post('{"resourceLogs": [', 'application/json');
    assert.equal(badJson.status, 400);
    assert.match(((await badJson.json()) as { message: string }).message, /JSON/i);
    const notAnEndpoint = await fetch(`${g.httpUrl}/v1/profiles`, { method: 'POST' });
    assert.match(await notAnEndpoint.text(), /POST \/v1\/logs/);
  });
});
