import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonMetricsSerializer, ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { encodeErrorStatus, encodeExportResponse } from '../../src/otlp/index.js';
import { ExportMetricsServiceResponse, ExportTraceServiceResponse, RpcStatus } from '../../src/otlp/proto.js';

const rejected = { count: 3, messages: ['span 0 of scope "x": start_time_unix_nano is 0', 'span 2 of scope "x": span_id must not be all zero'] };

describe('encodeExportResponse', () => {
  it('is empty without rejections', () => {
    assert.equal(encodeExportResponse('traces', 'protobuf', { count: 0, messages: [] }).length, 0);
    assert.deepEqual(JSON.parse(Buffer.from(encodeExportResponse('metrics', 'json', { count: 0, messages: [] })).toString()), {});
  });

  it('carries partial_success for traces (protobuf)', () => {
    const body = encodeExportResponse('traces', 'protobuf', rejected);
    const decoded = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(body), { longs: String });
    assert.deepEqual(decoded, {
      partialSuccess: {
        rejectedSpans: '3',
        errorMessage: 'span 0 of scope "x": start_time_unix_nano is 0; span 2 of scope "x": span_id must not be all zero; and 1 more rejected',
      },
    });
    // What the OpenTelemetry JS exporter itself makes of it.
    const seen = ProtobufTraceSerializer.deserializeResponse(body);
    assert.equal(Number(seen.partialSuccess?.rejectedSpans), 3);
    assert.match(seen.partialSuccess?.errorMessage ?? '', /start_time_unix_nano is 0/);
  });

  it('carries partial_success for metrics (protobuf and JSON)', () => {
    const one = { count: 1, messages: ['point 0 of metric "m": time_unix_nano is 0'] };
    const body = encodeExportResponse('metrics', 'protobuf', one);
    const decoded = ExportMetricsServiceResponse.toObject(ExportMetricsServiceResponse.decode(body), { longs: Number });
    assert.deepEqual(decoded, { partialSuccess: { rejectedDataPoints: 1, errorMessage: one.messages[0] } });
    assert.equal(Number(ProtobufMetricsSerializer.deserializeResponse(body).partialSuccess?.rejectedDataPoints), 1);
    const json = encodeExportResponse('metrics', 'json', one);
    assert.deepEqual(JSON.parse(Buffer.from(json).toString()), { partialSuccess: { rejectedDataPoints: '1', errorMessage: one.messages[0] } });
    assert.equal(Number(JsonMetricsSerializer.deserializeResponse(json).partialSuccess?.rejectedDataPoints), 1);
  });
});

describe('encodeErrorStatus', () => {
  it('is a google.rpc.Status in either encoding', () => {
    const message = 'invalid protobuf: index out of range at byte 27 of 30 (in ExportTraceServiceRequest)';
    const pb = encodeErrorStatus('protobuf', 3, message);
    assert.deepEqual(RpcStatus.toObject(RpcStatus.decode(pb)), { code: 3, message });
    assert.deepEqual(JSON.parse(Buffer.from(encodeErrorStatus('json', 14, 'unavailable')).toString()), { code: 14, message: 'unavailable' });
  });
});
