/**
 * A float as Go's strconv.FormatFloat(x, 'f', -1, 64) writes it: the shortest digits that read back as x, never
 * an exponent; `+Inf`, `-Inf`, `NaN`. The Collector's exporters name histogram bounds and summary quantiles this
 * way (Prometheus `le`/`quantile` labels, InfluxDB field keys), so series match what a Collector wrote.
 */
export function formatFloatLikeGo(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  const text = String(value);
  const exponentAt = text.indexOf('e');
  if (exponentAt < 0) return text;
  const sign = text.startsWith('-') ? '-' : '';
  const mantissa = text.slice(sign.length, exponentAt);
  const exponent = Number(text.slice(exponentAt + 1));
  const dot = mantissa.indexOf('.');
  const digits = mantissa.replace('.', '');
  const point = (dot < 0 ? mantissa.length : dot) + exponent; // where the decimal point falls in `digits`
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
