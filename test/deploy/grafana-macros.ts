/**
 * Grafana's SQL macros, expanded the way its PostgreSQL and ClickHouse data sources do for a time range and an
 * interval, so a dashboard's query can be run as is against a real server.
 */
export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
  readonly intervalSeconds: number;
}

const iso = (d: Date) => d.toISOString();
const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

/** The grafana-postgresql-datasource macros used here ($__timeFilter, $__timeGroupAlias, $__interval). */
export function expandPostgresMacros(sql: string, range: TimeRange): string {
  return sql
    .replace(
      /\$__timeGroupAlias\(\s*(\w+)\s*,\s*\$__interval\s*\)/g,
      (_, column: string) => `floor(extract(epoch from ${column})/${range.intervalSeconds})*${range.intervalSeconds} AS "time"`,
    )
    .replace(/\$__timeFilter\(\s*(\w+)\s*\)/g, (_, column: string) => `${column} BETWEEN '${iso(range.from)}' AND '${iso(range.to)}'`)
    .replace(/\$__interval\b/g, `${range.intervalSeconds}s`);
}

/** The grafana-clickhouse-datasource macros used here ($__timeFilter, $__timeInterval, $__fromTime, $__toTime). */
export function expandClickHouseMacros(sql: string, range: TimeRange): string {
  return sql
    .replace(/\$__fromTime\b/g, `toDateTime(${epoch(range.from)})`)
    .replace(/\$__toTime\b/g, `toDateTime(${epoch(range.to)})`)
    .replace(
      /\$__timeFilter\(\s*(\w+)\s*\)/g,
      (_, column: string) => `${column} >= toDateTime(${epoch(range.from)}) AND ${column} <= toDateTime(${epoch(range.to)})`,
    )
    .replace(
      /\$__timeInterval\(\s*(\w+)\s*\)/g,
      (_, column: string) => `toStartOfInterval(toDateTime(${column}), INTERVAL ${range.intervalSeconds} second)`,
    );
}

/** Grafana's PromQL variables used here. */
export function expandPromQL(expr: string, range: TimeRange): string {
  return expr.replace(/\$__rate_interval\b/g, `${Math.max(4 * 15, range.intervalSeconds)}s`).replace(/\$__interval\b/g, `${range.intervalSeconds}s`);
}
