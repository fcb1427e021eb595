-- manifold: requires clickhouse>=23.3
-- Spans, in the table shape of the OpenTelemetry Collector's clickhouse exporter (same table and column
-- names, types, codecs and skip indexes), so its Grafana dashboards and queries work unchanged.
-- Filled in from the backend's config: the database, ON CLUSTER when `cluster` is set, Replicated engines
-- with `replicated: true`, and a TTL clause only when `ttl` is set.
-- No transactions in ClickHouse: every statement is IF NOT EXISTS, so a run stopped half-way can run again.
CREATE DATABASE IF NOT EXISTS {{database}} {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{database}}.otel_traces {{on_cluster}} (
  Timestamp           DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TraceId             String CODEC(ZSTD(1)),
  SpanId              String CODEC(ZSTD(1)),
  ParentSpanId        String CODEC(ZSTD(1)),
  TraceState          String CODEC(ZSTD(1)),
  SpanName            LowCardinality(String) CODEC(ZSTD(1)),
  SpanKind            LowCardinality(String) CODEC(ZSTD(1)),
  ServiceName         LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes  Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeName           String CODEC(ZSTD(1)),
  ScopeVersion        String CODEC(ZSTD(1)),
  SpanAttributes      Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  Duration            UInt64 CODEC(T64, ZSTD(1)), -- nanoseconds
  StatusCode          LowCardinality(String) CODEC(ZSTD(1)), -- Unset | Ok | Error
  StatusMessage       String CODEC(ZSTD(1)),
  Events Nested (
    Timestamp   DateTime64(9),
    Name        LowCardinality(String),
    Attributes  Map(LowCardinality(String), String)
  ) CODEC(ZSTD(1)),
  Links Nested (
    TraceId     String,
    SpanId      String,
    TraceState  String,
    Attributes  Map(LowCardinality(String), String)
  ) CODEC(ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
  INDEX idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(Timestamp)
PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)
{{#ttl}}TTL toDateTime(Timestamp) + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

-- Trace id -> time range, so a trace-by-id query reads only the partitions of that trace. The view
-- aggregates per insert block only: readers take min(Start) / max(End) per TraceId.
CREATE TABLE IF NOT EXISTS {{database}}.otel_traces_trace_id_ts {{on_cluster}} (
  TraceId  String CODEC(ZSTD(1)),
  Start    DateTime CODEC(Delta, ZSTD(1)),
  End      DateTime CODEC(Delta, ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
{{#ttl}}TTL toDateTime(Start) + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.otel_traces_trace_id_ts_mv {{on_cluster}}
TO {{database}}.otel_traces_trace_id_ts
AS SELECT
  TraceId,
  min(Timestamp) AS Start,
  max(Timestamp) AS End
FROM {{database}}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId;
