-- manifold: requires layout=series
-- manifold: requires timescaledb>=2.13
-- TimescaleDB (any license): the series layout's point and span tables become hypertables on `time`, in chunks
-- of timescaledb.chunk_interval. No default time index on the point tables: their one index is the unique
-- (series_id, time) key, and a time range alone is served by chunk exclusion; spans keep theirs (recent spans).
SELECT create_hypertable('{{schema}}.number_points', by_range('time', {{chunk_interval}}), create_default_indexes => false, if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.histogram_points', by_range('time', {{chunk_interval}}), create_default_indexes => false, if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.exp_histogram_points', by_range('time', {{chunk_interval}}), create_default_indexes => false, if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.summary_points', by_range('time', {{chunk_interval}}), create_default_indexes => false, if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.exemplars', by_range('time', {{chunk_interval}}), create_default_indexes => false, if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.trace_spans', by_range('time', {{chunk_interval}}), if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.span_events', by_range('time', {{chunk_interval}}), create_default_indexes => false, if_not_exists => true, migrate_data => true);
SELECT create_hypertable('{{schema}}.span_links', by_range('time', {{chunk_interval}}), create_default_indexes => false, if_not_exists => true, migrate_data => true);
