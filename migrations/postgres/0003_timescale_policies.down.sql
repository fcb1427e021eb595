-- Undoes 0003: the rollup (its refresh policy goes with it), retention and compression policies, then
-- decompresses what was compressed so compression can be switched off.
DROP MATERIALIZED VIEW IF EXISTS {{schema}}.otel_metrics_number_1m;

SELECT remove_retention_policy('{{schema}}.otel_metrics_number', if_exists => true);
SELECT remove_retention_policy('{{schema}}.otel_metrics_histogram', if_exists => true);
SELECT remove_retention_policy('{{schema}}.otel_metrics_exponential_histogram', if_exists => true);
SELECT remove_retention_policy('{{schema}}.otel_metrics_summary', if_exists => true);
SELECT remove_retention_policy('{{schema}}.otel_spans', if_exists => true);

SELECT remove_compression_policy('{{schema}}.otel_metrics_number', if_exists => true);
SELECT remove_compression_policy('{{schema}}.otel_metrics_histogram', if_exists => true);
SELECT remove_compression_policy('{{schema}}.otel_metrics_exponential_histogram', if_exists => true);
SELECT remove_compression_policy('{{schema}}.otel_metrics_summary', if_exists => true);
SELECT remove_compression_policy('{{schema}}.otel_spans', if_exists => true);

SELECT count(decompress_chunk(c, if_compressed => true)) FROM show_chunks('{{schema}}.otel_metrics_number') c;
SELECT count(decompress_chunk(c, if_compressed => true)) FROM show_chunks('{{schema}}.otel_metrics_histogram') c;
SELECT count(decompress_chunk(c, if_compressed => true)) FROM show_chunks('{{schema}}.otel_metrics_exponential_histogram') c;
SELECT count(decompress_chunk(c, if_compressed => true)) FROM show_chunks('{{schema}}.otel_metrics_summary') c;
SELECT count(decompress_chunk(c, if_compressed => true)) FROM show_chunks('{{schema}}.otel_spans') c;

ALTER TABLE {{schema}}.otel_metrics_number SET (timescaledb.compress = false);
ALTER TABLE {{schema}}.otel_metrics_histogram SET (timescaledb.compress = false);
ALTER TABLE {{schema}}.otel_metrics_exponential_histogram SET (timescaledb.compress = false);
ALTER TABLE {{schema}}.otel_metrics_summary SET (timescaledb.compress = false);
ALTER TABLE {{schema}}.otel_spans SET (timescaledb.compress = false);
