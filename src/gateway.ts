import path from 'node:path';
import type { Logger } from 'pino';
import { GatewayMetrics } from './admin/metrics.js';
import { startAdminServer, type ReadinessCheck } from './admin/server.js';
import { StatusReporter } from './admin/status.js';
import { adapterFactory } from './adapters/registry.js';
import type { BackendSettings, ResolvedConfig } from './config/load.js';
import { deliverySchema } from './config/schema.js';
import { DeliveryEngine, type DeliveryBackend } from './delivery/engine.js';
import { openAdapterRunner } from './delivery/open-runner.js';
import { deadLetterService } from './dlq/service.js';
import { createDecoder } from './ingest/decode-pool.js';
import { MemoryLimiter } from './ingest/memory-limiter.js';
import { authenticator, readSecret } from './receivers/auth.js';
import { TlsSource } from './receivers/tls.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres/postgres.js';
import { schemaStep } from './migrate/start.js';
import { openQueueStore } from './queue/open.js';
import { startGrpcReceiver } from './receivers/grpc.js';
import { startHttpReceiver } from './receivers/http.js';

export interface RunningGateway {
  readonly endpoints: { http?: string; grpc?: string; admin?: string; embeddedStore?: string };
  /** Stop accepting, finish in-flight requests, commit pending data, let writes under way end; within the deadline. */
  stop(): Promise<void>;
}

/** The name the embedded PostgreSQL backend gets when no backend is configured. */
export const EMBEDDED_BACKEND = 'embedded';

