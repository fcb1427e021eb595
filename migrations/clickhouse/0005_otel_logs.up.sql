-- manifold: requires clickhouse>=23.3
-- Log records, in the table shape of the OpenTelemetry Collector's clickhouse exporter: its Map-attribute
-- otel_logs (collector-contrib exporter/clickhouseexporter/internal/sqltemplates/logs_table.sql at commit
-- e3bd2d1d, the revision that added EventName for issue #42584): same column names, types, codecs, skip
-- indexes and keys, so the Grafana ClickHouse plugin's OpenTelemetry logs view (Timestamp, Body,
-- SeverityText, LogAttributes, TraceId) and the Collector's queries work unchanged.
-- TimestampTime is the second-precision copy the partition, key and TTL use, filled in by its DEFAULT.
-- Filled in from the backend's config as 0001 is: database, ON CLUSTER, Replicated engines, TTL.
CREATE TABLE IF NOT EXISTS {{database}}.otel_logs {{on_cluster}} (
  Timestamp           DateTime64(9) CODEC(Delta(8), ZSTD(1)),
  TimestampTime       DateTime DEFAULT toDateTime(Timestamp),
  TraceId             String CODEC(ZSTD(1)),
  SpanId              String CODEC(ZSTD(1)),
  TraceFlags          UInt8,
  SeverityText        LowCardinality(String) CODEC(ZSTD(1)),
  SeverityNumber      UInt8,
  ServiceName         LowCardinality(String) CODEC(ZSTD(1)),
  Body                String CODEC(ZSTD(1)),
  ResourceSchemaUrl   LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes  Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeSchemaUrl      LowCardinality(String) CODEC(ZSTD(1)),
  ScopeName           String CODEC(ZSTD(1)),
  ScopeVersion        LowCardinality(String) CODEC(ZSTD(1)),
  ScopeAttributes     Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  LogAttributes       Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  EventName           String CODEC(ZSTD(1)),
  INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(TimestampTime)
PRIMARY KEY (ServiceName, TimestampTime)
ORDER BY (ServiceName, TimestampTime, Timestamp)
{{#ttl}}TTL TimestampTime + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

-- Retries don't duplicate (see 0004): the adapter's insert_deduplication_token needs a window of block
-- hashes on a non-replicated table. An ALTER rather than a CREATE setting, so an otel_logs made earlier by
-- the Collector's exporter (the CREATE above then does nothing) gets the window too. Idempotent.
ALTER TABLE {{database}}.otel_logs {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
