/**
 * A write that reached the backend just before its gateway was killed (answer received, queue not yet told) is
 * sent again by the next gateway. Remote write then refuses its older samples as out of order: the backend holds
 * them already. The queue names such jobs (Job.resumed, a mark left by the dead process's lease), and the engine
 * counts that refusal as delivered instead of dead-lettering a copy of stored data, which the 6-kill drill found.
 * A job with no such mark, refused the same way, still goes to the dead-letter queue: its samples are really late.
 *
 * Set up without a kill, deterministically: the queue file is written, a group leased and its data written to
 * the real Prometheus as the dead gateway would have, and the file closed without an outcome; then a gateway
 * starts on that folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import type { MetricPoint } from '../../src/model/index.js';
import { encodeBatch } from '../../src/queue/codec.js';
import { EmbeddedQueueStore } from '../../src/queue/sqlite/index.js';
import { descriptor, numberPoint, resource, scope } from '../adapters/prometheus/fixtures.js';
import { makeAdapter, promRaw, uniqueService, write } from '../adapters/prometheus/support.js';
import { backendUrl } from '../support/backends.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const prometheus = backendUrl('prometheus');
const dir = mkdtempSync(path.join(tmpdir(), 'manifold-resumed-'));
let gateway: TestGateway | undefined;
after(async () => {
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const service = uniqueService('resumed');
const startMs = Date.now() - 120_000;

function gauge(series: string, second: number): MetricPoint {
  return numberPoint({
    resource: resource({ 'service.name': service }),
    scope: scope('test'),
    metric: descriptor('resumed_gauge', 'gauge'),
    attributes: { series },
    time: BigInt(startMs + second * 1000) * 1_000_000n,
    value: second,
  });
}

const job = (points: MetricPoint[]) => ({ backend: 'prom', payload: encodeBatch({ metrics: points, spans: [], logs: [] }), items: points.length });

test('a write resumed after its gateway died, refused as out of order, counts as delivered; an unmarked late one is dead-lettered', async () => {
  const queueDir = path.join(dir, 'queue');
  const store = await EmbeddedQueueStore.open({ dir: queueDir });
  // Two exports of one series, leased together as the dead gateway did: its write held both samples.
  await store.enqueue([job([gauge('a', 1)])]);
  await store.enqueue([job([gauge('a', 2)])]);
  const held = await store.lease('prom', { maxJobs: 10, maxBytes: 1e9, maxItems: 1e9, ordered: true });
  assert.equal(held.length, 2);
  // Behind them, a job never leased whose sample is older than what series b will hold: late at its source.
  const [late] = (await store.enqueue([job([gauge('b', 1)])])).ids;
  const adapter = makeAdapter(prometheus);
  await write(adapter, [gauge('a', 1), gauge('a', 2), gauge('b', 2)]); // what reached Prometheus before the kill
  await store.close(); // no outcome recorded: the process is gone

  gateway = await startTestGateway(
    { backends: { prom: { kind: 'prometheus', url: `${prometheus}/api/v1/write`, delivery: { thread: false } } } },
    dir,
  );
  const letters = await eventually(
    async () => (await (await fetch(`${gateway!.adminUrl}/dlq?backend=prom`)).json()) as Array<{ id: string; reason: string }>,
    (list) => list.length > 0,
    20_000,
    'the late job in the dead-letter queue',
  );
  assert.deepEqual(
    letters.map((letter) => [letter.id, letter.reason]),
    [[late, 'out_of_order']],
    'only the unmarked job is dead-lettered',
  );
  const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  assert.match(metrics, /manifold_backend_redelivered_items_total\{backend="prom"\} 2\b/);
  assert.match(metrics, /manifold_backend_dead_lettered_items_total\{backend="prom",reason="out_of_order"\} 1\b/);
  assert.match(metrics, /manifold_queue_jobs\{backend="prom"\} 0\b/, 'the resumed group left the queue');
  const stored = await promRaw(prometheus, `resumed_gauge{job="${service}"}`, Date.now(), 2);
  assert.deepEqual(
    stored.map((series) => [series.metric.series, series.values.map(([, value]) => value)]),
    [
      ['a', ['1', '2']],
      ['b', ['2']],
    ],
  );
});
