/**
 * The remote-write adapter: translate a batch, cut it into requests, send them in order (per series). Ordered: the
 * engine encodes (translates) the next batch while one is in flight, on top of its running totals.
 */
import type { Adapter, AdapterContext, WriteBatch, WriteResult } from '../contract.js';
import { PermanentWriteError } from '../contract.js';
import type { Signal } from '../../model/index.js';
import type { PrometheusConfig } from './config.js';
import { encodeWriteRequest, splitRequests } from './encode.js';
import { RemoteWriteClient } from './http.js';
import { SeriesCatalog } from './series.js';
import { partitionBySeries } from './shards.js';
import { StagedCumulativeState, type StagedLayer } from './staged-state.js';
import { type Translation, Translator } from './translate.js';

const SPANS_SKIPPED = 'spans (remote write carries metrics only)';
const MAX_TARGET_INFO_REMEMBERED = 100_000;

/** A batch as request bodies, one list per parallel stream, and the running totals it stages. */
interface EncodedRemoteWrite {
  readonly streams: readonly (readonly Buffer[])[];
  readonly layer: StagedLayer;
  readonly result: WriteResult;
}

export class PrometheusAdapter implements Adapter<EncodedRemoteWrite> {
  readonly signals: ReadonlySet<Signal> = new Set<Signal>(['metrics']);
  /** Prometheus refuses a sample older than its series' last one. */
  readonly ordered = true;
  /** Parallel request streams per batch (delivery.concurrency), split by series. */
  private readonly streams: number;
  private readonly client: RemoteWriteClient;
  private readonly catalog: SeriesCatalog;
  private readonly state: StagedCumulativeState;
  private readonly translator: Translator;
  /** encode() calls one after another: a translation is valid until the next one (translate.ts). */
  private encoding: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: PrometheusConfig,
    private readonly context: AdapterContext,
  ) {
    this.streams = context.concurrency ?? 1;
    this.client = new RemoteWriteClient(config, this.streams);
    this.catalog = new SeriesCatalog(config.translation);
    this.state = new StagedCumulativeState(config.delta_to_cumulative.max_series, config.delta_to_cumulative.max_stale);
    this.translator = new Translator(config, this.catalog, this.state, this.state.targetInfoWritten);
  }

  async start(): Promise<void> {
    await this.health();
  }

  /** An empty WriteRequest: proves the URL, the credentials and the remote-write endpoint, stores nothing. */
  async health(): Promise<void> {
    await this.client.send(encodeWriteRequest([]).body);
  }

  encode(batch: WriteBatch): Promise<EncodedRemoteWrite> {
    const encoded = this.encoding.then(() => this.translateAndEncode(batch));
    this.encoding = encoded.catch(() => undefined);
    return encoded;
  }

  /**
   * The CPU half of a write: translation part by part (each queued job decoded when reached, its objects garbage
   * once translated: the memory of one job, not of the whole write), then the request bodies, yielding to the
   * event loop between parts and bodies so the requests of a write encoded earlier keep going out meanwhile
   * (the point of encoding ahead).
   */
  private async translateAndEncode(batch: WriteBatch): Promise<EncodedRemoteWrite> {
    this.catalog.trim();
    let translation: Translation;
    let spans = 0;
    const streams: Buffer[][] = [];
    try {
      this.translator.begin();
      const parts = batch.parts()[Symbol.iterator]();
      for (;;) {
        await yieldToEventLoop();
        // Decoded here, after the yield and just before it is translated, not before the yield (as a for-of
        // would): a part alive across a turn of the event loop (ingest requests, their scavenges) is promoted
        // to the old generation, ~5 MB of objects per 10K points that only a full GC then frees; the old space
        // grew to ~240 MB at the delivery bench's peak (bench/RESULTS.md, "Memory under load").
        const next = parts.next();
        if (next.done === true) break;
        const points = next.value.metrics;
        // In slices, yielding between them: a 10K-point part takes ~10 ms to translate, and every task that long
        // is ack latency for the requests waiting on this thread (issue 13; bench/probe/main-thread-turns.ts finds
        // the long turns). The engine's parts are slices of that size already (batch-from-jobs.ts), a part in
        // another's hands need not be.
        for (let from = 0; from < points.length; from += TRANSLATE_SLICE_POINTS) {
          if (from > 0) await yieldToEventLoop();
          this.translator.add(points, from, Math.min(from + TRANSLATE_SLICE_POINTS, points.length));
        }
        spans += next.value.spans.length;
      }
      translation = this.translator.finish();
      const limits = { maxSamples: this.config.max_samples_per_request, maxBytes: this.config.max_bytes_per_request };
      const requests = partitionBySeries(translation.series, this.streams).map((series) => splitRequests(series, limits));
      for (const stream of requests) {
        const bodies: Buffer[] = [];
        streams.push(bodies);
        for (const request of stream) {
          // Encoded before yielding: the series objects are valid until the next translation only (none starts
          // meanwhile: encode() calls are chained), and each body is a copy.
          bodies.push(encodeWriteRequest(request).body);
          await yieldToEventLoop(); // each body ~0.5-1 ms of CPU for 2,000 samples, 5-9 ms seen under load
        }
      }
    } catch (error) {
      // Translation and encoding are deterministic: a failure here would fail the same way on every retry.
      const text = error instanceof Error ? error.message : String(error);
      throw new PermanentWriteError(`could not encode batch ${batch.id} for remote write: ${text}`, text, { cause: error });
    }
    const layer = this.state.stage(translation.delta, translation.targetInfo);
    const result = { written: translation.points, ...skippedResult(translation.skipped, spans) };
    return { streams, layer, result };
  }

  async send(encoded: EncodedRemoteWrite): Promise<WriteResult> {
    const { streams, layer, result } = encoded;
    // Within a stream in order, one at a time: a series' samples must reach Prometheus oldest first. A failure
    // fails the batch; its retry re-sends every stream, which the server takes as duplicates of what it holds.
    try {
      await Promise.all(
        streams.map(async (bodies) => {
          for (const body of bodies) await this.client.send(body);
        }),
      );
    } catch (error) {
      this.state.drop(layer);
      throw error;
    }
    this.state.apply(layer, Date.now());
    const written = this.state.targetInfoWritten;
    if (written.size > MAX_TARGET_INFO_REMEMBERED) written.clear();
    for (const [key, ms] of layer.targetInfo) written.set(key, ms);
    return result;
  }

  /** Its running totals were staged on top of the committed ones: dropped, as if never encoded. */
  abandon(encoded: EncodedRemoteWrite): void {
    this.state.drop(encoded.layer);
  }

  async close(): Promise<void> {
    this.client.close();
    this.context.logger.debug({ backend: this.context.name, deltaSeries: this.state.size }, 'remote write adapter closed');
  }
}

/** Points translated between two yields (~1 µs each). */
const TRANSLATE_SLICE_POINTS = 2_500;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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
