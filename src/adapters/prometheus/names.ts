/**
 * OpenTelemetry metric names → Prometheus metric names, by the rules of the Collector's
 * pkg/translator/prometheus (now prometheus/otlptranslator), so our series sit next to the Collector's:
 * invalid characters split the name into tokens joined by `_` (no runs, no leading/trailing `_`),
 * the UCUM unit is mapped and appended unless a token already says it, `_total` on monotonic sums,
 * `_ratio` on gauges of unit `1`, a leading digit gets a `_` prefix.
 */
import type { MetricDescriptor } from '../../model/index.js';

/** UCUM main units → Prometheus base-unit words. Unknown units are appended as written (sanitized). */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '1': '',
  '%': 'percent',
  $: 'dollars',
};

/** The unit after `/`, singular: `m/s` → `meters_per_second`. */
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/** Characters a legacy Prometheus metric name keeps; everything else separates tokens. */
const NAME_SEPARATOR = /[^a-zA-Z0-9:]+/;

function tokens(text: string): string[] {
  return text.split(NAME_SEPARATOR).filter((token) => token !== '');
}

/** A unit part (`By`, `{packets}`, `requests`) as name tokens: `{…}` annotations and blanks give none. */
function unitTokens(part: string | undefined, words: Record<string, string>): string[] {
  const unit = part?.trim() ?? '';
  if (unit === '' || /[{}]/.test(unit)) return [];
  return tokens(Object.hasOwn(words, unit) ? words[unit]! : unit);
}

function appendUnlessPresent(name: string[], suffix: string[]): void {
  const joined = suffix.join('_');
  if (joined !== '' && !name.includes(joined) && !name.join('_').endsWith(joined)) name.push(...suffix);
}

export function prometheusMetricName(metric: MetricDescriptor, withSuffixes: boolean): string {
  let name = tokens(metric.name);
  if (withSuffixes) {
    const slash = metric.unit.indexOf('/');
    const main = slash < 0 ? metric.unit : metric.unit.slice(0, slash);
    const per = slash < 0 ? undefined : metric.unit.slice(slash + 1);
    appendUnlessPresent(name, unitTokens(main, UNIT_WORDS));
    const perTokens = unitTokens(per, PER_UNIT_WORDS);
    if (perTokens.length > 0) appendUnlessPresent(name, ['per', ...perTokens]);
    if (metric.type === 'sum' && metric.monotonic) name = [...name.filter((token) => token !== 'total'), 'total'];
    if (metric.type === 'gauge' && metric.unit === '1') name = [...name.filter((token) => token !== 'ratio'), 'ratio'];
  }
  const joined = name.join('_');
  // A metric name may not start with a digit.
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}
