-- Drops only the series layout's own objects (0001's wide tables are untouched).
DROP VIEW IF EXISTS {{schema}}.spans;
DROP VIEW IF EXISTS {{schema}}.histogram_metric_points;
DROP VIEW IF EXISTS {{schema}}.metric_points;
DROP TABLE IF EXISTS {{schema}}.span_links;
DROP TABLE IF EXISTS {{schema}}.span_events;
DROP TABLE IF EXISTS {{schema}}.trace_spans;
DROP TABLE IF EXISTS {{schema}}.exemplars;
DROP TABLE IF EXISTS {{schema}}.summary_points;
DROP TABLE IF EXISTS {{schema}}.exp_histogram_points;
DROP TABLE IF EXISTS {{schema}}.histogram_points;
DROP TABLE IF EXISTS {{schema}}.number_points;
DROP TABLE IF EXISTS {{schema}}.histogram_bounds;
DROP TABLE IF EXISTS {{schema}}.series;
DROP TABLE IF EXISTS {{schema}}.scopes;
DROP TABLE IF EXISTS {{schema}}.resources;
