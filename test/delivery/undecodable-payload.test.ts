/**
 * A queued payload that cannot be decoded (written by a newer build, or damaged) is dead-lettered with a message
 * that says so, and the jobs after it are delivered, wherever the payload is decoded: for an adapter that encodes
 * part by part (remote write) and one that takes the batch whole (InfluxDB line protocol), and on a delivery
 * thread, into VictoriaMetrics.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import type { AdapterFactory } from '../../src/adapters/contract.js';
import { influxAdapter } from '../../src/adapters/influxdb/index.js';
import { prometheusAdapter } from '../../src/adapters/prometheus/index.js';
import { GatewayMetrics } from '../../src/admin/metrics.js';
import { deliverySchema } from '../../src/config/schema.js';
import { openAdapterRunner } from '../../src/delivery/open-runner.js';
import { BackendWorker } from '../../src/delivery/worker.js';
import type { MetricPoint } from '../../src/model/index.js';
import { encodeBatch } from '../../src/queue/codec.js';
import { EmbeddedQueueStore } from '../../src/queue/sqlite/store.js';
import { backendUrl } from '../support/backends.js';
import { eventually } from '../support/gateway.js';
import { descriptor, nowNs, numberPoint, resource, scope } from '../adapters/prometheus/fixtures.js';

const run = randomBytes(3).toString('hex');

function gaugePayload(name: string, value: number): Uint8Array {
  const point: MetricPoint = numberPoint({
    resource: resource({ 'service.name': `undecodable_${run}` }),
    scope: scope('t'),
    metric: descriptor(name, 'gauge'),
    attributes: { i: '1' },
    time: nowNs(),
    value,
  });
  return encodeBatch({ metrics: [point], spans: [], logs: [] });
}

async function victoriaHas(name: string): Promise<boolean> {
  await fetch(`${backendUrl('victoria')}/internal/force_flush`);
  const response = await fetch(`${backendUrl('victoria')}/api/v1/series?match[]=${encodeURIComponent(`{__name__=~"${name}.*"}`)}`);
  return ((await response.json()) as { data: unknown[] }).data.length > 0;
}

const cases: [string, AdapterFactory<any>, Record<string, unknown>, boolean][] = [
  ['remote write (encoded part by part)', prometheusAdapter, { url: `${backendUrl('victoria')}/api/v1/write` }, false],
  ['InfluxDB line protocol (the batch whole)', influxAdapter, { url: backendUrl('victoria'), database: 'db' }, false],
  ['remote write on a delivery thread (decoded there)', prometheusAdapter, { url: `${backendUrl('victoria')}/api/v1/write` }, true],
];

for (const [label, factory, config, thread] of cases) {
  test(`an undecodable queued payload is dead-lettered, the next job delivered: ${label}`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'manifold-undecodable-'));
    const store = await EmbeddedQueueStore.open({ dir });
    const logger = pino({ level: 'silent' });
    const adapter = await openAdapterRunner(factory.kind, factory.configSchema.parse(config), { name: 'vm', logger, dataDir: dir }, { thread });
    const delivery = deliverySchema.parse({ batch: { max_items: 1, max_delay: '0s' } });
    const metrics = new GatewayMetrics(async () => new Map());
    store.configure('vm', { maxBytes: 1e9, maxAgeMs: 3.6e6, policy: 'refuse' });
    const name = `undecodable_${run}_${factory.kind}${thread ? '_thread' : ''}`;
    // A payload whose version byte no build has written, then a good one.
    await store.enqueue([{ backend: 'vm', payload: Uint8Array.from([0xee, 1, 2, 3]), items: 1 }]);
    await store.enqueue([{ backend: 'vm', payload: gaugePayload(name, 42), items: 1 }]);
    const worker = new BackendWorker('vm', adapter, store, delivery, metrics, logger);
    try {
      worker.start();
      await eventually(
        () => store.listDeadLetters('vm'),
        (list) => list.length === 1,
        15_000,
        'the undecodable job dead-lettered',
      );
      const [letter] = await store.listDeadLetters('vm');
      assert.match(JSON.stringify(letter), /cannot be decoded|payload/i, 'the dead letter says why');
      await eventually(() => victoriaHas(name), Boolean, 15_000, 'the good job written to VictoriaMetrics');
    } finally {
      await worker.stop();
      await adapter.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
