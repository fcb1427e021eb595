-- manifold: requires timescaledb-license=timescale
-- manifold: no-transaction
-- Fills the per-minute rollup (0003) from the rows already stored. refresh_continuous_aggregate refuses
-- to run inside a transaction block, hence no-transaction; running it twice is harmless.
-- (Its refresh policy keeps it current from here on; the window ends a minute ago, like the policy's.)
CALL refresh_continuous_aggregate('{{schema}}.otel_metrics_number_1m', NULL, now() - INTERVAL '1 minute');