export async function startGateway(config: ResolvedConfig, logger: Logger): Promise<RunningGateway> {
  const settings = config.gateway;
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.error({ err: error as Error }, 'error during shutdown'));
  };
  try {
    const endpoints: { -readonly [K in keyof RunningGateway['endpoints']]: RunningGateway['endpoints'][K] } = {};
    // The queue first: its lock (embedded) refuses a second gateway on the same files before anything else opens.
    const queue = await openQueueStore(settings.queue, logger);
    closers.push(() => queue.close());

    let backends = config.backends;
    let embeddedStore: EmbeddedPostgres | undefined;
    if (backends.length === 0) {
      const store = await startEmbeddedPostgres({
        dataDir: path.resolve(settings.embedded_store.path),
        host: settings.embedded_store.endpoint.host,
        port: settings.embedded_store.endpoint.port,
        idleStopMs: settings.embedded_store.idle_stop_after,
        logger,
      });
      closers.push(() => store.close());
      embeddedStore = store;
      endpoints.embeddedStore = store.url;
      backends = [embeddedBackend(store.url)];
    }

    let metrics: GatewayMetrics | undefined;
    const deliveryBackends: DeliveryBackend[] = [];
    closers.push(async () => {
      for (const { runner } of deliveryBackends) await runner.close();
    });
    // The threads start together (each loads its adapter's modules: ~1 s under tsx); any failure stops the start.
    const opened = await Promise.allSettled(
      backends.map(async (backend): Promise<DeliveryBackend> => {
        const factory = adapterFactory(backend.kind);
        if (!factory) throw new Error(`backends.${backend.name}.kind: unknown backend kind "${backend.kind}"`);
        const context = {
          name: backend.name,
          logger: logger.child({ backend: backend.name }),
          dataDir: path.resolve(settings.data_dir, 'backends', backend.name),
          concurrency: backend.delivery.concurrency,
        };
        // On its own thread (the default with > 2 CPUs): the adapter's CPU work and I/O leave the main thread (src/delivery/thread).
        // Not for a paused backend: nothing is written to it, and an idle thread still holds ~40 MB (its own heap).
        const runner = await openAdapterRunner(backend.kind, backend.adapter, context, {
          thread: backend.delivery.thread && !backend.delivery.paused,
          onThreadExit: () => metrics?.deliveryThreadRestarts.inc({ backend: backend.name }),
        });
        return { settings: backend, runner, prepareSchema: schemaStep(factory, backend.adapter, context, backend.migrate) };
      }),
    );
    for (const outcome of opened) if (outcome.status === 'fulfilled') deliveryBackends.push(outcome.value);
    const failed = opened.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;

    const engine: DeliveryEngine = new DeliveryEngine(queue, deliveryBackends, (metrics = new GatewayMetrics(() => engine.backlog())), logger);
    if (embeddedStore) metrics.watchEmbeddedStore(embeddedStore.status);
    engine.start();
    closers.push(() => engine.stop());

    const limits = { maxAttributes: settings.limits.max_attributes, maxAttributeValueLength: settings.limits.max_attribute_value_length };
    const { http, grpc, decode_threads } = settings.receivers.otlp;
    // Decode + payload encode off the main thread. Pushed before the receivers, so it closes after them:
    // their in-flight requests finish (and drain the pool) first.
    const pool = createDecoder({ threads: decode_threads, limits, logger, onWorkerExit: () => metrics.decodeWorkerRestarts.inc() });
    metrics.decodePending = () => pool.pending;
    closers.push(() => pool.close());
    // First in line, as in the Collector: over the soft limit a request is refused before it is decoded.
    const limiter = new MemoryLimiter(settings.memory_limiter, logger);
    limiter.start();
    closers.push(async () => limiter.stop());
    metrics.memoryLimiterRefusing = () => limiter.refusing;
    const decoder = limiter.guard(pool);
    const receiverDeps = { sink: engine.router, decoder, observer: metrics, logger };
    // Secrets and certificates are read now: a missing file fails the start, naming its key.
    const tlsSources: TlsSource[] = [];
    const security = (settings: typeof http | typeof grpc, key: string) => {
      const tls = settings.tls && new TlsSource(settings.tls, `${key}.tls`, logger);
      if (tls) tlsSources.push(tls);
      return { authenticate: authenticator(settings.auth, `${key}.auth`), tls };
    };
    // SIGHUP re-reads the certificates at once (as nginx and the Collector's TLS reload do); file changes are also
    // picked up every tls.reload_interval.
    const reloadTls = () => {
      for (const tls of tlsSources) tls.reload('SIGHUP');
    };
    process.on('SIGHUP', reloadTls);
    closers.push(async () => {
      process.off('SIGHUP', reloadTls);
      for (const tls of tlsSources) tls.close();
    });
    if (http.enabled) {
      const server = await startHttpReceiver(
        { ...receiverDeps, ...security(http, 'receivers.otlp.http'), maxRequestBytes: http.max_request_bytes },
        http.endpoint.host,
        http.endpoint.port,
      );
      closers.push(() => server.close());
      endpoints.http = server.address;
    }
    if (grpc.enabled) {
      const server = await startGrpcReceiver(
        { ...receiverDeps, ...security(grpc, 'receivers.otlp.grpc'), maxRequestBytes: grpc.max_request_bytes },
        grpc.endpoint.host,
        grpc.endpoint.port,
      );
      closers.push(() => server.close(settings.shutdown.timeout));
      endpoints.grpc = server.address;
    }
    let accepting = true;
    if (settings.admin.enabled) {
      const readiness: ReadinessCheck[] = [
        { name: 'queue store', check: () => queue.health() },
        {
          name: 'receivers',
          check: async () => {
            if (!accepting) throw new Error('shutting down');
          },
        },
      ];
      const deadLetters = deadLetterService(queue, () => engine.notifyAll());
      const adminToken = readSecret(settings.admin.token, settings.admin.token_file, 'admin.token');
      const status = new StatusReporter({
        backends: backends.map(({ name, kind, adapter }) => ({ name, kind, url: adapterUrl(adapter) })),
        statuses: () => engine.statuses(),
        backlog: () => engine.backlog(),
        metrics,
        transports: [...(http.enabled ? ['http' as const] : []), ...(grpc.enabled ? ['grpc' as const] : [])],
      });
      const admin = await startAdminServer(
        metrics,
        () => readiness,
        deadLetters,
        status,
        settings.admin.endpoint.host,
        settings.admin.endpoint.port,
        logger,
        adminToken === undefined ? undefined : authenticator({ bearer_token: adminToken }, 'admin'),
      );
      // The admin server closes last, so /metrics stays readable during shutdown.
      closers.splice(0, 0, () => admin.close());
      endpoints.admin = admin.address;
    }

    return {
      endpoints,
      async stop() {
        accepting = false;
        const deadline = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), settings.shutdown.timeout).unref());
        const outcome = await Promise.race([closeAll().then(() => 'done' as const), deadline]);
        if (outcome === 'timeout')
          logger.warn(
            { timeoutMs: settings.shutdown.timeout },
            'shutdown deadline reached; unfinished writes stay queued and resume at the next start',
          );
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** Every adapter's settings name its server `url` (shown on the status page, without credentials). */
function adapterUrl(settings: unknown): string | undefined {
  const url = (settings as { url?: unknown } | null)?.url;
  return typeof url === 'string' ? url : undefined;
}

/** The embedded PostgreSQL, written through the same adapter as any PostgreSQL or TimescaleDB. */
export function embeddedBackend(url: string): BackendSettings {
  const adapter = adapterFactory('postgres')!.configSchema.parse({ url });
  // The embedded store is ours alone: its schema always follows the migrations shipped with this version.
  return {
    name: EMBEDDED_BACKEND,
    kind: 'postgres',
    adapter,
    delivery: deliverySchema.parse({ retry: { initial_interval: '1s' } }),
    migrate: 'auto',
  };
}
