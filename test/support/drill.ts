/**
 * The ordered crash drills' tools (test/delivery/ordered-crash-drill*.test.ts, issue 16): an OpenTelemetry SDK
 * sender whose exporter keeps a ledger of what was acknowledged, gateways as child processes (so kill -9 is
 * real), and the read-back that holds a remote-write store against the ledger.
 *
 * The ledger: every export that got success, each series and its (timestamp ms, value). Only acknowledged exports
 * count: an export that failed may or may not have been queued, and the next one carries the counter on anyway.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  MeterProvider,
  PeriodicExportingMetricReader,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { Redis } from 'ioredis';
import { PrivatePrometheus } from '../adapters/prometheus/private-prometheus.js';
import { promRaw, uniqueService, vmExport } from '../adapters/prometheus/support.js';
import type { DeadLetter } from '../../src/queue/contract.js';
import { backendUrl } from './backends.js';
import { eventually } from './gateway.js';
import { metricExporter } from './otel.js';
import { seededRandom } from './seeded-random.js';
import { PrivateVictoria, type PrivateServer } from './private-server.js';
import { freePorts, killRunningCli, runCli, type CliProcess } from './process.js';

export type StoreKind = 'prometheus' | 'victoria';

/** The drills' one instrument, an observable counter (cumulative), and its remote-write name. */
export const DRILL_METRIC = 'drill.samples';
export const DRILL_SERIES = 'drill_samples_total';
/** As the user had it (issue 16). */
export const EXPORT_INTERVAL_MS = 150;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** series key (`instance lane`) → timestamp ms → value. */
export type SampleMap = Map<string, Map<number, number>>;

export const seriesKey = (instance: string, lane: string): string => `${instance} ${lane}`;

/**
 * Wraps the SDK's OTLP exporter: records acknowledged exports, and sends one export at a time, in order. (The
 * periodic reader starts an export every interval whether the last one is done or not; two in flight could reach
 * the gateway in either order, and a store refusing the older would be the sender's doing, not the queue's.)
 */
export class LedgerExporter implements PushMetricExporter {
  readonly acked: SampleMap = new Map();
  acks = 0;
  failures = 0;
  /** When the last acknowledgement came (ms epoch). */
  lastAckAt = 0;
  /**
   * Sample timestamps of exports that were in flight when their gateway was killed (see gatewayKilled). The SDK's
   * exporter retries an export whose connection was reset, so one the dead gateway had already queued, but not yet
   * answered, reaches the next gateway again: the same samples twice, from the sender (at-least-once, as for any
   * OTLP receiver). A store without content dedup (ClickHouse) keeps both; those are not the queue's duplicates.
   */
  readonly resent = new Set<number>();
  private inFlight: readonly number[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private inner: PushMetricExporter) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.chain = this.chain.then(
      () =>
        new Promise<void>((done) => {
          this.inFlight = this.timestamps(metrics);
          this.inner.export(metrics, (result) => {
            this.inFlight = [];
            if (result.code === ExportResultCode.SUCCESS) {
              this.record(metrics);
              this.acks++;
              this.lastAckAt = Date.now();
            } else {
              this.failures++;
            }
            done();
            resultCallback(result);
          });
        }),
    );
  }

  /** Called right before the drill kills the gateway this sender sends to. */
  gatewayKilled(): void {
    for (const ts of this.inFlight) this.resent.add(ts);
  }

  private timestamps(metrics: ResourceMetrics): number[] {
    const out: number[] = [];
    for (const scope of metrics.scopeMetrics)
      for (const metric of scope.metrics)
        if (metric.descriptor.name === DRILL_METRIC)
          for (const point of metric.dataPoints) out.push(point.endTime[0] * 1000 + Math.floor(point.endTime[1] / 1e6));
    return out;
  }

  /** Later exports go to `next` (the exports already waiting too); the old exporter is shut down. */
  retarget(next: PushMetricExporter): void {
    this.chain = this.chain.then(async () => {
      const old = this.inner;
      this.inner = next;
      await old.shutdown();
    });
  }

  async forceFlush(): Promise<void> {
    await this.chain;
  }

  async shutdown(): Promise<void> {
    await this.chain;
    await this.inner.shutdown();
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality?.(type) ?? AggregationTemporality.CUMULATIVE;
  }

  /** Resolves once `count` more exports have been acknowledged (or rejects after `timeoutMs`). */
  async moreAcks(count: number, timeoutMs = 20_000): Promise<void> {
    const target = this.acks + count;
    await eventually(
      async () => this.acks,
      (acks) => acks >= target,
      timeoutMs,
      `${count} more acknowledged exports`,
    );
  }

  get samples(): number {
    let n = 0;
    for (const samples of this.acked.values()) n += samples.size;
    return n;
  }

  private record(metrics: ResourceMetrics): void {
    const instance = String(metrics.resource.attributes['service.instance.id']);
    for (const scope of metrics.scopeMetrics) {
      for (const metric of scope.metrics) {
        if (metric.descriptor.name !== DRILL_METRIC) continue;
        for (const point of metric.dataPoints) {
          const key = seriesKey(instance, String(point.attributes.lane));
          let samples = this.acked.get(key);
          if (!samples) this.acked.set(key, (samples = new Map()));
          const [seconds, nanos] = point.endTime;
          samples.set(seconds * 1000 + Math.floor(nanos / 1e6), point.value as number);
        }
      }
    }
  }
}

