/** The decoding entry points the receivers call: body bytes in, model batch and rejections out. */
import { DecodeContext } from './context.js';
import { decodeJson } from './json.js';
import { logsFromRequest } from './logs.js';
import type { LogsRequestMsg, MetricsRequestMsg, TraceRequestMsg } from './messages.js';
import { pointsFromRequest } from './metrics.js';
import { ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest } from './proto.js';
import { readLogs } from './read-logs.js';
import { readMetrics } from './read-metrics.js';
import { readTraces } from './read-traces.js';
import { spansFromRequest } from './traces.js';
import { WireError } from './wire.js';
import { DEFAULT_DECODE_LIMITS, OtlpDecodeError } from './types.js';
import type { DecodeLimits, DecodedLogs, DecodedRequest, Encoding } from './types.js';

/**
 * Protobuf bodies go through the purpose-written reader (read-traces.ts / read-metrics.ts: bytes straight
 * to the model); JSON through protobufjs's schema and the shared converters (tracesFromMessages / metricsFromMessages).
 */
export function decodeTraces(body: Uint8Array, encoding: Encoding, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  if (encoding === 'json') return tracesFromMessages(() => decodeJson<TraceRequestMsg>(body, ExportTraceServiceRequest), limits);
  const ctx = new DecodeContext(limits);
  const spans = readWire(body, 'ExportTraceServiceRequest', (buf) => readTraces(buf, ctx));
  return result(ctx, { metrics: [], spans, logs: [] });
}

export function decodeMetrics(body: Uint8Array, encoding: Encoding, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  if (encoding === 'json') return metricsFromMessages(() => decodeJson<MetricsRequestMsg>(body, ExportMetricsServiceRequest), limits);
  const ctx = new DecodeContext(limits);
  const metrics = readWire(body, 'ExportMetricsServiceRequest', (buf) => readMetrics(buf, ctx));
  return result(ctx, { metrics, spans: [], logs: [] });
}

/**
 * protobufjs message objects (made by `decode`) to model spans through the shared converters: the JSON path, and
 * for protobuf the reference the reader is tested against (test/otlp/reference.ts).
 */
export function tracesFromMessages(decode: () => TraceRequestMsg, limits: DecodeLimits): DecodedRequest {
  const ctx = new DecodeContext(limits);
  const spans = guardDepth(() => spansFromRequest(decode(), ctx));
  return result(ctx, { metrics: [], spans, logs: [] });
}

/** As tracesFromMessages(), to model points. */
export function metricsFromMessages(decode: () => MetricsRequestMsg, limits: DecodeLimits): DecodedRequest {
  const ctx = new DecodeContext(limits);
  const metrics = guardDepth(() => pointsFromRequest(decode(), ctx));
  return result(ctx, { metrics, spans: [], logs: [] });
}

/**
 * As decodeTraces() (protobuf through read-logs.ts). Logs come back apart from TelemetryBatch (whose `logs` the
 * queue format carries) while nothing routes them to a queue (src/receivers/logs-intake.ts).
 */
export function decodeLogs(body: Uint8Array, encoding: Encoding, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedLogs {
  if (encoding === 'json') return logsFromMessages(() => decodeJson<LogsRequestMsg>(body, ExportLogsServiceRequest), limits);
  const ctx = new DecodeContext(limits);
  const logs = readWire(body, 'ExportLogsServiceRequest', (buf) => readLogs(buf, ctx));
  return { logs, rejected: ctx.rejected, droppedAttributes: ctx.droppedAttributes, truncatedValues: ctx.truncatedValues };
}

/** As tracesFromMessages(), to model log records. */
export function logsFromMessages(decode: () => LogsRequestMsg, limits: DecodeLimits): DecodedLogs {
  const ctx = new DecodeContext(limits);
  const logs = guardDepth(() => logsFromRequest(decode(), ctx));
  return { logs, rejected: ctx.rejected, droppedAttributes: ctx.droppedAttributes, truncatedValues: ctx.truncatedValues };
}

function readWire<T>(body: Uint8Array, root: string, read: (buf: Buffer) => T): T {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  try {
    return read(buf);
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    const path = err.path.reverse().join(' > ');
    throw new OtlpDecodeError(`invalid protobuf: ${err.problem} (reading ${path}) at byte ${err.at} of ${buf.length} (in ${root})`);
  }
}

function result(ctx: DecodeContext, batch: DecodedRequest['batch']): DecodedRequest {
  return { batch, rejected: ctx.rejected, droppedAttributes: ctx.droppedAttributes, truncatedValues: ctx.truncatedValues };
}

/** AnyValue nests without bound; a hostile body can exhaust the stack. That is bad input, not a crash. */
function guardDepth<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new OtlpDecodeError('request nests values too deeply');
    }
    throw err;
  }
}
