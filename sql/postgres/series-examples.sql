-- Queries over the series layout (layout: series; migrations/postgres/0005-0009). Replace public with your schema.

-- One metric over time, as Grafana's PostgreSQL data source charts it (time column + value).
SELECT time, value FROM public.metric_points
WHERE metric_name = 'http.requests' AND labels->>'route' = '/a' AND time > now() - interval '1 hour'
ORDER BY time;

-- Per-minute rollup of every series of a metric (continuous aggregate or materialized view, same name).
SELECT r.bucket, s.labels, r.avg, r.max, r.last
FROM public.number_points_1m r JOIN public.series s ON s.id = r.series_id
WHERE s.metric_name = 'cpu.temperature' ORDER BY r.bucket;

-- Rate, errors and p95 per service and span name over the last hour, from the RED rollup's cumulative buckets.
SELECT service_name, span_name, sum(count) AS spans, sum(errors) AS errors,
       sum(duration_sum_ns) / nullif(sum(count), 0) / 1e6 AS avg_ms,
       CASE WHEN sum(le_100ms) >= 0.95 * sum(count) THEN '<= 100ms' WHEN sum(le_1s) >= 0.95 * sum(count) THEN '<= 1s' ELSE '> 1s' END AS p95
FROM public.span_red_1m WHERE bucket > now() - interval '1 hour'
GROUP BY 1, 2 ORDER BY spans DESC;

-- A whole trace by id (the key is on the bytea column: decode the hex).
SELECT * FROM public.spans WHERE trace_id = '0af7651916cd43dd8448eb211c80319c' ORDER BY time;  -- easy
SELECT * FROM public.trace_spans WHERE trace_id = decode('0af7651916cd43dd8448eb211c80319c', 'hex');  -- uses the key

-- Series whose labels match (GIN index on labels).
SELECT id, metric_name, labels FROM public.series WHERE labels @> '{"route": "/a"}';
