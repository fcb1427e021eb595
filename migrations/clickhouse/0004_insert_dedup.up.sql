-- manifold: requires clickhouse>=23.3
-- Retries don't duplicate: the adapter sends every INSERT with insert_deduplication_token =
-- '<batch id>:<table>', but a non-replicated MergeTree ignores the token unless it keeps a window of
-- recent block hashes. Every table the adapter inserts into gets one, and so does every table a
-- materialized view writes into: on a retried insert the source block is dropped as a duplicate, yet the
-- views still receive it (deduplicate_blocks_in_dependent_materialized_views = 1) and each target drops
-- its copy by its own window.
-- 10000 blocks is the replicated engines' default window: at one insert per second per table (the
-- pace ClickHouse recommends) a retry is recognised for almost three hours; the gateway dead-letters a
-- batch after 5 minutes of failures by default. Replicated tables keep their own replicated_* window.
-- MODIFY SETTING is idempotent: a run stopped half-way can run again.
ALTER TABLE {{database}}.otel_traces {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {{database}}.otel_traces_trace_id_ts {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {{database}}.otel_traces_red_1m {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {{database}}.otel_metrics_gauge {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {{database}}.otel_metrics_sum {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {{database}}.otel_metrics_histogram {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {{database}}.otel_metrics_exp_histogram {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
ALTER TABLE {{database}}.otel_metrics_summary {{on_cluster}} MODIFY SETTING non_replicated_deduplication_window = 10000;
