/** OTLP response bodies: Export*ServiceResponse (with partial success) and google.rpc.Status errors. */
import type { Signal, Rejections } from '../model/index.js';
import { ExportLogsServiceResponse, ExportMetricsServiceResponse, ExportTraceServiceResponse, RpcStatus } from './proto.js';
import type { Encoding } from './types.js';

const EMPTY_PROTOBUF = new Uint8Array(0);
const REJECTED_KEYS = { traces: 'rejectedSpans', metrics: 'rejectedDataPoints', logs: 'rejectedLogRecords' } as const;
const RESPONSES = { traces: ExportTraceServiceResponse, metrics: ExportMetricsServiceResponse, logs: ExportLogsServiceResponse } as const;

/** The partial_success error_message: the kept messages, and how many rejections they do not cover. */
export function rejectionSummary(rejected: Rejections): string {
  const text = rejected.messages.join('; ');
  const unexplained = rejected.count - rejected.messages.length;
  return unexplained > 0 ? `${text}${text ? '; ' : ''}and ${unexplained} more rejected` : text;
}

export function encodeExportResponse(signal: Signal, encoding: Encoding, rejected: Rejections): Uint8Array {
  if (rejected.count <= 0) return encoding === 'json' ? Buffer.from('{}') : EMPTY_PROTOBUF;
  const errorMessage = rejectionSummary(rejected);
  const countKey = REJECTED_KEYS[signal];
  if (encoding === 'json') {
    // proto3 JSON writes int64 as a decimal string.
    return Buffer.from(JSON.stringify({ partialSuccess: { [countKey]: String(rejected.count), errorMessage } }));
  }
  const type = RESPONSES[signal];
  return type.encode(type.fromObject({ partialSuccess: { [countKey]: rejected.count, errorMessage } })).finish();
}

/** The OTLP/HTTP error body: a google.rpc.Status in the request's encoding. `code` is a gRPC code. */
export function encodeErrorStatus(encoding: Encoding, code: number, message: string): Uint8Array {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  return RpcStatus.encode(RpcStatus.fromObject({ code, message })).finish();
}
