/**
 * One OTLP log record as one line of the Collector's `logs` measurement (influxdb exporter, otel2influx): the
 * resource's attributes and the scope as tags (the caller applies them), trace_id and span_id as tags, then the
 * fields severity_number, severity_text, body and dropped_attributes_count.
 *
 * Where this differs from the Collector, it is to keep records the Collector would lose:
 * - body is always a string field (a number, bool, array or map body in its text form, bytes as base64), and the
 *   record's attributes are one JSON field `attributes`, as this adapter writes span attributes. The Collector
 *   writes the body and each attribute with its own type, and InfluxDB refuses a point whose field changes type
 *   (a body that is a number in one record and text in the next), with the rest of its request.
 * - a record with no time is written at its observed time (the Collector refuses it);
 * - event_name is a field (the Collector has none).
 */
import { type LogRecord, logTime, valueText } from '../../model/index.js';
import type { LineBuilder } from './line.js';

export const SKIP_EMPTY_LOG = 'log record with no body, severity or attribute (a line needs a field)';

/**
 * Adds the record's own tags and fields to the begun line and ends it; `attributes` is the record's attributes as
 * JSON (undefined when it has none). False when nothing was written.
 */
export function logLine(builder: LineBuilder, record: LogRecord, attributes: string | undefined): boolean {
  if (record.traceId !== '') {
    builder.tag('trace_id', record.traceId);
    if (record.spanId !== '') builder.tag('span_id', record.spanId);
  }
  if (record.severityNumber !== 0) builder.int('severity_number', record.severityNumber);
  if (record.severityText !== '') builder.string('severity_text', record.severityText);
  if (record.body !== null) builder.string('body', valueText(record.body));
  if (attributes !== undefined) builder.string('attributes', attributes);
  if (record.eventName !== '') builder.string('event_name', record.eventName);
  if (record.droppedAttributesCount > 0) builder.int('dropped_attributes_count', record.droppedAttributesCount);
  return builder.end(logTime(record));
}
