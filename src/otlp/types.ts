import type { LogRecord, Rejections, TelemetryBatch } from '../model/index.js';

export interface DecodeLimits {
  /** Attributes kept per resource, scope, span, event, link or point; the rest are dropped and counted. */
  maxAttributes: number;
  /** Longer string values are truncated to this many UTF-16 code units. */
  maxAttributeValueLength: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxAttributes: 128,
  maxAttributeValueLength: 16384,
});

export interface DecodedRequest {
  batch: TelemetryBatch;
  /** Items that failed validation (OTLP partial success). */
  rejected: Rejections;
  /** Attributes dropped by maxAttributes (also added to each item's droppedAttributesCount where it has one). */
  droppedAttributes: number;
  /** String values cut to maxAttributeValueLength. */
  truncatedValues: number;
}

/** As DecodedRequest, for a logs request. */
export interface DecodedLogs extends Omit<DecodedRequest, 'batch'> {
  logs: LogRecord[];
}

/** The body as a whole does not decode: the receiver answers 400 with this message. */
export class OtlpDecodeError extends Error {
  override name = 'OtlpDecodeError';
}

export type Encoding = 'protobuf' | 'json';
