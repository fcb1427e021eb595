DROP VIEW IF EXISTS {{database}}.otel_traces_red_1m_mv {{on_cluster}} SYNC;
DROP TABLE IF EXISTS {{database}}.otel_traces_red_1m {{on_cluster}} SYNC;
