/** The InfluxDB adapter: translate a batch to line protocol, send it in requests of at most max_lines_per_request lines, in order. */
import { PermanentWriteError, wholeBatch, type Adapter, type AdapterContext, type WriteBatch, type WriteResult } from '../contract.js';
import type { Signal } from '../../model/index.js';
import type { InfluxConfig } from './config.js';
import { InfluxClient } from './http.js';
import { type Translation, Translator } from './schema.js';

/** A batch as line protocol. */
interface EncodedLines {
  readonly batchId: string;
  readonly translation: Translation;
}

export class InfluxAdapter implements Adapter<EncodedLines> {
  readonly signals: ReadonlySet<Signal>;
  private readonly client: InfluxClient;
  private readonly translator: Translator;

  constructor(
    private readonly config: InfluxConfig,
    private readonly context: AdapterContext,
  ) {
    this.signals = new Set<Signal>(config.signals);
    this.client = new InfluxClient(config, context.concurrency);
    this.translator = new Translator(config);
  }

  async start(): Promise<void> {
    if (this.config.create_database) await this.client.createDatabase();
    // Only reachable: a refused password or a missing database is a write's transient error, retried meanwhile.
    await this.client.ping();
  }

  /**
   * The ping, then an empty write: /ping answers anyone, the write needs the credentials, the database (v1) or
   * bucket (v2) and the right to write to it, which is what delivery will need (and what `manifold doctor` reports).
   */
  async health(): Promise<void> {
    await this.client.ping();
    await this.client.write([]);
  }

  async encode(batch: WriteBatch): Promise<EncodedLines> {
    const whole = await wholeBatch(batch);
    try {
      const translation = this.translator.translate(
        this.signals.has('metrics') ? whole.metrics : [],
        this.signals.has('traces') ? whole.spans : [],
        this.signals.has('logs') ? whole.logs : [],
      );
      return { batchId: batch.id, translation };
    } catch (error) {
      // Translation is deterministic: a failure here would fail the same way on every retry.
      const text = error instanceof Error ? error.message : String(error);
      throw new PermanentWriteError(`could not encode batch ${batch.id} as line protocol: ${text}`, text, { cause: error });
    }
  }

  async send(encoded: EncodedLines): Promise<WriteResult> {
    const { batchId, translation } = encoded;
    const { lines } = translation;
    const step = this.config.max_lines_per_request;
    // In order, one request at a time; a retry resends every request (InfluxDB overwrites same series + timestamp).
    for (let from = 0; from < lines.length; from += step) await this.client.write(lines.slice(from, from + step));
    if (translation.droppedFields > 0 || translation.droppedLines > 0) {
      this.context.logger.warn(
        { backend: this.context.name, batch: batchId, droppedFields: translation.droppedFields, droppedLines: translation.droppedLines },
        'InfluxDB: left out NaN/±Inf field values, and lines with a timestamp outside int64 ns or a series key over 65,535 bytes (InfluxDB cannot take them)',
      );
    }
    return { written: translation.written, ...skippedResult(translation.skipped) };
  }

  async close(): Promise<void> {
    this.client.close();
  }
}

/** One count and a stable reason (it becomes a metric label): the reasons that occurred, joined. */
function skippedResult(skipped: ReadonlyMap<string, number>): Pick<WriteResult, 'skipped'> {
  let count = 0;
  for (const value of skipped.values()) count += value;
  return count === 0 ? {} : { skipped: { count, reason: [...skipped.keys()].sort().join('; ') } };
}
