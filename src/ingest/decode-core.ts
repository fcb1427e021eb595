import { batchSize, type Rejections, type Signal } from '../model/index.js';
import { decodeLogs, decodeMetrics, decodeTraces, type DecodeLimits, type Encoding } from '../otlp/index.js';
import { encodeBatch } from '../queue/codec.js';

/** A request decoded and encoded into one queue payload (src/queue/codec.ts), ready for the store. */
export interface EncodedRequest {
  readonly payload: Uint8Array;
  /** Points, spans or log records in the payload. */
  readonly items: number;
  readonly rejected: Rejections;
  readonly droppedAttributes: number;
  readonly truncatedValues: number;
}

/**
 * Decode + encode, on whichever thread calls it. An empty request has an empty payload (nothing to enqueue).
 * With `into`, a payload that fits is written there (a view of its start is returned): the decoder keeps copies of
 * everything it reads, so `into` may be the body's own memory.
 */
export function decodeOne(signal: Signal, body: Uint8Array, encoding: Encoding, limits: DecodeLimits, into?: Uint8Array): EncodedRequest {
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
