/**
 * The reference the purpose-written protobuf reader is tested (test/otlp/reader-differential.test.ts) and
 * benchmarked (bench/decode-micro.ts) against: protobufjs decodes the body to message objects, the shared
 * converters make the model, as the JSON path does.
 */
import protobuf from 'protobufjs';
import { logsFromMessages, metricsFromMessages, tracesFromMessages } from '../../src/otlp/decode.js';
import type { LogsRequestMsg, MetricsRequestMsg, TraceRequestMsg } from '../../src/otlp/messages.js';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from '../../src/otlp/proto.js';
import { DEFAULT_DECODE_LIMITS, OtlpDecodeError } from '../../src/otlp/types.js';
import type { DecodeLimits, DecodedLogs, DecodedRequest } from '../../src/otlp/types.js';

export function decodeTracesReference(body: Uint8Array, _encoding: 'protobuf', limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  return tracesFromMessages(() => decodeProtobuf<TraceRequestMsg>(body, ExportTraceServiceRequest), limits);
}

export function decodeMetricsReference(body: Uint8Array, _encoding: 'protobuf', limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  return metricsFromMessages(() => decodeProtobuf<MetricsRequestMsg>(body, ExportMetricsServiceRequest), limits);
}

export function decodeLogsReference(body: Uint8Array, _encoding: 'protobuf', limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedLogs {
  return logsFromMessages(() => decodeProtobuf<LogsRequestMsg>(body, ExportLogsServiceRequest), limits);
}

function decodeProtobuf<T>(body: Uint8Array, type: protobuf.Type): T {
  // A Buffer makes protobufjs hand out bytes fields as views (no copies) and read strings natively.
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const reader = protobuf.Reader.create(buf);
  try {
    return type.decode(reader) as unknown as T;
  } catch (err) {
    // The reader stops where decoding failed: name the byte, protobufjs's messages often do not.
    const where = / at offset \d+$/.test((err as Error).message) ? '' : ` at byte ${reader.pos} of ${reader.len}`;
    throw new OtlpDecodeError(`invalid protobuf: ${(err as Error).message}${where} (in ${type.name})`);
  }
}
