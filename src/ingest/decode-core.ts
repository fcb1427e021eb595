import { batchSize, type Signal } from '../model/index.js';
import { decodeLogs, decodeMetrics, decodeTraces, type DecodeLimits, type Encoding } from '../otlp/index.js';
import { encodeBatch } from '../queue/codec.js';
import type { EncodedRequest } from './encoded-request.js';
import { encodeLogsOnePass } from './logs-one-pass.js';

export type { EncodedRequest } from './encoded-request.js';

/**
 * Decode + encode, on whichever thread calls it; a logs protobuf request in one pass when it can (logs-one-pass.ts).
 * An empty request has an empty payload (nothing to enqueue).
 * With `into`, a payload that fits is written there (a view of its start is returned): the decoder keeps copies of
 * everything it reads, so `into` may be the body's own memory.
 */
export function decodeOne(signal: Signal, body: Uint8Array, encoding: Encoding, limits: DecodeLimits, into?: Uint8Array): EncodedRequest {
  if (signal === 'logs' && encoding === 'protobuf') {
    const written = encodeLogsOnePass(body, limits, into);
    if (written !== undefined) return written;
  }
  return decodeTwoPass(signal, body, encoding, limits, into);
}

/** decodeOne() through the model: the decoder's batch, then encodeBatch(). */
export function decodeTwoPass(signal: Signal, body: Uint8Array, encoding: Encoding, limits: DecodeLimits, into?: Uint8Array): EncodedRequest {
  const decoded = decodeSignal(signal, body, encoding, limits);
  const items = batchSize(decoded.batch);
  return {
    payload: items > 0 ? encodeBatch(decoded.batch, into) : new Uint8Array(0),
    items,
    rejected: decoded.rejected,
    droppedAttributes: decoded.droppedAttributes,
    truncatedValues: decoded.truncatedValues,
  };
}

function decodeSignal(signal: Signal, body: Uint8Array, encoding: Encoding, limits: DecodeLimits) {
  if (signal === 'traces') return decodeTraces(body, encoding, limits);
  if (signal === 'metrics') return decodeMetrics(body, encoding, limits);
  const { logs, ...counts } = decodeLogs(body, encoding, limits);
  return { batch: { metrics: [], spans: [], logs }, ...counts };
}

export interface DecodeRequestMessage {
  readonly id: number;
  readonly signal: Signal;
  readonly encoding: Encoding;
  readonly body: Uint8Array;
}

export type DecodeReplyMessage =
  | { readonly id: number; readonly ok: true; readonly result: EncodedRequest }
  /** The payload was written over the request's shared body, from its first byte (`payloadBytes` long): nothing transferred. */
  | { readonly id: number; readonly ok: true; readonly result: Omit<EncodedRequest, 'payload'>; readonly payloadBytes: number }
  | { readonly id: number; readonly ok: false; readonly decodeError: boolean; readonly message: string; readonly stack?: string | undefined };
