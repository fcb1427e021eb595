DROP MATERIALIZED VIEW IF EXISTS {{schema}}.span_red_1m;
DROP MATERIALIZED VIEW IF EXISTS {{schema}}.number_points_1h;
DROP MATERIALIZED VIEW IF EXISTS {{schema}}.number_points_1m;
