/**
 * Issue 16, as the user found it: guarantees 4 and 6 for an ordered backend. Remote write refuses a sample older
 * than what a series already holds (Prometheus: 400 `out of order sample`, for good), so after a kill -9 the
 * gateway's unfinished write must still reach the backend before anything newer, whatever the queue:
 *
 * - the backend hangs (SIGSTOP: the write in flight stays leased), the gateway keeps acknowledging, is killed -9;
 *   the backend and a new gateway on the same queue start, and the new one takes data *before* the dead one's
 *   lease lapses (queue.lease_timeout) — with Redis (Prometheus, VictoriaMetrics) and the embedded queue;
 * - the backend is down and the gateway waits out a retry (backoff); kill -9, restart *before* the retry time,
 *   backend up: the retried write goes first (embedded queue, and Redis).
 *
 * The sender is the OpenTelemetry JS SDK (cumulative counters every 150 ms); its exporter keeps a ledger of the
 * acknowledged exports. At the end: every acknowledged sample stored with its value, none twice, no dead letter.
 * (VictoriaMetrics takes out-of-order samples: there the drill checks nothing missing and nothing doubled.)
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import {
  assertDrill,
  drillRandom,
  DrillGateway,
  DrillScope,
  embeddedQueue,
  killRepeatedly,
  mergedLedger,
  redisQueue,
  remoteWrite,
  remoteWriteSamples,
  verdict,
  type StoreKind,
} from '../support/drill.js';

/** Long enough for a restarted gateway (2-4 s here under tsx) to take data before it, short enough to keep the drill quick. */
const LEASE_MS = 6_000;
/** The retry drill's backoff, fixed (randomization 0): the restart has to come well before it (2-5 s here, loaded). */
const RETRY_MS = 9_000;

const scope = new DrillScope();
after(() => scope.dispose());

type QueueKind = 'redis' | 'embedded';

async function gatewayFor(queue: QueueKind, name: string, prefix: string, writeUrl: string, retry?: string): Promise<DrillGateway> {
  const queueYaml = queue === 'redis' ? redisQueue(prefix, `${LEASE_MS}ms`) : embeddedQueue(`${scope.dir}/${name}`);
  return DrillGateway.create(scope.dir, name, { queue: queueYaml, backend: remoteWrite(writeUrl), retry });
}

async function hungBackendDrill(queue: QueueKind, kind: StoreKind): Promise<void> {
  const { service, prefix } = scope.names(`hung_${queue}`);
  const store = await scope.privateStore(kind);
  const gateway = await gatewayFor(queue, service, prefix, `${store.url}/api/v1/write`);
  await gateway.start();
  const sender = scope.sender({ service, instance: 'app-1', url: gateway.httpUrl });
  await sender.ledger.moreAcks(10);
  store.freeze(); // the write in flight hangs: its jobs stay leased
  await sender.ledger.moreAcks(13); // and the gateway keeps acknowledging (right)
  const killedAt = Date.now();
  await gateway.kill();
  // Prometheus is kill -9 safe (its WAL); VictoriaMetrics keeps the last seconds it acknowledged in memory (flushed
  // every -inmemoryDataFlushInterval) and would lose them to a kill -9 (its loss, not the gateway's), so it is stopped.
  await store.stop(kind === 'prometheus' ? 'SIGKILL' : 'SIGTERM');
  await Promise.all([store.resume(), gateway.start()]);
  await sender.ledger.moreAcks(1);
  const firstAck = sender.ledger.lastAckAt - killedAt;
  if (queue === 'redis')
    assert.ok(
      firstAck < LEASE_MS - 1_000,
      `the restarted gateway took data ${firstAck} ms after the kill: before the lease (${LEASE_MS} ms) lapsed, as the drill needs`,
    );
  await sender.ledger.moreAcks(4);
  await sender.stop();
  const result = await verdict(gateway, () => remoteWriteSamples(kind, store.url, service), sender.ledger.acked);
  console.log(`# first ack ${firstAck} ms after the kill; ${sender.ledger.acks} exports acknowledged, ${sender.ledger.failures} failed`);
  if (result.deadLetters.length + result.missing.length > 0) console.log(`# gateway log:\n${gateway.trouble().replace(/^/gm, '#   ')}`);
  await gateway.stop();
  assertDrill(result);
}

async function pendingRetryDrill(queue: QueueKind): Promise<void> {
  const { service, prefix } = scope.names(`retry_${queue}`);
  const store = await scope.privateStore('prometheus');
  const retry = `{ initial_interval: ${RETRY_MS}ms, max_interval: ${RETRY_MS}ms, randomization: 0 }`;
  const gateway = await gatewayFor(queue, service, prefix, `${store.url}/api/v1/write`, retry);
  await gateway.start();
  const sender = scope.sender({ service, instance: 'app-1', url: gateway.httpUrl });
  await sender.ledger.moreAcks(6);
  await store.stop(); // down: connection refused
  await gateway.process!.waitForLine(/paused until the retry/, 15_000);
  const retryAt = Date.now() + RETRY_MS;
  await sender.ledger.moreAcks(4); // queued behind the write that waits for its retry
  await gateway.kill();
  await Promise.all([store.resume(), gateway.start()]);
  await sender.ledger.moreAcks(1);
  const early = retryAt - Date.now();
  assert.ok(early > 1_000, `restarted and fed ${early} ms before the retry time, as the drill needs`);
  await sender.ledger.moreAcks(4);
  await sender.stop();
  const result = await verdict(gateway, () => remoteWriteSamples('prometheus', store.url, service), sender.ledger.acked);
  console.log(`# restarted and fed ${early} ms before the retry time; ${sender.ledger.acks} exports acknowledged, ${sender.ledger.failures} failed`);
  if (result.deadLetters.length + result.missing.length > 0) console.log(`# gateway log:\n${gateway.trouble().replace(/^/gm, '#   ')}`);
  await gateway.stop();
  assertDrill(result);
}

