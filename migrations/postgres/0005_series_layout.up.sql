-- manifold: requires layout=series
-- The series layout (backends.<name>.layout: series), beside the wide tables of 0001, which stay untouched.
-- {{schema}} is the configured schema, already quoted.
--
-- Shape: what repeats is stored once. A series (metric name, type, unit, temporality, its point attributes,
-- its resource and scope) is one row in `series`, keyed by an id the gateway computes itself (a 64-bit hash,
-- src/adapters/postgres/series-id.ts), so a write needs no round trip to learn it; resources and scopes
-- likewise. Point tables are narrow, one per shape, keyed (series_id, time): that unique key is what stores
-- a retried batch once (ON CONFLICT DO NOTHING) and the one index each point pays for.
-- Times are timestamptz (microseconds, what PostgreSQL holds); span durations are exact nanoseconds.
-- Trace and span ids are bytea (16 and 8 bytes); the `spans` view shows them as hex.
--
-- On plain PostgreSQL (and the embedded PGlite) the point and span tables are partitioned by range of
-- `time`; the gateway creates the partitions ahead and on demand and drops them for retention. With
-- TimescaleDB they are plain tables here and become hypertables in 0006.

CREATE SCHEMA IF NOT EXISTS {{schema}};

CREATE TABLE IF NOT EXISTS {{schema}}.resources (
  id            bigint      PRIMARY KEY,       -- hash of the attributes (series-id.ts)
  service_name  text        NOT NULL,          -- attributes->>'service.name', or unknown_service
  attributes    jsonb       NOT NULL,
  schema_url    text        NOT NULL,          -- as first seen
  first_seen    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS resources_service_idx ON {{schema}}.resources (service_name);

CREATE TABLE IF NOT EXISTS {{schema}}.scopes (
  id          bigint      PRIMARY KEY,
  name        text        NOT NULL,
  version     text        NOT NULL,
  attributes  jsonb       NOT NULL,
  first_seen  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS {{schema}}.series (
  id           bigint      PRIMARY KEY,
  metric_name  text        NOT NULL,
  metric_type  text        NOT NULL,          -- gauge | sum | histogram | exponential_histogram | summary
  unit         text        NOT NULL,
  description  text        NOT NULL,          -- as first seen (not part of the identity)
  temporality  text        NOT NULL,          -- unspecified | delta | cumulative
  monotonic    boolean     NOT NULL,
  labels       jsonb       NOT NULL,          -- the point attributes
  resource_id  bigint      NOT NULL,          -- resources.id
  scope_id     bigint      NOT NULL,          -- scopes.id
  first_seen   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS series_metric_name_idx ON {{schema}}.series (metric_name);
CREATE INDEX IF NOT EXISTS series_labels_idx ON {{schema}}.series USING gin (labels);

-- Explicit bucket bounds, shared by every histogram point that has them (they rarely change).
CREATE TABLE IF NOT EXISTS {{schema}}.histogram_bounds (
  id      bigint             PRIMARY KEY,
  bounds  double precision[] NOT NULL
);

-- Gauges and sums.
CREATE TABLE IF NOT EXISTS {{schema}}.number_points (
  time        timestamptz      NOT NULL,
  series_id   bigint           NOT NULL,
  value       double precision NOT NULL,   -- always set, also for int points
  value_int   bigint,                      -- the exact value when the sender sent an int64
  start_time  timestamptz,                 -- NULL when the sender gave none
  flags       integer          NOT NULL,
  CONSTRAINT number_points_key UNIQUE (series_id, time)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};

-- Explicit-bucket histograms: bucket_counts has one more element than histogram_bounds.bounds.
CREATE TABLE IF NOT EXISTS {{schema}}.histogram_points (
  time           timestamptz      NOT NULL,
  series_id      bigint           NOT NULL,
  start_time     timestamptz,
  flags          integer          NOT NULL,
  count          bigint           NOT NULL,
  sum            double precision,          -- NULL when the sender gave none
  min            double precision,
  max            double precision,
  bounds_id      bigint           NOT NULL, -- histogram_bounds.id
  bucket_counts  bigint[]         NOT NULL,
  CONSTRAINT histogram_points_key UNIQUE (series_id, time)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};

-- Exponential (base-2) histograms, as OTLP sends them.
CREATE TABLE IF NOT EXISTS {{schema}}.exp_histogram_points (
  time                    timestamptz      NOT NULL,
  series_id               bigint           NOT NULL,
  start_time              timestamptz,
  flags                   integer          NOT NULL,
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
  CONSTRAINT exp_histogram_points_key UNIQUE (series_id, time)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};

-- Summaries: quantiles[i] pairs with quantile_values[i].
CREATE TABLE IF NOT EXISTS {{schema}}.summary_points (
  time             timestamptz        NOT NULL,
  series_id        bigint             NOT NULL,
  start_time       timestamptz,
  flags            integer            NOT NULL,
  count            bigint             NOT NULL,
  sum              double precision   NOT NULL,
  quantiles        double precision[] NOT NULL,
  quantile_values  double precision[] NOT NULL,
  CONSTRAINT summary_points_key UNIQUE (series_id, time)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};

-- Exemplars of any point kind; `time` is the point's time, so they sit in the same partitions.
CREATE TABLE IF NOT EXISTS {{schema}}.exemplars (
  time                 timestamptz      NOT NULL,
  series_id            bigint           NOT NULL,
  exemplar_index       integer          NOT NULL, -- position in the point's list
  exemplar_time        timestamptz      NOT NULL,
  value                double precision NOT NULL,
  value_int            bigint,
  trace_id             bytea,                     -- NULL when none
  span_id              bytea,
  filtered_attributes  jsonb            NOT NULL,
  CONSTRAINT exemplars_key UNIQUE (series_id, time, exemplar_index)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};

-- Spans: time = start time. Key (trace_id, span_id, time): a span id is unique within its trace; time is in
-- the key because a partitioned table or hypertable requires it, and a retried span has the same start.
CREATE TABLE IF NOT EXISTS {{schema}}.trace_spans (
  time                      timestamptz NOT NULL,
  end_time                  timestamptz NOT NULL,
  duration_ns               bigint      NOT NULL,
  trace_id                  bytea       NOT NULL,
  span_id                   bytea       NOT NULL,
  parent_span_id            bytea,                -- NULL for a root span
  trace_state               text        NOT NULL,
  flags                     bigint      NOT NULL,
  service_name              text        NOT NULL,
  name                      text        NOT NULL,
  kind                      text        NOT NULL, -- Unspecified | Internal | Server | Client | Producer | Consumer
  status_code               text        NOT NULL, -- Unset | Ok | Error
  status_message            text        NOT NULL,
  resource_id               bigint      NOT NULL,
  scope_id                  bigint      NOT NULL,
  attributes                jsonb       NOT NULL,
  dropped_attributes_count  integer     NOT NULL,
  dropped_events_count      integer     NOT NULL,
  dropped_links_count       integer     NOT NULL,
  CONSTRAINT trace_spans_key UNIQUE (trace_id, span_id, time)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};
CREATE INDEX IF NOT EXISTS trace_spans_service_time_idx ON {{schema}}.trace_spans (service_name, time DESC);

-- Span events and links: time = their span's start time (same partitions, same retention as the span).
CREATE TABLE IF NOT EXISTS {{schema}}.span_events (
  time                      timestamptz NOT NULL,
  trace_id                  bytea       NOT NULL,
  span_id                   bytea       NOT NULL,
  event_index               integer     NOT NULL,
  event_time                timestamptz NOT NULL,
  name                      text        NOT NULL,
  attributes                jsonb       NOT NULL,
  dropped_attributes_count  integer     NOT NULL,
  CONSTRAINT span_events_key UNIQUE (trace_id, span_id, event_index, time)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};

CREATE TABLE IF NOT EXISTS {{schema}}.span_links (
  time                      timestamptz NOT NULL,
  trace_id                  bytea       NOT NULL,
  span_id                   bytea       NOT NULL,
  link_index                integer     NOT NULL,
  linked_trace_id           bytea       NOT NULL,
  linked_span_id            bytea       NOT NULL,
  trace_state               text        NOT NULL,
  flags                     bigint      NOT NULL,
  attributes                jsonb       NOT NULL,
  dropped_attributes_count  integer     NOT NULL,
  CONSTRAINT span_links_key UNIQUE (trace_id, span_id, link_index, time)
){{^feature.timescaledb}} PARTITION BY RANGE (time){{/feature.timescaledb}};

-- The easy queries. Grafana's PostgreSQL data source charts a metric with
--   SELECT time, value FROM metric_points WHERE metric_name = 'x' AND $__timeFilter(time) ORDER BY time
CREATE OR REPLACE VIEW {{schema}}.metric_points AS
SELECT p.time, s.metric_name, s.labels, p.value, p.value_int, p.start_time, p.flags,
       s.metric_type, s.unit, s.temporality, r.service_name, r.attributes AS resource_attributes, p.series_id
FROM {{schema}}.number_points p
JOIN {{schema}}.series s ON s.id = p.series_id
JOIN {{schema}}.resources r ON r.id = s.resource_id;

CREATE OR REPLACE VIEW {{schema}}.histogram_metric_points AS
SELECT p.time, s.metric_name, s.labels, p.count, p.sum, p.min, p.max, b.bounds, p.bucket_counts, p.start_time, p.flags,
       s.unit, s.temporality, r.service_name, r.attributes AS resource_attributes, p.series_id
FROM {{schema}}.histogram_points p
JOIN {{schema}}.series s ON s.id = p.series_id
JOIN {{schema}}.resources r ON r.id = s.resource_id
JOIN {{schema}}.histogram_bounds b ON b.id = p.bounds_id;

-- Ids as hex for reading; filter on trace_spans.trace_id = decode('…', 'hex') to use the key.
CREATE OR REPLACE VIEW {{schema}}.spans AS
SELECT t.time, t.end_time, t.duration_ns, encode(t.trace_id, 'hex') AS trace_id, encode(t.span_id, 'hex') AS span_id,
       encode(t.parent_span_id, 'hex') AS parent_span_id, t.service_name, t.name, t.kind, t.status_code, t.status_message,
       t.attributes, r.attributes AS resource_attributes, sc.name AS scope_name, sc.version AS scope_version,
       t.trace_state, t.flags, t.dropped_attributes_count, t.dropped_events_count, t.dropped_links_count
FROM {{schema}}.trace_spans t
JOIN {{schema}}.resources r ON r.id = t.resource_id
JOIN {{schema}}.scopes sc ON sc.id = t.scope_id;
