-- Per minute, per service and operation: calls, errors and duration (rate-error-duration), kept as
-- aggregate states so any coarser range merges exactly: read with countMerge(Calls), countIfMerge(Errors),
-- quantilesMerge(0.5, 0.9, 0.99)(DurationQuantiles), sumMerge(DurationSum) / countMerge(Calls), maxMerge(DurationMax).
-- Fed by a materialized view on otel_traces: it counts spans inserted from now on (no backfill of older
-- rows, which would count twice anything inserted while the backfill ran).
CREATE TABLE IF NOT EXISTS {{database}}.otel_traces_red_1m {{on_cluster}} (
  Minute             DateTime CODEC(Delta, ZSTD(1)),
  ServiceName        LowCardinality(String) CODEC(ZSTD(1)),
  SpanName           LowCardinality(String) CODEC(ZSTD(1)),
  SpanKind           LowCardinality(String) CODEC(ZSTD(1)),
  Calls              AggregateFunction(count),
  Errors             AggregateFunction(countIf, UInt8),
  DurationQuantiles  AggregateFunction(quantiles(0.5, 0.9, 0.99), UInt64),
  DurationSum        AggregateFunction(sum, UInt64),
  DurationMax        AggregateFunction(max, UInt64)
) ENGINE = {{engine_prefix}}AggregatingMergeTree()
PARTITION BY toDate(Minute)
ORDER BY (ServiceName, SpanName, SpanKind, Minute)
{{#ttl}}TTL Minute + {{ttl}}{{/ttl}}
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_traces_red_1m_mv {{on_cluster}}
TO {{database}}.otel_traces_red_1m
AS SELECT
  toStartOfMinute(Timestamp)                  AS Minute,
  ServiceName,
  SpanName,
  SpanKind,
  countState()                                AS Calls,
  countIfState(StatusCode = 'Error')          AS Errors,
  quantilesState(0.5, 0.9, 0.99)(Duration)    AS DurationQuantiles,
  sumState(Duration)                          AS DurationSum,
  maxState(Duration)                          AS DurationMax
FROM {{database}}.otel_traces
GROUP BY Minute, ServiceName, SpanName, SpanKind;
