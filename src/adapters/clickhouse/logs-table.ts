/** otel_logs (migration 0005) and its columns in the order logRow (encode-logs.ts) emits them; no imports, so TABLES can hold it. */
export const LOGS_TABLE = {
  table: 'otel_logs',
  columns: [
    'Timestamp',
    'TraceId',
    'SpanId',
    'TraceFlags',
    'SeverityText',
    'SeverityNumber',
    'ServiceName',
    'Body',
    'ResourceSchemaUrl',
    'ResourceAttributes',
    'ScopeSchemaUrl',
    'ScopeName',
    'ScopeVersion',
    'ScopeAttributes',
    'LogAttributes',
    'EventName',
  ],
} as const;
