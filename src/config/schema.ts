import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { duration, endpoint, httpUrl, size } from './zod-types.js';

/**
 * The gateway's own settings. `backends.<name>` is validated in two steps (see load.ts): the `delivery`
 * block by deliverySchema here, the rest by the schema of the adapter its `kind` selects.
 */

/** Who may send (src/receivers/auth.ts): a bearer token, basic auth, or both (either one passes). */
const receiverAuth = z
  .object({
    bearer_token: z.string().min(1).optional(),
    bearer_token_file: z.string().min(1).optional(),
    basic: z
      .object({ username: z.string().min(1), password: z.string().optional(), password_file: z.string().min(1).optional() })
      .strict()
      .refine((b) => b.password === undefined || b.password_file === undefined, {
        message: 'give password or password_file, not both',
        path: ['password_file'],
      })
      .optional(),
  })
  .strict()
  .refine((a) => a.bearer_token === undefined || a.bearer_token_file === undefined, {
    message: 'give bearer_token or bearer_token_file, not both',
    path: ['bearer_token_file'],
  })
  .refine((a) => a.bearer_token !== undefined || a.bearer_token_file !== undefined || a.basic !== undefined, {
    message: 'expected bearer_token, bearer_token_file or basic',
  });

/** TLS on a receiver (src/receivers/tls.ts); client_ca_file turns on client-certificate verification (mTLS). */
const serverTls = z
  .object({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    client_ca_file: z.string().min(1).optional(),
    /** How often the files are checked for a renewed certificate (also reloaded on SIGHUP). */
    reload_interval: duration.prefault(10_000),
  })
  .strict();

const httpReceiver = z
  .object({
    enabled: z.boolean().default(true),
    endpoint: endpoint.prefault('127.0.0.1:4318'),
    /** Applies to the body as sent and again after decompression (a gzip bomb stops at this size). */
    max_request_bytes: size.prefault(20 * 1024 * 1024),
    auth: receiverAuth.optional(),
    tls: serverTls.optional(),
  })
  .strict();

const grpcReceiver = z
  .object({
    enabled: z.boolean().default(true),
    endpoint: endpoint.prefault('127.0.0.1:4317'),
    max_request_bytes: size.prefault(20 * 1024 * 1024),
    auth: receiverAuth.optional(),
    tls: serverTls.optional(),
  })
  .strict();

const redisQueue = z
  .object({
    kind: z.literal('redis'),
    url: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL'),
    /** Every key starts with {prefix}: several gateways with the same prefix share the queues. */
    prefix: z.string().min(1).default('manifold'),
    /** A lease held by a gateway that died comes back to the others after this long. */
    lease_timeout: duration.prefault(30_000),
  })
  .strict();

const embeddedQueue = z
  .object({
    kind: z.literal('embedded'),
    path: z.string().default('./data/queue'),
    /**
     * On by default: each group commit fdatasyncs the WAL before its requests are acknowledged, so an ack survives
     * a power loss. Measured in the same bench run: within noise of off (bench/RESULTS.md, "queue.fsync").
     * Off still survives a crash of the process (the OS holds the written WAL pages).
     */
    fsync: z.boolean().default(true),
  })
  .strict();

