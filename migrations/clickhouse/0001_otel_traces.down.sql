-- Drops the span tables and everything in them (the database stays: it may hold other tables).
DROP VIEW IF EXISTS {{database}}.otel_traces_trace_id_ts_mv {{on_cluster}} SYNC;
DROP TABLE IF EXISTS {{database}}.otel_traces_trace_id_ts {{on_cluster}} SYNC;
DROP TABLE IF EXISTS {{database}}.otel_traces {{on_cluster}} SYNC;
