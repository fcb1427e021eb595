-- manifold: requires timescaledb-license=timescale
-- Community-licensed TimescaleDB only (the Apache build refuses these with SQLSTATE 0A000; skipped there), as
-- 0003 does for the other tables: compression per service, newest first, and retention when configured.
-- The key's columns (log_id, time) are in segmentby/orderby, so ON CONFLICT DO NOTHING keeps working on
-- compressed chunks.
ALTER TABLE {{schema}}.otel_logs SET (timescaledb.compress, timescaledb.compress_segmentby = 'service_name', timescaledb.compress_orderby = 'time DESC, log_id');
SELECT add_compression_policy('{{schema}}.otel_logs', compress_after => {{compress_after}}, if_not_exists => true);
{{#retention}}
SELECT add_retention_policy('{{schema}}.otel_logs', drop_after => {{retention}}, if_not_exists => true);
{{/retention}}
