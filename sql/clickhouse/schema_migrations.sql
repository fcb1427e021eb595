-- The migration runner's ledger and lock (src/migrate, src/adapters/clickhouse/schema-target.ts).
-- ClickHouse has no transactions and no UPDATE worth the name: both tables are ReplacingMergeTree, every
-- change is a new row with a later updated_at (server time), and readers take the latest with FINAL.
CREATE DATABASE IF NOT EXISTS {{database}} {{on_cluster}};

CREATE TABLE IF NOT EXISTS {{database}}.manifold_schema_migrations {{on_cluster}} (
  version          UInt32,
  name             String,
  checksum         String,                 -- sha256 of the .up.sql as shipped, before templates
  status           LowCardinality(String), -- applied | skipped | partial
  applied_at       DateTime64(3),
  duration_ms      UInt64,
  applied_by       String,
  statements_done  UInt32,                 -- partial: statements of the migration that ran
  reason           String,                 -- skipped: the unmet requirement
  removed          UInt8,                  -- 1: reverted by `migrate down` (a tombstone)
  updated_at       DateTime64(6)
) ENGINE = {{engine_prefix}}ReplacingMergeTree(updated_at)
ORDER BY version;

-- One row per claim (token); the earliest live claim holds the lock. See schema-target.ts.
CREATE TABLE IF NOT EXISTS {{database}}.manifold_schema_lock {{on_cluster}} (
  token        String,
  owner        String,
  acquired_at  DateTime64(6),
  expires_at   DateTime64(6),
  updated_at   DateTime64(6)
) ENGINE = {{engine_prefix}}ReplacingMergeTree(updated_at)
ORDER BY token
TTL toDateTime(updated_at) + INTERVAL 1 DAY;
