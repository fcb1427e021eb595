-- manifold: requires layout=series
-- manifold: requires timescaledb-license=timescale
-- Community-licensed TimescaleDB (the Apache build refuses all of this with SQLSTATE 0A000; there 0009 makes the
-- same rollups as materialized views the gateway refreshes, and the gateway drops old chunks itself):
-- compression, retention, and continuous aggregates with refresh policies.

-- Compression: one segment per series, newest first inside; the unique keys' columns are all in segmentby/orderby,
-- so ON CONFLICT DO NOTHING keeps working on compressed chunks.
ALTER TABLE {{schema}}.number_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC');
ALTER TABLE {{schema}}.histogram_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC');
ALTER TABLE {{schema}}.exp_histogram_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC');
ALTER TABLE {{schema}}.summary_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC');
ALTER TABLE {{schema}}.exemplars SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time DESC, exemplar_index');
ALTER TABLE {{schema}}.trace_spans SET (timescaledb.compress, timescaledb.compress_segmentby = 'service_name', timescaledb.compress_orderby = 'time DESC, trace_id, span_id');
ALTER TABLE {{schema}}.span_events SET (timescaledb.compress, timescaledb.compress_orderby = 'time DESC, trace_id, span_id, event_index');
ALTER TABLE {{schema}}.span_links SET (timescaledb.compress, timescaledb.compress_orderby = 'time DESC, trace_id, span_id, link_index');

SELECT add_compression_policy('{{schema}}.number_points', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.histogram_points', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.exp_histogram_points', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.summary_points', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.exemplars', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.trace_spans', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.span_events', compress_after => {{compress_after}}, if_not_exists => true);
SELECT add_compression_policy('{{schema}}.span_links', compress_after => {{compress_after}}, if_not_exists => true);

-- Retention, only when timescaledb.retention is set (0, the default, keeps everything).
{{#retention}}
SELECT add_retention_policy('{{schema}}.number_points', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.histogram_points', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.exp_histogram_points', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.summary_points', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.exemplars', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.trace_spans', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.span_events', drop_after => {{retention}}, if_not_exists => true);
SELECT add_retention_policy('{{schema}}.span_links', drop_after => {{retention}}, if_not_exists => true);
{{/retention}}

-- Per series at 1 minute and 1 hour. WITH NO DATA keeps these legal inside the migration's transaction; 0008 fills them.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{schema}}.number_points_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id, time_bucket(INTERVAL '1 minute', time) AS bucket,
       avg(value) AS avg, min(value) AS min, max(value) AS max, last(value, time) AS last, count(*) AS count
FROM {{schema}}.number_points
GROUP BY series_id, bucket
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{schema}}.number_points_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id, time_bucket(INTERVAL '1 hour', time) AS bucket,
       avg(value) AS avg, min(value) AS min, max(value) AS max, last(value, time) AS last, count(*) AS count
FROM {{schema}}.number_points
GROUP BY series_id, bucket
WITH NO DATA;

-- Rate, errors, duration per service and span name per minute. le_* are cumulative counts of spans at most
-- that long (with `count` as +Inf): percentiles come from them as from a Prometheus histogram.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{schema}}.span_red_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT service_name, name AS span_name, time_bucket(INTERVAL '1 minute', time) AS bucket,
       count(*) AS count,
       count(*) FILTER (WHERE status_code = 'Error') AS errors,
       sum(duration_ns) AS duration_sum_ns,
       max(duration_ns) AS duration_max_ns,
       count(*) FILTER (WHERE duration_ns <= 1000000) AS le_1ms,
       count(*) FILTER (WHERE duration_ns <= 5000000) AS le_5ms,
       count(*) FILTER (WHERE duration_ns <= 10000000) AS le_10ms,
       count(*) FILTER (WHERE duration_ns <= 25000000) AS le_25ms,
       count(*) FILTER (WHERE duration_ns <= 50000000) AS le_50ms,
       count(*) FILTER (WHERE duration_ns <= 100000000) AS le_100ms,
       count(*) FILTER (WHERE duration_ns <= 250000000) AS le_250ms,
       count(*) FILTER (WHERE duration_ns <= 500000000) AS le_500ms,
       count(*) FILTER (WHERE duration_ns <= 1000000000) AS le_1s,
       count(*) FILTER (WHERE duration_ns <= 2500000000) AS le_2500ms,
       count(*) FILTER (WHERE duration_ns <= 5000000000) AS le_5s,
       count(*) FILTER (WHERE duration_ns <= 10000000000) AS le_10s
FROM {{schema}}.trace_spans
GROUP BY service_name, span_name, bucket
WITH NO DATA;

SELECT add_continuous_aggregate_policy('{{schema}}.number_points_1m', start_offset => INTERVAL '2 hours', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => true);
SELECT add_continuous_aggregate_policy('{{schema}}.number_points_1h', start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '1 hour', if_not_exists => true);
SELECT add_continuous_aggregate_policy('{{schema}}.span_red_1m', start_offset => INTERVAL '2 hours', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute', if_not_exists => true);
