-- Drops only the logs table (a hypertable goes with its chunks); the schema may be shared.
DROP TABLE IF EXISTS {{schema}}.otel_logs;