export const deliverySchema = z
  .object({
    /** Do not write to this backend (data still queues durably): for maintenance and benchmarks. */
    paused: z.boolean().default(false),
    /**
     * Writes in flight to this backend at once. Backends that need per-series order (remote write) get them as
     * parallel requests within one batch, split by series; the others as independent batches.
     */
    concurrency: z.number().int().min(1).max(64).default(1),
    /**
     * Run this backend's adapter on a delivery thread of its own: decoding the queued data, translating, encoding
     * and sending leave the main thread, which receives and queues. false: on the main thread. Default: on with
     * more than 2 CPUs. On 2 (measured, bench/NOTES.md) the main thread and the decode thread already fill both:
     * a third busy thread gave delivery no gain, took ~15% of ingest during delivery and ~50 MB of RSS.
     */
    thread: z.boolean().default(() => availableParallelism() > 2),
    batch: z
      .object({
        /**
         * Points + spans per write (a queued request is never split: one larger than this goes alone). Measured
         * into VictoriaMetrics under full ingest load (bench/NOTES.md): 10K per write delivered 0.36 of a native
         * POST loop, 40K 0.78, 80K 0.82; draining 0.61 / 1.14 / 1.24.
         */
        max_items: z.number().int().min(1).default(80_000),
        max_bytes: size.prefault(8 * 1024 * 1024),
        /** How long a write waits for more data to fill it when fewer than max_items are queued. 0: write at once. */
        max_delay: duration.prefault(200),
      })
      .strict()
      .prefault({}),
    retry: z
      .object({
        initial_interval: duration.prefault(5_000),
        multiplier: z.number().min(1).default(1.5),
        max_interval: duration.prefault(30_000),
        randomization: z.number().min(0).max(1).default(0.5),
        /** After this long since the first failure the batch goes to the dead-letter queue. 0 = never by time. */
        max_elapsed: duration.prefault(300_000),
        /** 0 = no limit by count. */
        max_attempts: z.number().int().min(0).default(0),
      })
      .strict()
      .prefault({}),
    backlog: z
      .object({
        max_bytes: size.prefault(1024 ** 3),
        max_age: duration.prefault(24 * 3_600_000),
        policy: z.enum(['refuse', 'drop_oldest']).default('refuse'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type DeliveryConfig = z.output<typeof deliverySchema>;

/**
 * `backends.<name>.migrate`: auto applies pending schema migrations at start (under the migration lock),
 * check refuses to write while any is pending and names the command to run, off never touches DDL.
 */
export const migrateSchema = z.enum(['auto', 'check', 'off'], { message: 'expected auto, check or off' });
export type MigrateMode = z.output<typeof migrateSchema>;

export const gatewaySchema = z
  .object({
    data_dir: z.string().default('./data'),
    receivers: z
      .object({
        otlp: z
          .object({
            http: httpReceiver.prefault({}),
            grpc: grpcReceiver.prefault({}),
            /**
             * Worker threads decoding OTLP and encoding queue payloads; 0 decodes on the main thread. Default: one
             * per CPU but one, so delivery (on the main thread) keeps a core: with one per CPU on 2 cores, delivery
             * under full ingest fell to 0.36 of a native POST loop and the backlog grew; with one it held 0.73.
             */
            decode_threads: z
              .number()
              .int()
              .min(0)
              .max(256)
              .default(() => Math.max(1, availableParallelism() - 1)),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        max_attributes: z.number().int().min(1).default(128),
        max_attribute_value_length: z.number().int().min(1).default(16_384),
      })
      .strict()
      .prefault({}),
    /**
     * Past limit − spike_limit of resident memory the receivers answer 429 / RESOURCE_EXHAUSTED with Retry-After
     * instead of growing (src/ingest/memory-limiter.ts). limit 0: off. spike_limit defaults to 20% of limit.
     */
    memory_limiter: z
      .object({ limit: size.prefault(0), spike_limit: size.optional(), check_interval: duration.prefault(1_000) })
      .strict()
      .prefault({})
      .transform((m) => ({ ...m, spike_limit: m.spike_limit ?? Math.floor(m.limit * 0.2) }))
      .refine((m) => m.limit === 0 || m.spike_limit < m.limit, { message: 'spike_limit must be below limit', path: ['spike_limit'] }),
    queue: z.discriminatedUnion('kind', [embeddedQueue, redisQueue]).prefault({ kind: 'embedded' }),
    /** name -> { kind, ...adapter settings, delivery }. Empty: everything goes to the embedded PostgreSQL. */
    backends: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'backend names are lower-case letters, digits, _ and -'), z.looseObject({ kind: z.string() }))
      .default({}),
    embedded_store: z
      .object({
        path: z.string().default('./data/pg'),
        endpoint: endpoint.prefault('127.0.0.1:5439'),
        /**
         * The embedded PostgreSQL's server process stops after this long without a client connection (its ~150 MB
         * go back to the system) and the next connection starts it again; 0 keeps it running.
         */
        idle_stop_after: duration.prefault(30_000),
      })
      .strict()
      .prefault({}),
    admin: z
      .object({
        enabled: z.boolean().default(true),
        endpoint: endpoint.prefault('127.0.0.1:8888'),
        /** When set, the dead-letter routes (they show and move data) need `Authorization: Bearer <token>`. */
        token: z.string().min(1).optional(),
        token_file: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
        format: z.enum(['json', 'pretty']).default('json'),
      })
      .strict()
      .prefault({}),
    shutdown: z
      .object({ timeout: duration.prefault(30_000) })
      .strict()
      .prefault({}),
  })
  .strict();

export { httpUrl };
