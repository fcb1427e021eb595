-- Plain PostgreSQL and PGlite (no TimescaleDB): otel_logs becomes a table partitioned by range of `time`, as the
-- series layout's tables are (0005). The gateway creates its partitions ahead and on demand, named
-- otel_logs_p<YYYYMMDD> (<YYYYMMDDHHMM> when timescaledb.chunk_interval is not whole days), and drops whole
-- partitions past timescaledb.retention (src/adapters/postgres/logs-table.ts): a DELETE would rewrite a
-- GIN-indexed table row by row. Rows already stored move into their partitions here (the table is locked
-- while they are copied, so a big table takes a while). Names, columns, key and indexes stay those of 0010.
-- With TimescaleDB otel_logs is a hypertable (0010) and this migration is empty.
-- Installing TimescaleDB into a database where this ran does not make otel_logs a hypertable (a partitioned
-- table cannot become one in place: that is a dump and reload), as for the series layout's tables.
{{^feature.timescaledb}}
ALTER TABLE {{schema}}.otel_logs RENAME TO otel_logs_unpartitioned;
ALTER TABLE {{schema}}.otel_logs_unpartitioned RENAME CONSTRAINT otel_logs_key TO otel_logs_unpartitioned_key;
ALTER INDEX {{schema}}.otel_logs_service_time_idx RENAME TO otel_logs_unpartitioned_service_time_idx;
ALTER INDEX {{schema}}.otel_logs_trace_id_idx RENAME TO otel_logs_unpartitioned_trace_id_idx;
ALTER INDEX {{schema}}.otel_logs_severity_time_idx RENAME TO otel_logs_unpartitioned_severity_time_idx;
ALTER INDEX {{schema}}.otel_logs_body_search_idx RENAME TO otel_logs_unpartitioned_body_search_idx;

CREATE TABLE {{schema}}.otel_logs (
  LIKE {{schema}}.otel_logs_unpartitioned INCLUDING DEFAULTS INCLUDING COMMENTS,
  CONSTRAINT otel_logs_key UNIQUE (log_id, time)
) PARTITION BY RANGE (time);
CREATE INDEX otel_logs_service_time_idx ON {{schema}}.otel_logs (service_name, time DESC);
CREATE INDEX otel_logs_trace_id_idx ON {{schema}}.otel_logs (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX otel_logs_severity_time_idx ON {{schema}}.otel_logs (severity_number, time DESC);
CREATE INDEX otel_logs_body_search_idx ON {{schema}}.otel_logs USING gin (to_tsvector('simple', left(body #>> '{}', 65536)));

-- One partition per chunk_interval that holds stored rows, numbered and named as the gateway does
-- (partition n covers [n, n + 1) × interval from the epoch, UTC).
DO $logs_partitions$
DECLARE
  step numeric := extract(epoch FROM {{chunk_interval}});
  n numeric;
  low timestamptz;
BEGIN
  FOR n IN SELECT DISTINCT floor(extract(epoch FROM time) / step) FROM {{schema}}.otel_logs_unpartitioned LOOP
    low := to_timestamp(n * step);
    EXECUTE format(
      'CREATE TABLE %s.%I PARTITION OF %s.otel_logs FOR VALUES FROM (%L) TO (%L)',
      '{{schema}}',
      'otel_logs_p' || to_char(low AT TIME ZONE 'UTC', 'YYYYMMDD') || CASE WHEN step % 86400 = 0 THEN '' ELSE to_char(low AT TIME ZONE 'UTC', 'HH24MI') END,
      '{{schema}}',
      low,
      to_timestamp((n + 1) * step)
    );
  END LOOP;
END
$logs_partitions$;

INSERT INTO {{schema}}.otel_logs SELECT * FROM {{schema}}.otel_logs_unpartitioned;
DROP TABLE {{schema}}.otel_logs_unpartitioned;
{{/feature.timescaledb}}
