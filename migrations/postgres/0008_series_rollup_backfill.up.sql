-- manifold: requires layout=series
-- manifold: requires timescaledb-license=timescale
-- manifold: no-transaction
-- Fills the continuous aggregates of 0007 from rows already stored (refresh_continuous_aggregate refuses to run in a
-- transaction block); running it twice is harmless. The refresh policies keep them current from here on.
CALL refresh_continuous_aggregate('{{schema}}.number_points_1m', NULL, now() - INTERVAL '1 minute');
CALL refresh_continuous_aggregate('{{schema}}.number_points_1h', NULL, now() - INTERVAL '1 hour');
CALL refresh_continuous_aggregate('{{schema}}.span_red_1m', NULL, now() - INTERVAL '1 minute');
