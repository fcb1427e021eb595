/**
 * /status.json: what the status page shows, built from what the gateway already tracks (its metrics, the backlog
 * the queue store reports, each worker's BackendStatus). It leaves the process, so it carries no secret: backends
 * by name and kind, URLs without credentials, error messages through the config's redaction.
 */
import { isSecretKey, redactText } from '../config/redact.js';
import type { BackendState, BackendStatus } from '../delivery/backend-status.js';
import { SIGNALS, type Signal } from '../model/index.js';
import type { BacklogStats } from '../queue/contract.js';
import type { GatewayMetrics } from './metrics.js';
import { RateWindow } from './rate-window.js';

export type Transport = 'http' | 'grpc';
const RESULTS = ['accepted', 'rejected', 'refused'] as const;
type ReceiverResult = (typeof RESULTS)[number];

export interface StatusSources {
  readonly backends: readonly { readonly name: string; readonly kind: string; readonly url: string | undefined }[];
  readonly statuses: () => ReadonlyMap<string, BackendStatus>;
  readonly backlog: () => Promise<ReadonlyMap<string, BacklogStats>>;
  readonly transports: readonly Transport[];
  readonly metrics: GatewayMetrics;
}

/** A count and its per-second rate over the last seconds (null until a second call gives something to compare with). */
export interface Flow {
  readonly total: number;
  readonly perSecond: number | null;
}

export interface BackendReport {
  readonly name: string;
  readonly kind: string;
  readonly url: string | null;
  readonly state: BackendState;
  readonly retryAt: string | null;
  readonly consecutiveFailures: number;
  readonly written: Flow;
  readonly lastWriteAt: string | null;
  readonly backlog: {
    readonly jobs: number;
    readonly items: number;
    readonly bytes: number;
    readonly oldestAgeSeconds: number;
    readonly deadLetters: number;
  } | null;
  readonly lastError: { readonly message: string; readonly at: string } | null;
}

export interface ReceiverReport {
  readonly transport: Transport;
  readonly signal: Signal;
  readonly items: Record<ReceiverResult, Flow>;
}

export interface StatusReport {
  readonly generatedAt: string;
  readonly uptimeSeconds: number;
  readonly backends: readonly BackendReport[];
  readonly receivers: readonly ReceiverReport[];
}

export class StatusReporter {
  private readonly rates = new RateWindow();

  constructor(private readonly sources: StatusSources) {}

  async report(now = Date.now()): Promise<StatusReport> {
    const { metrics } = this.sources;
    const [backlog, written, received] = await Promise.all([this.sources.backlog(), metrics.written.get(), metrics.receivedItems.get()]);
    const totals = new Map<string, number>();
    for (const { labels, value } of written.values) totals.set(`written/${String(labels.backend)}`, value);
    for (const { labels, value } of received.values)
      totals.set(`received/${String(labels.transport)}/${String(labels.signal)}/${String(labels.result)}`, value);
    const rate = this.rates.record(totals, now);
    const flow = (key: string): Flow => ({ total: totals.get(key) ?? 0, perSecond: rate(key) });
    const statuses = this.sources.statuses();

    const backends = this.sources.backends.map(({ name, kind, url }): BackendReport => {
      const status = statuses.get(name);
      const stats = backlog.get(name);
      return {
        name,
        kind,
        url: url === undefined ? null : publicUrl(url),
        state: status?.state ?? 'starting',
        retryAt: iso(status?.retryAt),
        consecutiveFailures: status?.consecutiveFailures ?? 0,
        written: flow(`written/${name}`),
        lastWriteAt: iso(status?.lastWriteAt),
        backlog: stats
          ? { jobs: stats.jobs, items: stats.items, bytes: stats.bytes, oldestAgeSeconds: stats.oldestAgeMs / 1000, deadLetters: stats.deadLetters }
          : null,
        lastError: status?.lastError ? { message: redactText(status.lastError.message), at: new Date(status.lastError.at).toISOString() } : null,
      };
    });
    const receivers = this.sources.transports.flatMap((transport) =>
      SIGNALS.map(
        (signal): ReceiverReport => ({
          transport,
          signal,
          items: Object.fromEntries(RESULTS.map((result) => [result, flow(`received/${transport}/${signal}/${result}`)])) as Record<
            ReceiverResult,
            Flow
          >,
        }),
      ),
    );
    return { generatedAt: new Date(now).toISOString(), uptimeSeconds: Math.round(process.uptime()), backends, receivers };
  }
}

function iso(epochMs: number | undefined): string | null {
  return epochMs === undefined ? null : new Date(epochMs).toISOString();
}

/** The URL without user info, fragment or secret query parameters. */
export function publicUrl(raw: string): string {
  if (!URL.canParse(raw)) return redactText(raw);
  const url = new URL(raw);
  url.username = '';
  url.password = '';
  url.hash = '';
  for (const key of [...url.searchParams.keys()]) if (isSecretKey(key)) url.searchParams.set(key, '***');
  return redactText(url.toString());
}
