import type { Rejections } from '../model/index.js';

/** A request decoded and encoded into one queue payload (src/queue/codec.ts), ready for the store. */
export interface EncodedRequest {
  readonly payload: Uint8Array;
  /** Points, spans or log records in the payload. */
  readonly items: number;
  readonly rejected: Rejections;
  readonly droppedAttributes: number;
  readonly truncatedValues: number;
}
