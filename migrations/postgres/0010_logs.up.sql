-- OTLP log records, in both layouts (logs do not depend on the wide/series choice for metrics, so no
-- `requires layout`). {{schema}} is the configured schema, already quoted.
--
-- time is the record's time, or its observed time when the sender gave none (OTLP allows that); both exact
-- nanoseconds are kept beside it. The key (log_id, time): log_id is a 64-bit hash of the whole record
-- (src/adapters/postgres/write-logs.ts), so a retried batch stores nothing twice (ON CONFLICT DO NOTHING), and
-- `time` makes the key hypertable-ready.
-- body keeps the AnyValue's structure as JSON, as attributes are kept (int64 exact as a JSON number, bytes as
-- base64, NaN/±Infinity as strings); NULL when the record has no body. Full-text search goes through the
-- expression index below; a query must use the same expression to be served by it:
--   WHERE to_tsvector('simple', left(body #>> '{}', 65536)) @@ to_tsquery('simple', 'timeout')
-- (body #>> '{}' is a string body's text, or the JSON text of any other body; 'simple' keeps every word as
-- it is, for logs in any language. The first 65536 characters are searched, which keeps every tsvector
-- under PostgreSQL's 1 MB limit, so one huge body cannot fail its batch.)
-- A plain table on plain PostgreSQL (as otel_spans is); with TimescaleDB a hypertable on `time`. A
-- TimescaleDB installed after this migration ran leaves it a plain table (0002 does not cover it).

CREATE SCHEMA IF NOT EXISTS {{schema}};

CREATE TABLE IF NOT EXISTS {{schema}}.otel_logs (
  time                      timestamptz NOT NULL, -- time, or observed time when time is 0
  time_unix_nano            bigint      NOT NULL, -- 0 when the sender gave none
  observed_time             timestamptz,          -- NULL when the sender gave none
  observed_time_unix_nano   bigint      NOT NULL, -- 0 when the sender gave none
  log_id                    bigint      NOT NULL, -- hash of the record: the idempotency key
  severity_number           smallint    NOT NULL, -- 0 unspecified, 1-24 TRACE..FATAL4
  severity_text             text        NOT NULL,
  service_name              text        NOT NULL,
  body                      jsonb,                -- the AnyValue as JSON; NULL when the record has none
  attributes                jsonb       NOT NULL,
  resource_attributes       jsonb       NOT NULL,
  scope_name                text        NOT NULL,
  scope_version             text        NOT NULL,
  scope_attributes          jsonb       NOT NULL,
  dropped_attributes_count  integer     NOT NULL,
  flags                     bigint      NOT NULL, -- W3C trace flags in the low 8 bits
  trace_id                  text,                 -- 32 lower-case hex characters; NULL outside a trace
  span_id                   text,                 -- 16 lower-case hex characters; NULL outside a span
  event_name                text        NOT NULL, -- '' when the record is not an event
  CONSTRAINT otel_logs_key UNIQUE (log_id, time)
);
CREATE INDEX IF NOT EXISTS otel_logs_service_time_idx ON {{schema}}.otel_logs (service_name, time DESC);
CREATE INDEX IF NOT EXISTS otel_logs_trace_id_idx ON {{schema}}.otel_logs (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS otel_logs_severity_time_idx ON {{schema}}.otel_logs (severity_number, time DESC);
CREATE INDEX IF NOT EXISTS otel_logs_body_search_idx ON {{schema}}.otel_logs USING gin (to_tsvector('simple', left(body #>> '{}', 65536)));

{{#feature.timescaledb}}
SELECT create_hypertable('{{schema}}.otel_logs', by_range('time', {{chunk_interval}}), if_not_exists => true, migrate_data => true);
{{/feature.timescaledb}}
