-- Undoes 0011: retention and compression policies, then decompresses so compression can be switched off.
SELECT remove_retention_policy('{{schema}}.otel_logs', if_exists => true);
SELECT remove_compression_policy('{{schema}}.otel_logs', if_exists => true);
SELECT count(decompress_chunk(c, if_compressed => true)) FROM show_chunks('{{schema}}.otel_logs') c;
ALTER TABLE {{schema}}.otel_logs SET (timescaledb.compress = false);
