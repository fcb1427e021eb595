-- The migration runner's ledger (src/migrate): one row per migration file, in the schema it migrates.
-- {{schema}} is the configured schema, already quoted. Created under the migration lock, before any migration.
CREATE SCHEMA IF NOT EXISTS {{schema}};

CREATE TABLE IF NOT EXISTS {{schema}}.manifold_schema_migrations (
  version          integer     PRIMARY KEY,
  name             text        NOT NULL,
  checksum         text        NOT NULL, -- sha256 of the .up.sql as shipped, before templates
  status           text        NOT NULL CHECK (status IN ('applied', 'skipped', 'partial')),
  applied_at       timestamptz NOT NULL,
  duration_ms      bigint      NOT NULL,
  applied_by       text        NOT NULL, -- user@host pid N (manifold migrate | gateway start)
  statements_done  integer     NOT NULL, -- for partial: how many statements of a no-transaction migration ran
  reason           text        NOT NULL  -- for skipped: the unmet requirement
);
