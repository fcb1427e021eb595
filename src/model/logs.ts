import type { AttributeValue, Attributes } from './attributes.js';
import type { InstrumentationScope, Resource } from './resource.js';

/** OTLP SeverityNumber: 0 is unspecified, 1-24 run TRACE, DEBUG, INFO, WARN, ERROR, FATAL (four steps each). */
export type SeverityNumber = number;

/** One OTLP LogRecord; resource and scope are shared by reference, as for points and spans. */
export interface LogRecord {
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
  /** 0n when the sender gave none (the record then has only its observed time). */
  readonly timeUnixNano: bigint;
  readonly observedTimeUnixNano: bigint;
  readonly severityNumber: SeverityNumber;
  readonly severityText: string;
  /** Any AnyValue: string, number, bigint, boolean, bytes, array, kvlist; null when the record has no body. */
  readonly body: AttributeValue;
  readonly attributes: Attributes;
  readonly droppedAttributesCount: number;
  /** W3C trace flags in the low 8 bits. */
  readonly flags: number;
  /** Lower-case hex; '' when the record is not part of a trace. */
  readonly traceId: string;
  readonly spanId: string;
  /** '' when the record is not an event. */
  readonly eventName: string;
}

/** The record's time, or its observed time when the sender gave none (0n), as the Collector's exporters place it. */
export function logTime(record: LogRecord): bigint {
  return record.timeUnixNano !== 0n ? record.timeUnixNano : record.observedTimeUnixNano;
}
