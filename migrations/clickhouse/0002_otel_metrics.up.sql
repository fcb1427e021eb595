-- manifold: requires clickhouse>=23.3
-- The five metric tables of the OpenTelemetry Collector's clickhouse exporter (otel_metrics_gauge, _sum,
-- _histogram, _exp_histogram, _summary), same names, columns, types, codecs, indexes and keys.
-- Every statement is IF NOT EXISTS: a run stopped half-way can run again.

-- Gauges: one row per data point; int and double values both land in Value.
CREATE TABLE IF NOT EXISTS {{database}}.otel_metrics_gauge {{on_cluster}} (
  ResourceAttributes     Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ResourceSchemaUrl      String CODEC(ZSTD(1)),
  ScopeName              String CODEC(ZSTD(1)),
  ScopeVersion           String CODEC(ZSTD(1)),
  ScopeAttributes        Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeDroppedAttrCount  UInt32 CODEC(ZSTD(1)),
  ScopeSchemaUrl         String CODEC(ZSTD(1)),
  ServiceName            LowCardinality(String) CODEC(ZSTD(1)),
  MetricName             String CODEC(ZSTD(1)),
  MetricDescription      String CODEC(ZSTD(1)),
  MetricUnit             String CODEC(ZSTD(1)),
  Attributes             Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  StartTimeUnix          DateTime64(9) CODEC(Delta, ZSTD(1)),
  TimeUnix               DateTime64(9) CODEC(Delta, ZSTD(1)),
  Value                  Float64 CODEC(ZSTD(1)),
  Flags                  UInt32 CODEC(ZSTD(1)),
  Exemplars Nested (
    FilteredAttributes  Map(LowCardinality(String), String),
    TimeUnix            DateTime64(9),
    Value               Float64,
    SpanId              String,
    TraceId             String
  ) CODEC(ZSTD(1)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{#ttl}}TTL toDateTime(TimeUnix) + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

-- Sums (counters and up-down counters).
CREATE TABLE IF NOT EXISTS {{database}}.otel_metrics_sum {{on_cluster}} (
  ResourceAttributes     Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ResourceSchemaUrl      String CODEC(ZSTD(1)),
  ScopeName              String CODEC(ZSTD(1)),
  ScopeVersion           String CODEC(ZSTD(1)),
  ScopeAttributes        Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeDroppedAttrCount  UInt32 CODEC(ZSTD(1)),
  ScopeSchemaUrl         String CODEC(ZSTD(1)),
  ServiceName            LowCardinality(String) CODEC(ZSTD(1)),
  MetricName             String CODEC(ZSTD(1)),
  MetricDescription      String CODEC(ZSTD(1)),
  MetricUnit             String CODEC(ZSTD(1)),
  Attributes             Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  StartTimeUnix          DateTime64(9) CODEC(Delta, ZSTD(1)),
  TimeUnix               DateTime64(9) CODEC(Delta, ZSTD(1)),
  Value                  Float64 CODEC(ZSTD(1)),
  Flags                  UInt32 CODEC(ZSTD(1)),
  Exemplars Nested (
    FilteredAttributes  Map(LowCardinality(String), String),
    TimeUnix            DateTime64(9),
    Value               Float64,
    SpanId              String,
    TraceId             String
  ) CODEC(ZSTD(1)),
  AggregationTemporality Int32 CODEC(ZSTD(1)),
  IsMonotonic            Boolean CODEC(Delta, ZSTD(1)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{#ttl}}TTL toDateTime(TimeUnix) + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

-- Explicit-bucket histograms: BucketCounts has one more element than ExplicitBounds.
CREATE TABLE IF NOT EXISTS {{database}}.otel_metrics_histogram {{on_cluster}} (
  ResourceAttributes     Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ResourceSchemaUrl      String CODEC(ZSTD(1)),
  ScopeName              String CODEC(ZSTD(1)),
  ScopeVersion           String CODEC(ZSTD(1)),
  ScopeAttributes        Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeDroppedAttrCount  UInt32 CODEC(ZSTD(1)),
  ScopeSchemaUrl         String CODEC(ZSTD(1)),
  ServiceName            LowCardinality(String) CODEC(ZSTD(1)),
  MetricName             String CODEC(ZSTD(1)),
  MetricDescription      String CODEC(ZSTD(1)),
  MetricUnit             String CODEC(ZSTD(1)),
  Attributes             Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  StartTimeUnix          DateTime64(9) CODEC(Delta, ZSTD(1)),
  TimeUnix               DateTime64(9) CODEC(Delta, ZSTD(1)),
  Count                  UInt64 CODEC(Delta, ZSTD(1)),
  Sum                    Float64 CODEC(ZSTD(1)),
  BucketCounts           Array(UInt64) CODEC(ZSTD(1)),
  ExplicitBounds         Array(Float64) CODEC(ZSTD(1)),
  Exemplars Nested (
    FilteredAttributes  Map(LowCardinality(String), String),
    TimeUnix            DateTime64(9),
    Value               Float64,
    SpanId              String,
    TraceId             String
  ) CODEC(ZSTD(1)),
  Flags                  UInt32 CODEC(ZSTD(1)),
  Min                    Float64 CODEC(ZSTD(1)),
  Max                    Float64 CODEC(ZSTD(1)),
  AggregationTemporality Int32 CODEC(ZSTD(1)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{#ttl}}TTL toDateTime(TimeUnix) + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

-- Exponential (base-2) histograms, as OTLP sends them.
CREATE TABLE IF NOT EXISTS {{database}}.otel_metrics_exp_histogram {{on_cluster}} (
  ResourceAttributes     Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ResourceSchemaUrl      String CODEC(ZSTD(1)),
  ScopeName              String CODEC(ZSTD(1)),
  ScopeVersion           String CODEC(ZSTD(1)),
  ScopeAttributes        Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeDroppedAttrCount  UInt32 CODEC(ZSTD(1)),
  ScopeSchemaUrl         String CODEC(ZSTD(1)),
  ServiceName            LowCardinality(String) CODEC(ZSTD(1)),
  MetricName             String CODEC(ZSTD(1)),
  MetricDescription      String CODEC(ZSTD(1)),
  MetricUnit             String CODEC(ZSTD(1)),
  Attributes             Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  StartTimeUnix          DateTime64(9) CODEC(Delta, ZSTD(1)),
  TimeUnix               DateTime64(9) CODEC(Delta, ZSTD(1)),
  Count                  UInt64 CODEC(Delta, ZSTD(1)),
  Sum                    Float64 CODEC(ZSTD(1)),
  Scale                  Int32 CODEC(ZSTD(1)),
  ZeroCount              UInt64 CODEC(ZSTD(1)),
  PositiveOffset         Int32 CODEC(ZSTD(1)),
  PositiveBucketCounts   Array(UInt64) CODEC(ZSTD(1)),
  NegativeOffset         Int32 CODEC(ZSTD(1)),
  NegativeBucketCounts   Array(UInt64) CODEC(ZSTD(1)),
  Exemplars Nested (
    FilteredAttributes  Map(LowCardinality(String), String),
    TimeUnix            DateTime64(9),
    Value               Float64,
    SpanId              String,
    TraceId             String
  ) CODEC(ZSTD(1)),
  Flags                  UInt32 CODEC(ZSTD(1)),
  Min                    Float64 CODEC(ZSTD(1)),
  Max                    Float64 CODEC(ZSTD(1)),
  AggregationTemporality Int32 CODEC(ZSTD(1)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{#ttl}}TTL toDateTime(TimeUnix) + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

-- Summaries: quantile/value pairs.
CREATE TABLE IF NOT EXISTS {{database}}.otel_metrics_summary {{on_cluster}} (
  ResourceAttributes     Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ResourceSchemaUrl      String CODEC(ZSTD(1)),
  ScopeName              String CODEC(ZSTD(1)),
  ScopeVersion           String CODEC(ZSTD(1)),
  ScopeAttributes        Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeDroppedAttrCount  UInt32 CODEC(ZSTD(1)),
  ScopeSchemaUrl         String CODEC(ZSTD(1)),
  ServiceName            LowCardinality(String) CODEC(ZSTD(1)),
  MetricName             String CODEC(ZSTD(1)),
  MetricDescription      String CODEC(ZSTD(1)),
  MetricUnit             String CODEC(ZSTD(1)),
  Attributes             Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  StartTimeUnix          DateTime64(9) CODEC(Delta, ZSTD(1)),
  TimeUnix               DateTime64(9) CODEC(Delta, ZSTD(1)),
  Count                  UInt64 CODEC(Delta, ZSTD(1)),
  Sum                    Float64 CODEC(ZSTD(1)),
  ValueAtQuantiles Nested (
    Quantile  Float64,
    Value     Float64
  ) CODEC(ZSTD(1)),
  Flags                  UInt32 CODEC(ZSTD(1)),
  INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_key mapKeys(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_scope_attr_value mapValues(ScopeAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1,
  INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {{engine_prefix}}MergeTree()
PARTITION BY toDate(TimeUnix)
ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
{{#ttl}}TTL toDateTime(TimeUnix) + {{ttl}}{{/ttl}}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;
