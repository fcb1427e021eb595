/**
 * One log record of a queue payload (format version 4 and later; the layout: binary-format.ts), read over the
 * shared context reader: its resource and scope by reference, then its own fields.
 *
 * Hot path: one object literal with the model's fields in the model's order, so every record has one shape.
 */
import type { LogRecord } from '../model/index.js';
import type { ContextReader } from './binary-context-reader.js';

export function readLogRecord(reader: ContextReader): LogRecord {
  const resource = reader.resource();
  const scope = reader.scope();
  const timeUnixNano = reader.bigint();
  const observedTimeUnixNano = reader.bigint();
  const severityNumber = reader.int();
  const severityText = reader.text();
  const body = reader.value();
  const attributes = reader.attributes();
  const droppedAttributesCount = reader.int();
  const flags = reader.int();
  const traceId = reader.id();
  const spanId = reader.id();
  const eventName = reader.text();
  return {
    resource,
    scope,
    timeUnixNano,
    observedTimeUnixNano,
    severityNumber,
    severityText,
    body,
    attributes,
    droppedAttributesCount,
    flags,
    traceId,
    spanId,
    eventName,
  };
}
