/**
 * The delivery thread's boundary (src/delivery/thread): the engine decides retry, dead letter or wait by an error's
 * class and fields, so they must survive the trip from the thread; a thread that dies mid-write fails the write as
 * transient and is replaced, and the batch is written again with nothing lost or counted twice; stop() during a
 * write lets it finish, then the thread ends. Real Prometheus, VictoriaMetrics and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { PermanentWriteError, TransientWriteError, type WriteResult } from '../../src/adapters/contract.js';
import { prometheusAdapter } from '../../src/adapters/prometheus/index.js';
import { GatewayMetrics } from '../../src/admin/metrics.js';
import { deliverySchema } from '../../src/config/schema.js';
import type { QueuedBatch } from '../../src/delivery/batch-from-jobs.js';
import { InlineRunner, type AdapterRunner } from '../../src/delivery/runner.js';
import { ThreadRunner } from '../../src/delivery/thread/thread-runner.js';
import { BackendWorker } from '../../src/delivery/worker.js';
import type { MetricPoint } from '../../src/model/index.js';
import { PayloadFormatError, encodeBatch } from '../../src/queue/codec.js';
import { EmbeddedQueueStore } from '../../src/queue/sqlite/store.js';
import { descriptor, numberPoint, resource, scope } from '../adapters/prometheus/fixtures.js';
import { promQuery } from '../adapters/prometheus/support.js';
import { backendUrl } from '../support/backends.js';
import { eventually } from '../support/gateway.js';

const logger = pino({ level: 'silent' });
const context = { name: 'threaded', logger, dataDir: tmpdir() };

function remoteWrite(url: string, options: Record<string, unknown> = {}): Promise<ThreadRunner> {
  return ThreadRunner.open('prometheus', prometheusAdapter.configSchema.parse({ url, ...options }), context);
}

/** One batch of these points, queued as one job. */
function queued(id: string, metrics: MetricPoint[]): QueuedBatch {
  return { summary: { id, attempt: 1, items: metrics.length }, payloads: [encodeBatch({ metrics, spans: [], logs: [] })] };
}

async function write(runner: AdapterRunner, batch: QueuedBatch): Promise<WriteResult> {
  return (await runner.encode(batch)).send();
}

/** `count` gauge series of one metric, value i on series i, at `timeMs`. */
function gauges(service: string, name: string, from: number, count: number, timeMs: number): MetricPoint[] {
  const res = resource({ 'service.name': service });
  return Array.from({ length: count }, (_, i) =>
    numberPoint({
      resource: res,
      scope: scope('t'),
      metric: descriptor(name, 'gauge'),
      attributes: { i: String(from + i) },
      time: BigInt(timeMs) * 1_000_000n,
      value: from + i,
    }),
  );
}

