/**
 * OTLP logs in, while no backend can store them: every request is read, authenticated, limited and validated as
 * for the other signals (so a sender sees the same 400s and the same partial success for bad records), and then
 * its valid records are not queued (no adapter takes logs yet, and no configuration can route them). The sender
 * is told so in the partial success (rejected_log_records with the reason) and the records are counted in
 * manifold_receiver_items_dropped_total{signal="logs",reason="no_backend"}: nothing is dropped silently.
 */
import type { Rejections } from '../model/index.js';
import { type DecodeLimits, type Encoding, decodeLogs } from '../otlp/index.js';
import type { IngestRefusedError } from '../delivery/ingest-sink.js';

export const NO_LOGS_BACKEND = 'no backend takes logs yet: the gateway does not store log records';

export interface LogsIntake {
  /** Throws OtlpDecodeError (400) or IngestRefusedError (429/503), as the other signals' decoder. */
  decode(body: Uint8Array, encoding: Encoding): Promise<LogsOutcome>;
}

export interface LogsOutcome {
  /** Records queued: none while no backend takes logs. */
  readonly items: number;
  /** Bad records and the records no backend takes, with their reasons: the partial success. */
  readonly rejected: Rejections;
}

export class LogsWithoutBackend implements LogsIntake {
  constructor(
    private readonly limits: DecodeLimits,
    private readonly onDropped: (records: number) => void,
    /** The memory limiter's refusal while memory is over its soft limit. */
    private readonly refusal: () => IngestRefusedError | undefined = () => undefined,
  ) {}

  async decode(body: Uint8Array, encoding: Encoding): Promise<LogsOutcome> {
    const refused = this.refusal();
    if (refused) throw refused;
    const decoded = decodeLogs(body, encoding, this.limits);
    const valid = decoded.logs.length;
    if (valid === 0) return { items: 0, rejected: decoded.rejected };
    this.onDropped(valid);
    const { count, messages } = decoded.rejected;
    return { items: 0, rejected: { count: count + valid, messages: [...messages, `${valid} log record(s): ${NO_LOGS_BACKEND}`] } };
  }
}
