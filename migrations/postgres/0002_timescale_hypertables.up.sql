-- manifold: requires timescaledb>=2.13
-- TimescaleDB (any license): the five tables become hypertables on `time`, in chunks of
-- timescaledb.chunk_interval (config; default 1 day). Tables that already hold rows keep them: migrate_data
-- moves them into chunks (it locks the table while it copies, so a big table takes a while).
-- 0001 gave every unique key the `time` column, which a hypertable requires.
-- Skipped on plain PostgreSQL; if TimescaleDB is installed later (CREATE EXTENSION timescaledb), the next
-- `manifold migrate up` (or a gateway start with migrate: auto) applies it then.
SELECT create_hypertable('{{schema}}.otel_metrics_number', by_range('time', {{chunk_interval}}), if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.otel_metrics_histogram', by_range('time', {{chunk_interval}}), if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.otel_metrics_exponential_histogram', by_range('time', {{chunk_interval}}), if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.otel_metrics_summary', by_range('time', {{chunk_interval}}), if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.otel_spans', by_range('time', {{chunk_interval}}), if_not_exists => true, migrate_data => true);
-- No .down.sql: a hypertable cannot be turned back into a plain table in place (that is a dump and reload).
