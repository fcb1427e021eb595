-- Run once by the image's entrypoint when the data volume is new (/docker-entrypoint-initdb.d).
-- The image already creates the extension in POSTGRES_DB; this keeps it certain, because Manifold only
-- turns its tables into hypertables (and adds compression, retention and the rollup) when the extension
-- is installed in its database: it never runs CREATE EXTENSION itself.
CREATE EXTENSION IF NOT EXISTS timescaledb;
