-- Manifold: tables for OTLP metrics and spans on PostgreSQL (and later TimescaleDB).
-- {{schema}} is replaced with the configured schema, already quoted.
--
-- Shape: a few wide tables, one per point kind, NOT one table per metric (Promscale's table-per-metric
-- design drowned autovacuum). Every table has:
--   time            timestamptz, what psql/Grafana filter and plot on; the future hypertable time column.
--   time_unix_nano  bigint, the exact OTLP timestamp (timestamptz only holds microseconds).
-- Idempotency: each table has a unique key and every insert is ON CONFLICT DO NOTHING, so a retried batch
-- stores nothing twice. Metric keys are (series_id, time_unix_nano, time): series_id is a stable 64-bit
-- hash of the series identity (see src/adapters/postgres/series.ts); `time` is derived from
-- time_unix_nano, so it adds no uniqueness but lets the key survive conversion to a hypertable, which
-- requires the partitioning column in every unique index.

CREATE SCHEMA IF NOT EXISTS {{schema}};

-- Gauges and sums.
CREATE TABLE IF NOT EXISTS {{schema}}.otel_metrics_number (
  time                  timestamptz      NOT NULL,
  time_unix_nano        bigint           NOT NULL,
  start_time            timestamptz,              -- NULL when the sender gave none
  start_time_unix_nano  bigint           NOT NULL, -- 0 when the sender gave none
  series_id             bigint           NOT NULL,
  metric_name           text             NOT NULL,
  metric_type           text             NOT NULL, -- gauge | sum
  metric_unit           text             NOT NULL,
  metric_description    text             NOT NULL,
  temporality           text             NOT NULL, -- unspecified | delta | cumulative
  monotonic             boolean          NOT NULL,
  service_name          text             NOT NULL,
  attributes            jsonb            NOT NULL,
  resource_attributes   jsonb            NOT NULL,
  scope_name            text             NOT NULL,
  scope_version         text             NOT NULL,
  scope_attributes      jsonb            NOT NULL,
  flags                 bigint           NOT NULL,
  exemplars             jsonb,                    -- NULL when none
  value                 double precision NOT NULL, -- always set, also for as_int points
  value_int             bigint,                   -- the exact value when the sender used as_int
  CONSTRAINT otel_metrics_number_key UNIQUE (series_id, time_unix_nano, time)
);
CREATE INDEX IF NOT EXISTS otel_metrics_number_name_time_idx ON {{schema}}.otel_metrics_number (metric_name, time DESC);

-- Explicit-bucket histograms: bucket_counts has one more element than explicit_bounds.
CREATE TABLE IF NOT EXISTS {{schema}}.otel_metrics_histogram (
  time                  timestamptz      NOT NULL,
  time_unix_nano        bigint           NOT NULL,
  start_time            timestamptz,
  start_time_unix_nano  bigint           NOT NULL,
  series_id             bigint           NOT NULL,
  metric_name           text             NOT NULL,
  metric_unit           text             NOT NULL,
  metric_description    text             NOT NULL,
  temporality           text             NOT NULL,
  service_name          text             NOT NULL,
  attributes            jsonb            NOT NULL,
  resource_attributes   jsonb            NOT NULL,
  scope_name            text             NOT NULL,
  scope_version         text             NOT NULL,
  scope_attributes      jsonb            NOT NULL,
  flags                 bigint           NOT NULL,
  exemplars             jsonb,
  count                 bigint           NOT NULL,
  sum                   double precision,         -- NULL when the sender gave none
  min                   double precision,
  max                   double precision,
  bucket_counts         bigint[]         NOT NULL,
  explicit_bounds       double precision[] NOT NULL,
  CONSTRAINT otel_metrics_histogram_key UNIQUE (series_id, time_unix_nano, time)
);
CREATE INDEX IF NOT EXISTS otel_metrics_histogram_name_time_idx ON {{schema}}.otel_metrics_histogram (metric_name, time DESC);