export interface SenderOptions {
  /** service.name: the remote-write `job` label, unique per test. */
  readonly service: string;
  /** service.instance.id: the `instance` label. */
  readonly instance: string;
  /** The gateway's OTLP/HTTP base URL. */
  readonly url: string;
  /** Series (values of attribute `lane`) per export. */
  readonly lanes?: number;
}

/** An application with the OpenTelemetry JS SDK: a cumulative counter per lane, exported every 150 ms over OTLP/HTTP protobuf. */
export class DrillSender {
  readonly ledger: LedgerExporter;
  private readonly provider: MeterProvider;

  constructor(readonly options: SenderOptions) {
    this.ledger = new LedgerExporter(metricExporter('http/protobuf', options.url, options.url));
    const reader = new PeriodicExportingMetricReader({
      exporter: this.ledger,
      exportIntervalMillis: EXPORT_INTERVAL_MS,
      exportTimeoutMillis: EXPORT_INTERVAL_MS,
    });
    this.provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': options.service, 'service.instance.id': options.instance }),
      readers: [reader],
    });
    let collections = 0;
    const lanes = options.lanes ?? 5;
    this.provider
      .getMeter('drill')
      .createObservableCounter(DRILL_METRIC)
      .addCallback((result) => {
        collections++;
        for (let lane = 0; lane < lanes; lane++) result.observe(collections * (lane + 1), { lane: `l${lane}` });
      });
  }

  /** From now on, export to another gateway (a load balancer failing over). */
  switchTo(url: string): void {
    this.ledger.retarget(metricExporter('http/protobuf', url, url));
  }

  /** The last export, then the exporter's shutdown (every export waiting is sent first). */
  async stop(): Promise<void> {
    await this.provider.shutdown();
  }
}

/** Merges the ledgers of several senders (their instances differ, so their series do). */
export function mergedLedger(...senders: DrillSender[]): SampleMap {
  return new Map(senders.flatMap((sender) => [...sender.ledger.acked]));
}

export const DRILL_RETRY = '{ initial_interval: 200ms, max_interval: 1s }';

export interface DrillGatewayOptions {
  /** The `queue:` block as YAML flow, e.g. redisQueue(…) or embeddedQueue(…). */
  readonly queue: string;
  /** The one backend, `store`, as YAML flow without its delivery block, e.g. remoteWrite(url). */
  readonly backend: string;
  /** The `delivery.retry:` block as YAML flow. */
  readonly retry?: string;
}

/** The drills' one backend name. */
export const DRILL_BACKEND = 'store';

export const remoteWrite = (writeUrl: string): string => `kind: prometheus, url: "${writeUrl}"`;

