-- manifold: requires timescaledb-license=timescale
-- Community-licensed TimescaleDB only (the Apache build refuses all of this with SQLSTATE 0A000, so it is
-- skipped there, and status says why): compression, retention, and a per-minute rollup of gauges/sums.

-- Compression: one compressed segment per series (metrics) or per service (spans), newest first inside.
-- The unique keys' columns are all in segmentby/orderby, so ON CONFLICT DO NOTHING keeps working on compressed chunks.
ALTER TABLE {{schema}}.otel_metrics_number SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC, time_unix_nano DESC');
ALTER TABLE {{schema}}.otel_metrics_histogram SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC, time_unix_nano DESC');
ALTER TABLE {{schema}}.otel_metrics_exponential_histogram SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC, time_unix_nano DESC');
ALTER TABLE {{schema}}.otel_metrics_summary SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC, time_unix_nano DESC');
ALTER TABLE {{schema}}.otel_spans SET (timescaledb.compress, timescaledb.compress_segmentby = 'service_name', timescaledb.compress_orderby = 'time DESC, trace_id, span_id');

SELECT add_compression_policy('{{schema}}.otel_metrics_number', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.otel_metrics_histogram', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.otel_metrics_exponential_histogram', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.otel_metrics_summary', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.otel_spans', compress_after => {{compress_after}}, if_not_exists => true);

-- Retention, only when timescaledb.retention is set (0, the default, keeps everything).
{{#retention}}
SELECT add_retention_policy('{{schema}}.otel_metrics_number', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.otel_metrics_histogram', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.otel_metrics_exponential_histogram', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.otel_metrics_summary', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.otel_spans', drop_after => {{retention}}, if_not_exists => true);
{{/retention}}

-- Per minute, per service and metric: what dashboards over long ranges read instead of raw points.
-- WITH NO DATA keeps this statement legal inside the migration's transaction; 0004 fills it from existing rows.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{schema}}.otel_metrics_number_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '1 minute', time) AS bucket,
       service_name,
       metric_name,
       count(*)   AS samples,
       min(value) AS min,
       max(value) AS max,
       avg(value) AS avg,
       sum(value) AS sum
FROM {{schema}}.otel_metrics_number
GROUP BY bucket, service_name, metric_name
WITH NO DATA;

SELECT add_continuous_aggregate_policy('{{schema}}.otel_metrics_number_1m',
  start_offset => INTERVAL '2 hours', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => true);
