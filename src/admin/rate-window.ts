/** The totals recorded at most: past it the oldest go first (many pages polling at once only shorten the window). */
const MAX_SAMPLES = 64;
/** Below this the figure is noise (two pages asking within a few ms of each other at the first call). */
const MIN_SPAN_MS = 500;

/**
 * Per-second rates of counters, from their totals as seen by successive calls: the difference with the oldest
 * totals recorded within the last `windowMs`. Sampled on demand, so nothing runs while no one looks; a page
 * polling every 2 s reads a rate over the last ~10 s, steady rather than jumping with each batch.
 */
export class RateWindow {
  private readonly samples: Array<{ readonly at: number; readonly totals: ReadonlyMap<string, number> }> = [];

  constructor(private readonly windowMs = 10_000) {}

  /** Records `totals` taken at `now`; gives each key's rate since the base sample (null while there is none to compare with). */
  record(totals: ReadonlyMap<string, number>, now = Date.now()): (key: string) => number | null {
    this.samples.push({ at: now, totals });
    // Keep one sample at or before the window's start, so the span covers the whole window once it can.
    while (this.samples.length > 2 && this.samples[1]!.at <= now - this.windowMs) this.samples.shift();
    if (this.samples.length > MAX_SAMPLES) this.samples.shift();
    const base = this.samples[0]!;
    const spanMs = now - base.at;
    if (spanMs < MIN_SPAN_MS) return () => null;
    // A counter missing from either side was 0 there (prom-client shows a label set only once it is counted).
    return (key) => Math.max(0, (totals.get(key) ?? 0) - (base.totals.get(key) ?? 0)) / (spanMs / 1000);
  }
}