async function listening(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/write` };
}

test('error classes and their fields cross the thread boundary', async (t) => {
  await t.test('TransientWriteError keeps retryAfterMs (a 429 with Retry-After)', async () => {
    // Stands in for an overloaded remote-write receiver: the point is what reaches the engine, not the server.
    const { server, url } = await listening((_request, response) => response.writeHead(429, { 'retry-after': '7' }).end('slow down'));
    const adapter = await remoteWrite(url);
    try {
      await assert.rejects(write(adapter, queued('b', gauges('x', 'boundary_429', 0, 1, Date.now()))), (error: unknown) => {
        assert.ok(error instanceof TransientWriteError, `a TransientWriteError, got ${String(error)}`);
        assert.equal(error.retryAfterMs, 7000);
        return true;
      });
    } finally {
      await adapter.close();
      server.close();
    }
  });

  await t.test('PermanentWriteError keeps the backend text (an out-of-order sample in Prometheus)', async () => {
    const adapter = await remoteWrite(`${backendUrl('prometheus')}/api/v1/write`);
    const service = `boundary-${randomUUID().slice(0, 8)}`;
    try {
      await write(adapter, queued('new', gauges(service, 'boundary_ooo', 0, 1, Date.now())));
      await assert.rejects(write(adapter, queued('old', gauges(service, 'boundary_ooo', 0, 1, Date.now() - 60_000))), (error: unknown) => {
        assert.ok(error instanceof PermanentWriteError, `a PermanentWriteError, got ${String(error)}`);
        assert.match(error.backendText, /out of (order|bounds)/i);
        return true;
      });
    } finally {
      await adapter.close();
    }
  });

  await t.test('an undecodable payload: the PayloadFormatError of its decode, inline and from the thread', async () => {
    const url = `${backendUrl('victoria')}/api/v1/write`;
    const adapter = await remoteWrite(url);
    const inline = new InlineRunner(prometheusAdapter.create(prometheusAdapter.configSchema.parse({ url }), context));
    // A good job, then one whose version byte no build has written: the encode fails whichever the adapter reached.
    const good = encodeBatch({ metrics: gauges('x', 'boundary_good', 0, 1, Date.now()), spans: [], logs: [] });
    const bad = (): QueuedBatch => ({ summary: { id: 'bad', attempt: 1, items: 2 }, payloads: [good, Uint8Array.from([0xee, 1, 2])] });
    try {
      const expected = await inline.encode(bad()).then(
        () => undefined,
        (error: Error) => error,
      );
      assert.ok(expected instanceof PayloadFormatError, `inline, the decode's PayloadFormatError, got ${String(expected)}`);
      await assert.rejects(adapter.encode(bad()), (error: Error) => {
        assert.ok(error instanceof PayloadFormatError, `a PayloadFormatError, got ${String(error)}`);
        assert.equal(error.message, expected.message);
        return true;
      });
      assert.equal((await write(adapter, queued('good', gauges('x', 'boundary_good', 0, 1, Date.now())))).written, 1);
    } finally {
      await adapter.close();
      await inline.close();
    }
  });
});

