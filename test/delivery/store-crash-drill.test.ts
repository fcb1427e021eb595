/**
 * Issue 16, the same scenario for the stores that do not need order (PostgreSQL, InfluxDB, ClickHouse): each
 * must hold every acknowledged sample exactly once through a hung store, a kill -9 with its write in flight, a
 * store that is down while a second kill -9 comes, and a restart. The write that was in flight when the gateway
 * died may have landed as the store thawed; the restarted gateway writes it again, and the store's own dedup
 * must keep it once (PostgreSQL: the row key; ClickHouse: the insert dedup token; InfluxDB: same series and
 * time overwrite). The sender is the OpenTelemetry JS SDK with its acknowledgement ledger (test/support/drill.ts).
 */
import { after, test } from 'node:test';
import { assertDrill, drillRandom, DrillGateway, DrillScope, embeddedQueue, killRepeatedly, redisQueue, verdict } from '../support/drill.js';
import { SharedStore, type SharedStoreKind } from '../support/drill-stores.js';

const scope = new DrillScope();
const stores: SharedStore[] = [];
after(async () => {
  for (const store of stores) await store.dispose().catch((error: unknown) => console.log(`# cleanup: ${String(error)}`));
  await scope.dispose();
});

type QueueKind = 'redis' | 'embedded';

async function storeDrill(kind: SharedStoreKind, queue: QueueKind): Promise<void> {
  const { service, prefix } = scope.names(`${kind}_${queue}`);
  const store = new SharedStore(kind, service);
  stores.push(store);
  const queueYaml = queue === 'redis' ? redisQueue(prefix, '6s') : embeddedQueue(`${scope.dir}/${service}`);
  const gateway = await DrillGateway.create(scope.dir, service, { queue: queueYaml, backend: store.backendYaml() });
  await gateway.start();
  const sender = scope.sender({ service, instance: 'app-1', url: gateway.httpUrl, lanes: 10 });
  await sender.ledger.moreAcks(8);
  store.freeze(); // hung: the write in flight stays unanswered
  await sender.ledger.moreAcks(6);
  sender.ledger.gatewayKilled();
  await gateway.kill();
  store.thaw(); // the dead gateway's write may land now: the restart must not store it twice
  store.stop(); // and down, while the restarted gateway retries
  await gateway.start();
  await sender.ledger.moreAcks(6);
  sender.ledger.gatewayKilled();
  await gateway.kill();
  store.start();
  await gateway.start();
  await sender.ledger.moreAcks(4);
  await sender.stop();
  const result = await verdict(gateway, () => store.samples(), sender.ledger.acked, sender.ledger.resent);
  console.log(`# ${sender.ledger.acks} exports acknowledged, ${sender.ledger.failures} failed`);
  if (result.deadLetters.length + result.missing.length > 0) console.log(`# gateway log:\n${gateway.trouble().replace(/^/gm, '#   ')}`);
  await gateway.stop();
  assertDrill(result);
}

/** Steady load, kill -9 six times at random moments, restarted at once each time (seeded: MANIFOLD_DRILL_SEED replays). */
async function killLoopDrill(kind: SharedStoreKind): Promise<void> {
  const { seed, random } = drillRandom();
  const { service } = scope.names(`${kind}_loop`);
  const store = new SharedStore(kind, service);
  stores.push(store);
  const gateway = await DrillGateway.create(scope.dir, service, { queue: embeddedQueue(`${scope.dir}/${service}`), backend: store.backendYaml() });
  await gateway.start();
  const sender = scope.sender({ service, instance: 'app-1', url: gateway.httpUrl, lanes: 20 });
  const kills = await killRepeatedly(gateway, sender, random, 6);
  await sender.stop();
  const result = await verdict(gateway, () => store.samples(), sender.ledger.acked, sender.ledger.resent);
  console.log(`# seed ${seed}; killed ${kills.length} times, ${kills.join(', ')} ms after an ack; ${sender.ledger.acks} exports acknowledged`);
  await gateway.stop();
  assertDrill(result);
}

for (const kind of ['postgres', 'influxdb', 'clickhouse'] as const) {
  for (const queue of ['embedded', 'redis'] as const) {
    test(`${queue} queue, ${kind} hung then down, kill -9 twice: every acked sample exactly once, no dead letter`, { timeout: 120_000 }, () =>
      storeDrill(kind, queue),
    );
  }
}

for (const kind of ['postgres', 'influxdb', 'clickhouse'] as const) {
  test(`embedded queue, ${kind}, steady load, kill -9 six times at random moments: every acked sample exactly once`, { timeout: 180_000 }, () =>
    killLoopDrill(kind),
  );
}
