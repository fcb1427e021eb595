-- Back to the engine's default (no deduplication window on non-replicated tables).
ALTER TABLE {{database}}.otel_traces {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
ALTER TABLE {{database}}.otel_traces_trace_id_ts {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
ALTER TABLE {{database}}.otel_traces_red_1m {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
ALTER TABLE {{database}}.otel_metrics_gauge {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
ALTER TABLE {{database}}.otel_metrics_sum {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
ALTER TABLE {{database}}.otel_metrics_histogram {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
ALTER TABLE {{database}}.otel_metrics_exp_histogram {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
ALTER TABLE {{database}}.otel_metrics_summary {{on_cluster}} RESET SETTING non_replicated_deduplication_window;
