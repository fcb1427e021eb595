-- Drops the log table and everything in it.
DROP TABLE IF EXISTS {{database}}.otel_logs {{on_cluster}} SYNC;
