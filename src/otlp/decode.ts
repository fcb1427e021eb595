/** The decoding entry points the receivers call: body bytes in, model batch and rejections out. */
import protobuf from 'protobufjs';
import { DecodeContext } from './context.js';
import { decodeJson } from './json.js';
import type { MetricsRequestMsg, TraceRequestMsg } from './messages.js';
import { pointsFromRequest } from './metrics.js';
import { ExportMetricsServiceRequest, ExportTraceServiceRequest } from './proto.js';
import { readMetrics } from './read-metrics.js';
import { readTraces } from './read-traces.js';
import { spansFromRequest } from './traces.js';
import { WireError } from './wire.js';
import { DEFAULT_DECODE_LIMITS, OtlpDecodeError } from './types.js';
import type { DecodeLimits, DecodedRequest, Encoding } from './types.js';

/**
 * Protobuf bodies go through the purpose-written reader (read-traces.ts / read-metrics.ts: bytes straight
 * to the model); JSON through protobufjs's schema and the shared converters. The protobufjs path for
 * protobuf stays as the reference the reader is tested against (decodeTracesReference / decodeMetricsReference).
 */
export function decodeTraces(body: Uint8Array, encoding: Encoding, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  if (encoding === 'json') return decodeTracesReference(body, encoding, limits);
  const ctx = new DecodeContext(limits);
  const spans = readWire(body, 'ExportTraceServiceRequest', (buf) => readTraces(buf, ctx));
  return result(ctx, { metrics: [], spans });
}

/** The protobufjs path (decode to message objects, then convert): the reference for the reader. */
export function decodeTracesReference(body: Uint8Array, encoding: Encoding, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  const ctx = new DecodeContext(limits);
  const spans = guardDepth(() => spansFromRequest(decodeMessage<TraceRequestMsg>(body, encoding, ExportTraceServiceRequest), ctx));
  return result(ctx, { metrics: [], spans });
}

export function decodeMetrics(body: Uint8Array, encoding: Encoding, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  if (encoding === 'json') return decodeMetricsReference(body, encoding, limits);
  const ctx = new DecodeContext(limits);
  const metrics = readWire(body, 'ExportMetricsServiceRequest', (buf) => readMetrics(buf, ctx));
  return result(ctx, { metrics, spans: [] });
}

/** The protobufjs path (decode to message objects, then convert): the reference for the reader. */
export function decodeMetricsReference(body: Uint8Array, encoding: Encoding, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedRequest {
  const ctx = new DecodeContext(limits);
  const metrics = guardDepth(() => pointsFromRequest(decodeMessage<MetricsRequestMsg>(body, encoding, ExportMetricsServiceRequest), ctx));
  return result(ctx, { metrics, spans: [] });
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

function decodeMessage<T>(body: Uint8Array, encoding: Encoding, type: protobuf.Type): T {
  if (encoding === 'json') return decodeJson<T>(body, type);
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