export const redisQueue = (prefix: string, leaseTimeout: string): string =>
  `{ kind: redis, url: "${backendUrl('redis')}", prefix: "${prefix}", lease_timeout: ${leaseTimeout} }`;
export const embeddedQueue = (dir: string): string => `{ kind: embedded, path: ${path.join(dir, 'queue')} }`;

/** A gateway run by the CLI (`manifold start --config FILE`) as a child process; start / kill -9 / start again on the same config. */
export class DrillGateway {
  private current: CliProcess | undefined;
  /** Every output line of every run, for failure messages. */
  readonly log: string[] = [];
  runs = 0;

  private constructor(
    readonly config: string,
    readonly httpUrl: string,
    readonly adminUrl: string,
  ) {}

  /** Writes `DIR/<name>.yaml` (data under DIR/<name>) on free ports; does not start it. */
  static async create(dir: string, name: string, options: DrillGatewayOptions): Promise<DrillGateway> {
    const [httpPort, adminPort] = await freePorts(2);
    const config = path.join(dir, `${name}.yaml`);
    writeFileSync(
      config,
      [
        `data_dir: ${path.join(dir, name)}`,
        `receivers: { otlp: { http: { endpoint: 127.0.0.1:${httpPort} }, grpc: { enabled: false } } }`,
        `queue: ${options.queue}`,
        `admin: { endpoint: 127.0.0.1:${adminPort} }`,
        'backends:',
        `  ${DRILL_BACKEND}: { ${options.backend}, delivery: { retry: ${options.retry ?? DRILL_RETRY} } }`,
        '',
      ].join('\n'),
    );
    return new DrillGateway(config, `http://127.0.0.1:${httpPort}`, `http://127.0.0.1:${adminPort}`);
  }

  get process(): CliProcess | undefined {
    return this.current;
  }

  async start(): Promise<void> {
    const run = ++this.runs;
    const child = runCli(['start', '--config', this.config]);
    this.current = child;
    child.child.stdout!.on('data', (chunk: Buffer) =>
      this.log.push(
        ...chunk
          .toString('utf8')
          .trimEnd()
          .split('\n')
          .map((line) => `[run ${run}] ${line}`),
      ),
    );
    await child.waitForLine(/manifold is running/, 60_000);
  }

  /** kill -9, and wait until it is gone. */
  async kill(): Promise<void> {
    const child = this.current;
    this.current = undefined;
    if (!child || child.child.exitCode !== null || child.child.signalCode !== null) return;
    child.child.kill('SIGKILL');
    await child.exited;
  }

  async stop(): Promise<void> {
    const child = this.current;
    this.current = undefined;
    if (!child || child.child.exitCode !== null || child.child.signalCode !== null) return;
    child.child.kill('SIGTERM');
    await child.exited;
  }

  /** A gauge or counter of the drill's backend from /metrics. */
  async metric(name: string): Promise<number> {
    const text = await (await fetch(`${this.adminUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{backend="${DRILL_BACKEND}"}`));
    return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
  }

