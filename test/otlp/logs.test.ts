import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { OtlpDecodeError, decodeLogs } from '../../src/otlp/index.js';
import { ExportLogsServiceRequest } from '../../src/otlp/proto.js';
import { assertLogsAsSent, makeLogRecords } from './logs-fixtures.js';

let sdkRecords: ReadableLogRecord[];
before(async () => {
  sdkRecords = await makeLogRecords();
  assert.equal(sdkRecords.length, 9, 'the SDK emitted every record');
});

describe('decodeLogs with OpenTelemetry JS SDK output', () => {
  it('decodes protobuf (as exporter-logs-otlp-proto and -grpc send it) field by field', () => {
    const decoded = decodeLogs(ProtobufLogsSerializer.serializeRequest(sdkRecords)!, 'protobuf');
    assert.deepEqual(decoded.rejected, { count: 0, messages: [] });
    assertLogsAsSent(decoded.logs, sdkRecords);
  });

  it('decodes JSON (as exporter-logs-otlp-http sends it) to the same records', () => {
    const json = decodeLogs(JsonLogsSerializer.serializeRequest(sdkRecords)!, 'json');
    assert.deepEqual(json.rejected, { count: 0, messages: [] });
    assertLogsAsSent(json.logs, sdkRecords);
    const proto = decodeLogs(ProtobufLogsSerializer.serializeRequest(sdkRecords)!, 'protobuf');
    assert.deepEqual(json.logs, proto.logs);
  });
});

function body(records: Record<string, unknown>[]): Uint8Array {
  const msg = ExportLogsServiceRequest.fromObject({ resourceLogs: [{ scopeLogs: [{ scope: { name: 'bad' }, logRecords: records }] }] });
  return ExportLogsServiceRequest.encode(msg).finish();
}

describe('decodeLogs validation', () => {
  it('rejects a record with a bad trace id length, naming it, and keeps the others', () => {
    const decoded = decodeLogs(
      body([
        { severityText: 'ok', body: { stringValue: 'kept' } },
        { traceId: Buffer.alloc(15, 1), spanId: Buffer.alloc(8, 1) },
        { traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(7, 1) },
        { spanId: Buffer.alloc(8, 1) },
        { traceId: Buffer.alloc(16, 0) },
        { severityNumber: 25 },
      ]),
      'protobuf',
    );
    assert.equal(decoded.logs.length, 1);
    assert.deepEqual(decoded.logs[0]?.body, 'kept');
    assert.equal(decoded.rejected.count, 5);
    assert.deepEqual(decoded.rejected.messages, [
      'log record 1 of scope "bad": trace_id must be 16 bytes, got 15',
      'log record 2 of scope "bad": span_id must be 8 bytes, got 7',
      'log record 3 of scope "bad": span_id is set without a trace_id',
      'log record 4 of scope "bad": trace_id must not be all zero',
      'log record 5 of scope "bad": severity_number 25 is outside 0-24',
    ]);
  });

  it('refuses a truncated protobuf body and bad JSON as a whole', async () => {
    const whole = ProtobufLogsSerializer.serializeRequest(await makeLogRecords())!;
    assert.throws(
      () => decodeLogs(whole.subarray(0, whole.length - 5), 'protobuf'),
      (err) => err instanceof OtlpDecodeError && /invalid protobuf: .*ExportLogsServiceRequest/.test(err.message),
    );
    assert.throws(() => decodeLogs(Buffer.from('{"resourceLogs": ['), 'json'), OtlpDecodeError);
  });

  it('keeps a JSON trace id that is not hex out, naming the problem', () => {
    const json = Buffer.from(
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: 'zz'.repeat(16), body: { stringValue: 'x' } }] }] }] }),
    );
    const decoded = decodeLogs(json, 'json');
    assert.equal(decoded.logs.length, 0);
    assert.deepEqual(decoded.rejected.messages, ['log record 0 of scope "": trace_id must be 16 bytes as hex, got a non-hex string']);
  });
});
