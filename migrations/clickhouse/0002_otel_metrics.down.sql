-- Drops the metric tables and everything in them.
DROP TABLE IF EXISTS {{database}}.otel_metrics_gauge {{on_cluster}} SYNC;
DROP TABLE IF EXISTS {{database}}.otel_metrics_sum {{on_cluster}} SYNC;
DROP TABLE IF EXISTS {{database}}.otel_metrics_histogram {{on_cluster}} SYNC;
DROP TABLE IF EXISTS {{database}}.otel_metrics_exp_histogram {{on_cluster}} SYNC;
DROP TABLE IF EXISTS {{database}}.otel_metrics_summary {{on_cluster}} SYNC;