  /** Until the backend's queue is empty (written or dead-lettered; a lapsed lease of a killed gateway included). */
  async drained(timeoutMs = 45_000): Promise<void> {
    try {
      await eventually(
        () => this.metric('manifold_queue_jobs'),
        (jobs) => jobs === 0,
        timeoutMs,
        "the backend's queue to drain",
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\ngateway log (the last lines):\n${this.log.slice(-40).join('\n')}`);
    }
  }

  /** Lines of the log that matter when a drill fails: warnings and errors. */
  trouble(): string {
    return this.log
      .filter((line) => /"level":(40|50|60)/.test(line))
      .slice(-30)
      .join('\n');
  }
}

/** `manifold dlq list --json` with the gateway's config (through its admin endpoint when it runs). */
export async function deadLetters(config: string): Promise<DeadLetter[]> {
  const cli = runCli(['dlq', 'list', '--config', config, '--json']);
  const closed = new Promise((resolve) => cli.child.once('close', resolve));
  const { code } = await cli.exited;
  await closed;
  const text = cli.lines.join('\n');
  if (code !== 0) throw new Error(`manifold dlq list exited with ${code}:\n${text}`);
  return JSON.parse(text.slice(text.indexOf('['), text.lastIndexOf(']') + 1)) as DeadLetter[];
}

/** What a store holds of the drill's series: series key → samples (ms timestamps), read with the store's own query language. */
export type StoredSamples = Map<string, { ts: number; value: number }[]>;
export type SampleReader = () => Promise<StoredSamples>;

/** Every raw sample of the drill's series of `service`, per series: Prometheus (PromQL range selector) or VictoriaMetrics (/api/v1/export). */
export async function remoteWriteSamples(kind: 'prometheus' | 'victoria', baseUrl: string, service: string): Promise<StoredSamples> {
  const selector = `${DRILL_SERIES}{job="${service}"}`;
  const stored: StoredSamples = new Map();
  if (kind === 'prometheus') {
    for (const series of await promRaw(baseUrl, selector, Date.now() + 1000, 1)) {
      stored.set(
        seriesKey(series.metric.instance!, series.metric.lane!),
        series.values.map(([seconds, value]) => ({ ts: Math.round(seconds * 1000), value: Number(value) })),
      );
    }
  } else {
    for (const series of await vmExport(baseUrl, selector, 1)) {
      stored.set(
        seriesKey(series.metric.instance!, series.metric.lane!),
        series.timestamps.map((ts, i) => ({ ts, value: series.values[i]! })),
      );
    }
  }
  return stored;
}

export interface LedgerCheck {
  readonly acked: number;
  /** `series @ts=value` acknowledged, not stored. */
  readonly missing: string[];
  /** Stored at an acknowledged timestamp with another value. */
  readonly wrong: string[];
  /** Stored more than once at one timestamp. */
  readonly duplicated: string[];
  /** Stored more than once at the timestamp of an export in flight at a kill: the sender's own retry (LedgerExporter.resent). */
  readonly resentTwice: number;
}

export function checkLedger(ledger: SampleMap, stored: StoredSamples, resent: ReadonlySet<number> = new Set()): LedgerCheck {
  const missing: string[] = [];
  const wrong: string[] = [];
  const duplicated: string[] = [];
  let acked = 0;
  let resentTwice = 0;
  for (const [series, samples] of stored) {
    const seen = new Map<number, number>();
    for (const { ts } of samples) seen.set(ts, (seen.get(ts) ?? 0) + 1);
    for (const [ts, times] of seen) {
      if (times > 1 && resent.has(ts)) resentTwice++;
      else if (times > 1) duplicated.push(`${series} @${ts} x${times}`);
    }
  }
  for (const [series, samples] of ledger) {
    const have = new Map((stored.get(series) ?? []).map(({ ts, value }) => [ts, value]));
    for (const [ts, value] of samples) {
      acked++;
      if (!have.has(ts)) missing.push(`${series} @${ts}=${value}`);
      else if (have.get(ts) !== value) wrong.push(`${series} @${ts}=${value} stored as ${have.get(ts)}`);
    }
  }
  return { acked, missing, wrong, duplicated, resentTwice };
}

export interface DrillVerdict extends LedgerCheck {
  readonly deadLetters: DeadLetter[];
}

/**
 * After the senders stopped: waits for the queue to drain, reads the store back (polling briefly while samples
 * become visible), and lists the dead letters. Asserting is the caller's (see assertDrill).
 */
export async function verdict(
  gateway: DrillGateway,
  read: SampleReader,
  ledger: SampleMap,
  resent: ReadonlySet<number> = new Set(),
): Promise<DrillVerdict> {
  await gateway.drained();
  let check = checkLedger(ledger, new Map(), resent);
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    check = checkLedger(ledger, await read(), resent);
    if (check.missing.length === 0) break;
    await sleep(250);
  }
  return { ...check, deadLetters: await deadLetters(gateway.config) };
}

/** One line per finding, for the test's failure message and its `#` diagnostic. */
export function describe(result: DrillVerdict): string {
  const letters = result.deadLetters.map((d) => `${d.reason}: ${d.lastError} (${d.items} items, ${d.attempts} attempts)`);
  return [
    `${result.acked} acknowledged samples, ${result.missing.length} missing, ${result.wrong.length} with another value, ${result.duplicated.length} stored twice, ${result.deadLetters.length} dead letters` +
      (result.resentTwice > 0 ? ` (and ${result.resentTwice} stored twice as the sender sent them twice: in flight at a kill, retried)` : ''),
    ...letters.slice(0, 5).map((l) => `  dead letter ${l}`),
    ...result.missing.slice(0, 5).map((m) => `  missing ${m}`),
    ...result.wrong.slice(0, 5).map((m) => `  wrong ${m}`),
    ...result.duplicated.slice(0, 5).map((m) => `  twice ${m}`),
  ].join('\n');
}

/** Deletes every Redis key of a queue prefix (the drills' queues are their own). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(backendUrl('redis'), { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The drills' one assertion: every acknowledged sample stored with its value, none twice, no dead letter. */
export function assertDrill(result: DrillVerdict): void {
  const text = describe(result);
  console.log(`# ${text.replaceAll('\n', '\n# ')}`);
  assert.deepEqual(
    { missing: result.missing.length, wrong: result.wrong.length, duplicated: result.duplicated.length, deadLetters: result.deadLetters.length },
    { missing: 0, wrong: 0, duplicated: 0, deadLetters: 0 },
    text,
  );
}

/**
 * What one test file's drills start, to end in after() whatever happened: gateways (every CLI child), senders,
 * private stores, Redis queue prefixes, the data folder.
 */
export class DrillScope {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'manifold-drill-'));
  private readonly servers: PrivateServer[] = [];
  private readonly prefixes: string[] = [];
  private readonly senders: DrillSender[] = [];

  /** A Prometheus or VictoriaMetrics of the drill's own, to stop, freeze and restart. */
  async privateStore(kind: StoreKind): Promise<PrivateServer> {
    // VictoriaMetrics as its docs advise behind more than one writer: a sample delivered twice at one timestamp
    // (at-least-once: the gateway died before it recorded the write) is kept once. Prometheus does that itself.
    const server = kind === 'prometheus' ? await PrivatePrometheus.start() : await PrivateVictoria.start(['-dedup.minScrapeInterval=1ms']);
    this.servers.push(server);
    return server;
  }

  /** A job name (service.name) and Redis queue prefix no other run uses. */
  names(what: string): { service: string; prefix: string } {
    const service = uniqueService(`drill_${what}`);
    this.prefixes.push(`manifold-${service}`);
    return { service, prefix: `manifold-${service}` };
  }

  sender(options: SenderOptions): DrillSender {
    const sender = new DrillSender(options);
    this.senders.push(sender);
    return sender;
  }

  async dispose(): Promise<void> {
    killRunningCli();
    // Not awaited: a sender whose gateway is gone could retry for a while; its timers do not hold the process.
    for (const sender of this.senders) void sender.stop().catch(() => {});
    for (const server of this.servers) await server.dispose();
    for (const prefix of this.prefixes) await dropRedisPrefix(prefix).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The kill loops' randomness: seeded from MANIFOLD_DRILL_SEED when set (to replay a failure), else from the clock. */
export function drillRandom(): { seed: number; random: () => number } {
  const seed = Number(process.env.MANIFOLD_DRILL_SEED ?? Date.now() % 1_000_000);
  return { seed, random: seededRandom(seed) };
}

/**
 * Under the sender's steady load: `times` times, wait for an acknowledgement, then a random 0-1.2 s, kill -9 and
 * start again on the same config at once; then three more acknowledgements. Returns the delays, for the log.
 */
export async function killRepeatedly(gateway: DrillGateway, sender: DrillSender, random: () => number, times: number): Promise<number[]> {
  const delays: number[] = [];
  for (let kill = 0; kill < times; kill++) {
    await sender.ledger.moreAcks(1, 30_000);
    const delay = Math.floor(random() * 1_200);
    await sleep(delay);
    delays.push(delay);
    sender.ledger.gatewayKilled();
    await gateway.kill();
    await gateway.start();
  }
  await sender.ledger.moreAcks(3, 30_000);
  return delays;
}
