/** ExportLogsServiceRequest (decoded by either encoding) to model log records, validating record by record. */
import type { InstrumentationScope, LogRecord, Resource } from '../model/index.js';
import type { DecodeContext } from './context.js';
import type { LogRecordMsg, LogsRequestMsg } from './messages.js';
import { INT64_MAX, idHex, idProblem, toBigInt } from './scalars.js';

export function logsFromRequest(req: LogsRequestMsg, ctx: DecodeContext): LogRecord[] {
  const out: LogRecord[] = [];
  for (const rl of req.resourceLogs) {
    const resource = ctx.resource(rl.resource, rl.schemaUrl);
    for (const sl of rl.scopeLogs) {
      const scope = ctx.scope(sl.scope, sl.schemaUrl);
      const records = sl.logRecords;
      for (let i = 0; i < records.length; i++) {
        const record = toLogRecord(records[i] as LogRecordMsg, resource, scope, i, ctx);
        if (record !== undefined) out.push(record);
      }
    }
  }
  return out;
}

function toLogRecord(m: LogRecordMsg, resource: Resource, scope: InstrumentationScope, index: number, ctx: DecodeContext): LogRecord | undefined {
  const traceId = idHex(m.traceId);
  const spanId = idHex(m.spanId);
  const time = toBigInt(m.timeUnixNano);
  const observed = toBigInt(m.observedTimeUnixNano);
  const problem = logRecordProblem(traceId, spanId, time, observed, m.severityNumber);
  if (problem !== '') {
    ctx.reject(1, logRejection(index, scope, problem));
    return undefined;
  }
  const body = ctx.value(m.body);
  const attributes = ctx.attributes(m.attributes);
  return {
    resource,
    scope,
    timeUnixNano: time,
    observedTimeUnixNano: observed,
    severityNumber: m.severityNumber,
    severityText: m.severityText,
    body,
    attributes,
    droppedAttributesCount: m.droppedAttributesCount + ctx.lastDropped,
    flags: m.flags,
    traceId,
    spanId,
    eventName: m.eventName,
  };
}

export function logRejection(index: number, scope: InstrumentationScope, problem: string): string {
  return `log record ${index} of scope "${scope.name}": ${problem}`;
}

/**
 * Why a record is rejected ('' when it is fine). Trace context is optional on logs, so an absent id passes;
 * a present one must have its length and must not be all zero. A span id needs a trace id.
 */
export function logRecordProblem(traceId: string, spanId: string, time: bigint, observed: bigint, severityNumber: number): string {
  let problem = traceId === '' ? '' : idProblem('trace_id', traceId, 16);
  if (problem === '' && spanId !== '') problem = idProblem('span_id', spanId, 8);
  if (problem === '' && spanId !== '' && traceId === '') problem = 'span_id is set without a trace_id';
  if (problem !== '') return problem;
  if (time > INT64_MAX) return `time_unix_nano ${time} is beyond int64 nanoseconds (year 2262)`;
  if (observed > INT64_MAX) return `observed_time_unix_nano ${observed} is beyond int64 nanoseconds (year 2262)`;
  if (severityNumber < 0 || severityNumber > 24) return `severity_number ${severityNumber} is outside 0-24`;
  return '';
}