-- Exponential (base-2) histograms, as OTLP sends them.
CREATE TABLE IF NOT EXISTS {{schema}}.otel_metrics_exponential_histogram (
  time                    timestamptz      NOT NULL,
  time_unix_nano          bigint           NOT NULL,
  start_time              timestamptz,
  start_time_unix_nano    bigint           NOT NULL,
  series_id               bigint           NOT NULL,
  metric_name             text             NOT NULL,
  metric_unit             text             NOT NULL,
  metric_description      text             NOT NULL,
  temporality             text             NOT NULL,
  service_name            text             NOT NULL,
  attributes              jsonb            NOT NULL,
  resource_attributes     jsonb            NOT NULL,
  scope_name              text             NOT NULL,
  scope_version           text             NOT NULL,
  scope_attributes        jsonb            NOT NULL,
  flags                   bigint           NOT NULL,
  exemplars               jsonb,
  count                   bigint           NOT NULL,
  sum                     double precision,
  min                     double precision,
  max                     double precision,
  scale                   integer          NOT NULL,
  zero_count              bigint           NOT NULL,
  zero_threshold          double precision NOT NULL,
  positive_offset         integer          NOT NULL,
  positive_bucket_counts  bigint[]         NOT NULL,
  negative_offset         integer          NOT NULL,
  negative_bucket_counts  bigint[]         NOT NULL,
  CONSTRAINT otel_metrics_exponential_histogram_key UNIQUE (series_id, time_unix_nano, time)
);
CREATE INDEX IF NOT EXISTS otel_metrics_exponential_histogram_name_time_idx ON {{schema}}.otel_metrics_exponential_histogram (metric_name, time DESC);

-- Summaries: quantiles[i] pairs with quantile_values[i].
CREATE TABLE IF NOT EXISTS {{schema}}.otel_metrics_summary (
  time                  timestamptz      NOT NULL,
  time_unix_nano        bigint           NOT NULL,
  start_time            timestamptz,
  start_time_unix_nano  bigint           NOT NULL,
  series_id             bigint           NOT NULL,
  metric_name           text             NOT NULL,
  metric_unit           text             NOT NULL,
  metric_description    text             NOT NULL,
  service_name          text             NOT NULL,
  attributes            jsonb            NOT NULL,
  resource_attributes   jsonb            NOT NULL,
  scope_name            text             NOT NULL,
  scope_version         text             NOT NULL,
  scope_attributes      jsonb            NOT NULL,
  flags                 bigint           NOT NULL,
  count                 bigint           NOT NULL,
  sum                   double precision NOT NULL,
  quantiles             double precision[] NOT NULL,
  quantile_values       double precision[] NOT NULL,
  CONSTRAINT otel_metrics_summary_key UNIQUE (series_id, time_unix_nano, time)
);
CREATE INDEX IF NOT EXISTS otel_metrics_summary_name_time_idx ON {{schema}}.otel_metrics_summary (metric_name, time DESC);

-- Spans. time = start time. Key (trace_id, span_id, time): a span id is unique within its trace, and the
-- time column makes the key hypertable-ready.
-- Events and links are jsonb arrays on the span row, not child tables: they are only ever read together
-- with their span (a trace view), a span then lands in one row with one key (no second set of
-- idempotency keys, no joins), and the OTel Collector's ClickHouse schema keeps them on the row too.
-- Their timestamps and int64 attributes are JSON numbers, which jsonb keeps exactly
-- ((e->>'time_unix_nano')::bigint).
CREATE TABLE IF NOT EXISTS {{schema}}.otel_spans (
  time                      timestamptz NOT NULL,
  start_time_unix_nano      bigint      NOT NULL,
  end_time                  timestamptz NOT NULL,
  end_time_unix_nano        bigint      NOT NULL,
  duration_ns               bigint      NOT NULL,
  trace_id                  text        NOT NULL, -- 32 lower-case hex characters
  span_id                   text        NOT NULL, -- 16 lower-case hex characters
  parent_span_id            text,                 -- NULL for a root span
  trace_state               text        NOT NULL,
  flags                     bigint      NOT NULL,
  name                      text        NOT NULL,
  kind                      text        NOT NULL, -- Unspecified | Internal | Server | Client | Producer | Consumer
  status_code               text        NOT NULL, -- Unset | Ok | Error
  status_message            text        NOT NULL,
  service_name              text        NOT NULL,
  attributes                jsonb       NOT NULL,
  resource_attributes       jsonb       NOT NULL,
  scope_name                text        NOT NULL,
  scope_version             text        NOT NULL,
  scope_attributes          jsonb       NOT NULL,
  dropped_attributes_count  integer     NOT NULL,
  events                    jsonb       NOT NULL, -- [{time_unix_nano, name, attributes, dropped_attributes_count}]
  dropped_events_count      integer     NOT NULL,
  links                     jsonb       NOT NULL, -- [{trace_id, span_id, trace_state, flags, attributes, dropped_attributes_count}]
  dropped_links_count       integer     NOT NULL,
  CONSTRAINT otel_spans_key UNIQUE (trace_id, span_id, time)
);
CREATE INDEX IF NOT EXISTS otel_spans_service_time_idx ON {{schema}}.otel_spans (service_name, time DESC);
