-- manifold: requires layout=series
-- manifold: requires rollups=materialized
-- Where there are no continuous aggregates (TimescaleDB's Apache build, plain PostgreSQL, the embedded PGlite):
-- the same rollups under the same names as plain materialized views. The gateway refreshes them every
-- maintenance_interval (REFRESH MATERIALIZED VIEW recomputes the whole view: fine for a sidecar's volume, a
-- reason to run the community build for big ones) and says so once at start.

CREATE MATERIALIZED VIEW IF NOT EXISTS {{schema}}.number_points_1m
AS
SELECT series_id, date_bin(INTERVAL '1 minute', time, timestamptz 'epoch') AS bucket,
       avg(value) AS avg, min(value) AS min, max(value) AS max, (array_agg(value ORDER BY time DESC))[1] AS last, count(*) AS count
FROM {{schema}}.number_points
GROUP BY series_id, bucket
WITH NO DATA;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{schema}}.number_points_1h
AS
SELECT series_id, date_bin(INTERVAL '1 hour', time, timestamptz 'epoch') AS bucket,
       avg(value) AS avg, min(value) AS min, max(value) AS max, (array_agg(value ORDER BY time DESC))[1] AS last, count(*) AS count
FROM {{schema}}.number_points
GROUP BY series_id, bucket
WITH NO DATA;

-- Rate, errors, duration per service and span name per minute. le_* are cumulative counts of spans at most
-- that long (with `count` as +Inf): percentiles come from them as from a Prometheus histogram.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{schema}}.span_red_1m
AS
SELECT service_name, name AS span_name, date_bin(INTERVAL '1 minute', time, timestamptz 'epoch') AS bucket,
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

-- REFRESH … CONCURRENTLY needs a unique index; it lets readers read during a refresh.
CREATE UNIQUE INDEX IF NOT EXISTS number_points_1m_key ON {{schema}}.number_points_1m (series_id, bucket);
CREATE UNIQUE INDEX IF NOT EXISTS number_points_1h_key ON {{schema}}.number_points_1h (series_id, bucket);
CREATE UNIQUE INDEX IF NOT EXISTS span_red_1m_key ON {{schema}}.span_red_1m (service_name, span_name, bucket);