/**
 * Two gateways on one Redis queue, each fed by its own application. The store hangs (both hold a write in
 * flight), gateway A is killed -9 and its application fails over to B. B must deliver A's leased write before
 * anything newer of the backend: it waits for A's lease (a process it cannot see alive) rather than race past it.
 */
async function twoGatewaysDrill(kind: StoreKind): Promise<void> {
  const { service, prefix } = scope.names(`pair_${kind}`);
  const store = await scope.privateStore(kind);
  const [a, b] = await Promise.all(['a', 'b'].map((side) => gatewayFor('redis', `${service}_${side}`, prefix, `${store.url}/api/v1/write`)));
  await Promise.all([a!.start(), b!.start()]);
  const senderA = scope.sender({ service, instance: 'app-a', url: a!.httpUrl });
  const senderB = scope.sender({ service, instance: 'app-b', url: b!.httpUrl });
  await Promise.all([senderA.ledger.moreAcks(8), senderB.ledger.moreAcks(8)]);
  store.freeze();
  await Promise.all([senderA.ledger.moreAcks(6), senderB.ledger.moreAcks(6)]);
  await a!.kill();
  senderA.switchTo(b!.httpUrl);
  await store.stop(kind === 'prometheus' ? 'SIGKILL' : 'SIGTERM'); // as in hungBackendDrill
  await store.resume();
  await Promise.all([senderA.ledger.moreAcks(6), senderB.ledger.moreAcks(6)]);
  await Promise.all([senderA.stop(), senderB.stop()]);
  // One queue: B's dead-letter list is A's too.
  const result = await verdict(b!, () => remoteWriteSamples(kind, store.url, service), mergedLedger(senderA, senderB));
  if (result.deadLetters.length + result.missing.length > 0) console.log(`# gateway B log:\n${b!.trouble().replace(/^/gm, '#   ')}`);
  await b!.stop();
  assertDrill(result);
}

/**
 * Steady load, and kill -9 at random moments, six times over, each time restarted at once on the same queue: the
 * restarted gateway resumes its predecessor's unfinished writes first. Seeded, so a failure replays.
 */
async function killLoopDrill(queue: QueueKind, kind: StoreKind): Promise<void> {
  const { seed, random } = drillRandom();
  const { service, prefix } = scope.names(`loop_${queue}_${kind}`);
  const store = await scope.privateStore(kind);
  const gateway = await gatewayFor(queue, service, prefix, `${store.url}/api/v1/write`);
  await gateway.start();
  const sender = scope.sender({ service, instance: 'app-1', url: gateway.httpUrl, lanes: 20 });
  const kills = await killRepeatedly(gateway, sender, random, 6);
  await sender.stop();
  const result = await verdict(gateway, () => remoteWriteSamples(kind, store.url, service), sender.ledger.acked);
  console.log(
    `# seed ${seed} (MANIFOLD_DRILL_SEED); killed ${kills.length} times, ${kills.join(', ')} ms after an ack; ${sender.ledger.acks} exports acknowledged, ${sender.ledger.failures} failed`,
  );
  if (result.deadLetters.length + result.missing.length > 0) console.log(`# gateway log:\n${gateway.trouble().replace(/^/gm, '#   ')}`);
  await gateway.stop();
  assertDrill(result);
}

test('Redis queue, Prometheus hung, kill -9, restart before the lease lapses: every acked sample, no dead letter', { timeout: 90_000 }, () =>
  hungBackendDrill('redis', 'prometheus'),
);

test('Redis queue, VictoriaMetrics hung, kill -9, restart before the lease lapses: nothing missing, nothing twice', { timeout: 90_000 }, () =>
  hungBackendDrill('redis', 'victoria'),
);

test('embedded queue, Prometheus hung, kill -9, restart on the same folder: every acked sample, no dead letter', { timeout: 90_000 }, () =>
  hungBackendDrill('embedded', 'prometheus'),
);

test(
  'embedded queue, Prometheus down, a retry pending, kill -9, restart before the retry time: the retried write still goes first',
  { timeout: 90_000 },
  () => pendingRetryDrill('embedded'),
);

test(
  'Redis queue, Prometheus down, a retry pending, kill -9, restart before the retry time: the retried write still goes first',
  { timeout: 90_000 },
  () => pendingRetryDrill('redis'),
);

test('two gateways on one Redis queue, Prometheus hung, one killed -9: the survivor delivers its write first', { timeout: 120_000 }, () =>
  twoGatewaysDrill('prometheus'),
);

test('two gateways on one Redis queue, VictoriaMetrics hung, one killed -9: nothing missing, nothing twice', { timeout: 120_000 }, () =>
  twoGatewaysDrill('victoria'),
);

test('Redis queue, Prometheus, steady load, kill -9 six times at random moments: every acked sample, no dead letter', { timeout: 180_000 }, () =>
  killLoopDrill('redis', 'prometheus'),
);

test('embedded queue, Prometheus, steady load, kill -9 six times at random moments: every acked sample, no dead letter', { timeout: 180_000 }, () =>
  killLoopDrill('embedded', 'prometheus'),
);

test('Redis queue, VictoriaMetrics, steady load, kill -9 six times at random moments: nothing missing, nothing twice', { timeout: 180_000 }, () =>
  killLoopDrill('redis', 'victoria'),
);
