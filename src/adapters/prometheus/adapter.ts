/** The remote-write adapter: translate a batch, cut it into requests, send them in order (per series). */
import type { Adapter, AdapterContext, WriteBatch, WriteResult } from '../contract.js';
import { PermanentWriteError } from '../contract.js';
import type { Signal } from '../../model/index.js';
import type { PrometheusConfig } from './config.js';
import { CumulativeState } from './delta.js';
import { encodeWriteRequest, splitRequests } from './encode.js';
import { RemoteWriteClient } from './http.js';
import { SeriesCatalog } from './series.js';
import { partitionBySeries } from './shards.js';
import { type Translation, Translator } from './translate.js';

const SPANS_SKIPPED = 'spans (remote write carries metrics only)';
const MAX_TARGET_INFO_REMEMBERED = 100_000;

export class PrometheusAdapter implements Adapter {
  readonly signals: ReadonlySet<Signal> = new Set<Signal>(['metrics']);
  /** Prometheus refuses a sample older than its series' last one. */
  readonly ordered = true;
  /** Parallel request streams per batch (delivery.concurrency), split by series. */
  private readonly streams: number;
  private readonly client: RemoteWriteClient;
  private readonly catalog: SeriesCatalog;
  private readonly state: CumulativeState;
  private readonly targetInfoWritten = new Map<string, number>();
  private readonly translator: Translator;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly context: AdapterContext,
  ) {
    this.streams = context.concurrency ?? 1;
    this.client = new RemoteWriteClient(config, this.streams);
    this.catalog = new SeriesCatalog(config.translation);
    this.state = new CumulativeState(config.delta_to_cumulative.max_series, config.delta_to_cumulative.max_stale);
    this.translator = new Translator(config, this.catalog, this.state, this.targetInfoWritten);
  }

  async start(): Promise<void> {
    await this.health();
  }

  /** An empty WriteRequest: proves the URL, the credentials and the remote-write endpoint, stores nothing. */
  async health(): Promise<void> {
    await this.client.send(encodeWriteRequest([]).body);
  }

  async write(batch: WriteBatch): Promise<WriteResult> {
    this.catalog.trim();
    let translation: Translation;
    let streams: Buffer[][];
    try {
      translation = this.translator.translate(batch.metrics);
      const limits = { maxSamples: this.config.max_samples_per_request, maxBytes: this.config.max_bytes_per_request };
      streams = partitionBySeries(translation.series, this.streams).map((series) =>
        splitRequests(series, limits).map((request) => encodeWriteRequest(request).body),
      );
    } catch (error) {
      // Translation and encoding are deterministic: a failure here would fail the same way on every retry.
      const text = error instanceof Error ? error.message : String(error);
      throw new PermanentWriteError(`could not encode batch ${batch.id} for remote write: ${text}`, text, { cause: error });
    }
    // Within a stream in order, one at a time: a series' samples must reach Prometheus oldest first. A failure
    // fails the batch; its retry re-sends every stream, which the server takes as duplicates of what it holds.
    await Promise.all(streams.map(async (bodies) => {
      for (const body of bodies) await this.client.send(body);
    }));

    translation.delta?.commit(Date.now());
    if (this.targetInfoWritten.size > MAX_TARGET_INFO_REMEMBERED) this.targetInfoWritten.clear();
    for (const [key, ms] of translation.targetInfo) this.targetInfoWritten.set(key, ms);
    return { written: translation.points, ...skippedResult(translation.skipped, batch.spans.length) };
  }

  async close(): Promise<void> {
    this.client.close();
    this.context.logger.debug({ backend: this.context.name, deltaSeries: this.state.size }, 'remote write adapter closed');
  }
}

/** One count and a stable reason (it becomes a metric label): the reasons that occurred, joined. */
function skippedResult(skipped: ReadonlyMap<string, number>, spans: number): Pick<WriteResult, 'skipped'> {
  const reasons = [...skipped.keys()].sort();
  let count = 0;
  for (const value of skipped.values()) count += value;
  if (spans > 0) {
    reasons.unshift(SPANS_SKIPPED);
    count += spans;
  }
  return count === 0 ? {} : { skipped: { count, reason: reasons.join('; ') } };
}
