-- Drops only Manifold's tables: the schema may be shared (public by default).
DROP TABLE IF EXISTS {{schema}}.otel_spans;
DROP TABLE IF EXISTS {{schema}}.otel_metrics_summary;
DROP TABLE IF EXISTS {{schema}}.otel_metrics_exponential_histogram;
DROP TABLE IF EXISTS {{schema}}.otel_metrics_histogram;
DROP TABLE IF EXISTS {{schema}}.otel_metrics_number;
