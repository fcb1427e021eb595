-- Back to 0010's plain otel_logs on plain PostgreSQL and PGlite, keeping the rows; empty with TimescaleDB.
{{^feature.timescaledb}}
ALTER TABLE {{schema}}.otel_logs RENAME TO otel_logs_partitioned;
ALTER TABLE {{schema}}.otel_logs_partitioned RENAME CONSTRAINT otel_logs_key TO otel_logs_partitioned_key;
ALTER INDEX {{schema}}.otel_logs_service_time_idx RENAME TO otel_logs_partitioned_service_time_idx;
ALTER INDEX {{schema}}.otel_logs_trace_id_idx RENAME TO otel_logs_partitioned_trace_id_idx;
ALTER INDEX {{schema}}.otel_logs_severity_time_idx RENAME TO otel_logs_partitioned_severity_time_idx;
ALTER INDEX {{schema}}.otel_logs_body_search_idx RENAME TO otel_logs_partitioned_body_search_idx;

CREATE TABLE {{schema}}.otel_logs (
  LIKE {{schema}}.otel_logs_partitioned INCLUDING DEFAULTS INCLUDING COMMENTS,
  CONSTRAINT otel_logs_key UNIQUE (log_id, time)
);
CREATE INDEX otel_logs_service_time_idx ON {{schema}}.otel_logs (service_name, time DESC);
CREATE INDEX otel_logs_trace_id_idx ON {{schema}}.otel_logs (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX otel_logs_severity_time_idx ON {{schema}}.otel_logs (severity_number, time DESC);
CREATE INDEX otel_logs_body_search_idx ON {{schema}}.otel_logs USING gin (to_tsvector('simple', left(body #>> '{}', 65536)));

INSERT INTO {{schema}}.otel_logs SELECT * FROM {{schema}}.otel_logs_partitioned;
DROP TABLE {{schema}}.otel_logs_partitioned;
{{/feature.timescaledb}}