interface Run {
  store: EmbeddedQueueStore;
  adapter: ThreadRunner;
  worker: BackendWorker;
  metrics: GatewayMetrics;
  /** Resolves when the worker next hands an encoded write to the thread to send: a write is then in flight. */
  nextSend(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * The thread runner as the worker sees it, telling the test when a send begins. Polling the in-flight gauge
 * missed writes that finished between two polls (VictoriaMetrics takes 1,000 points in a few ms).
 */
function watchingSends(runner: ThreadRunner): { watched: AdapterRunner; nextSend(): Promise<void> } {
  let waiters: (() => void)[] = [];
  const watched: AdapterRunner = {
    signals: runner.signals,
    ordered: runner.ordered,
    start: () => runner.start(),
    health: () => runner.health(),
    close: () => runner.close(),
    async encode(batch) {
      const encoded = await runner.encode(batch);
      return {
        send() {
          const sent = encoded.send();
          for (const wake of waiters) wake();
          waiters = [];
          return sent;
        },
        abandon: () => encoded.abandon(),
      };
    },
  };
  return { watched, nextSend: () => new Promise<void>((resolve) => waiters.push(resolve)) };
}

/** Jobs of `perJob` gauge points each, queued for a BackendWorker writing through a ThreadRunner. */
async function deliveryRun(url: string, service: string, name: string, jobs: number, perJob: number, timeMs: number): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'manifold-thread-'));
  const store = await EmbeddedQueueStore.open({ dir });
  store.configure('vm', { maxBytes: 1e9, maxAgeMs: 3.6e6, policy: 'refuse' });
  for (let job = 0; job < jobs; job++) {
    await store.enqueue([
      { backend: 'vm', payload: encodeBatch({ metrics: gauges(service, name, job * perJob, perJob, timeMs), spans: [], logs: [] }), items: perJob },
    ]);
  }
  const metrics = new GatewayMetrics(async () => new Map());
  const adapter = await ThreadRunner.open(
    'prometheus',
    prometheusAdapter.configSchema.parse({ url }),
    {
      ...context,
      name: 'vm',
    },
    { onThreadExit: () => metrics.deliveryThreadRestarts.inc({ backend: 'vm' }) },
  );
  const delivery = deliverySchema.parse({
    batch: { max_items: perJob * 2, max_delay: '0s' },
    retry: { initial_interval: '100ms', max_interval: '200ms' },
  });
  const { watched, nextSend } = watchingSends(adapter);
  const worker = new BackendWorker('vm', watched, store, delivery, metrics, logger);
  return {
    store,
    adapter,
    worker,
    metrics,
    nextSend,
    async cleanup() {
      await worker.stop();
      await adapter.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function counter(metric: { get(): Promise<{ values: { value: number }[] }> }): Promise<number> {
  return (await metric.get()).values.reduce((sum, one) => sum + one.value, 0);
}

test('a delivery thread killed mid-write: the write is retried on a new thread, nothing lost or written twice', async () => {
  const service = `killed-${randomUUID().slice(0, 8)}`;
  const name = `thread_killed_${randomUUID().slice(0, 8).replace(/-/g, '_')}`;
  const jobs = 40;
  const perJob = 500;
  const timeMs = Date.now() - 5_000;
  const run = await deliveryRun(`${backendUrl('prometheus')}/api/v1/write`, service, name, jobs, perJob, timeMs);
  try {
    let sending = run.nextSend();
    run.worker.start();
    for (let kills = 0; kills < 3; kills++) {
      await sending;
      sending = run.nextSend();
      await run.adapter.killThread();
    }
    // Counted when the store has answered (after its fsync), a moment after the job left the queue.
    await eventually(
      async () => (await counter(run.metrics.written)) + (await counter(run.metrics.redelivered)),
      (recorded) => recorded >= jobs * perJob,
      60_000,
      'every job delivered',
    );
    assert.equal((await run.store.stats('vm')).jobs, 0);
    assert.equal(await counter(run.metrics.deliveryThreadRestarts), 3, 'each kill counted');
    assert.ok((await counter(run.metrics.retries)) >= 1, 'the killed writes were retried');
    // A killed write may have reached Prometheus: its retry is then refused as out of order and counted as
    // redelivered (worker.ts alreadyStored), not written. Either way each point is recorded once.
    const written = await counter(run.metrics.written);
    const redelivered = await counter(run.metrics.redelivered);
    assert.equal(written + redelivered, jobs * perJob, `each point recorded once (${written} written, ${redelivered} redelivered)`);
    assert.equal((await run.store.listDeadLetters('vm')).length, 0);
    const stored = await eventually(
      () => promQuery(backendUrl('prometheus'), `count(${name}) and sum(${name})`, timeMs + 1000),
      (r) => r.length > 0,
      15_000,
      'the series',
    );
    const sum = await promQuery(backendUrl('prometheus'), `sum(${name})`, timeMs + 1000);
    assert.equal(Number(stored[0]!.value[1]), jobs * perJob, 'one series per point, none missing');
    assert.equal(Number(sum[0]!.value[1]), ((jobs * perJob - 1) * jobs * perJob) / 2, 'each value as sent');
  } finally {
    await run.cleanup();
  }
});

test('stop() during a write: the write finishes (or its jobs stay queued), then the thread ends', async () => {
  const service = `stopped-${randomUUID().slice(0, 8)}`;
  const name = `thread_stopped_${randomUUID().slice(0, 8).replace(/-/g, '_')}`;
  const jobs = 20;
  const perJob = 500;
  const run = await deliveryRun(`${backendUrl('victoria')}/api/v1/write`, service, name, jobs, perJob, Date.now() - 5_000);
  try {
    const sending = run.nextSend();
    run.worker.start();
    await sending;
    await run.worker.stop();
    assert.equal(await counter(run.metrics.inFlight), 0, 'no write left under way');
    const written = await counter(run.metrics.written);
    const queued = (await run.store.stats('vm')).items;
    assert.equal(written + queued, jobs * perJob, 'every point either written or still queued');
    assert.ok(written > 0, 'the write under way finished');
    await run.adapter.close();
    await assert.rejects(run.adapter.health(), TransientWriteError, 'a closed adapter takes no more calls');
    assert.equal(await counter(run.metrics.deliveryThreadRestarts), 0, 'closing is not a crash');
  } finally {
    await run.cleanup();
  }
});

test('backends.<name>.delivery.thread: a boolean, on by default with more than 2 CPUs', () => {
  assert.equal(deliverySchema.parse({}).thread, availableParallelism() > 2);
  assert.equal(deliverySchema.parse({ thread: false }).thread, false);
  assert.throws(() => deliverySchema.parse({ thread: 'yes' }), /thread/);
});
