/**
 * Writes encoded ahead, as the delivery engine runs an ordered adapter (remote write): the next batch is decoded
 * and translated while the one before it is being sent. Against a Prometheus of the test's own, stopped mid-way:
 * a batch encoded on top of one that then fails is abandoned and encoded again, and delta running totals come
 * out exactly as if every batch had been written one after another (nothing counted twice, nothing lost), with
 * no sample refused as out of order. Both inline and through a ThreadRunner (the adapter on a delivery thread,
 * the queued payloads decoded there, encoded writes held and abandoned there).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TransientWriteError } from '../../src/adapters/contract.js';
import type { MetricPoint } from '../../src/model/index.js';
import { descriptor, numberPoint, resource, scope } from '../adapters/prometheus/fixtures.js';
import { PrivatePrometheus } from '../adapters/prometheus/private-prometheus.js';
import { makeAdapter, promRaw, uniqueService } from '../adapters/prometheus/support.js';
import { pino } from 'pino';
import { prometheusAdapter } from '../../src/adapters/prometheus/index.js';
import type { QueuedBatch } from '../../src/delivery/batch-from-jobs.js';
import { InlineRunner, type AdapterRunner, type EncodedWrite } from '../../src/delivery/runner.js';
import { ThreadRunner } from '../../src/delivery/thread/thread-runner.js';
import { encodeBatch } from '../../src/queue/codec.js';

type MakeRunner = (baseUrl: string, options?: Record<string, unknown>) => Promise<AdapterRunner>;
const modes: [string, MakeRunner][] = [
  ['inline', async (baseUrl, options) => new InlineRunner(makeAdapter(baseUrl, options))],
  [
    'on a delivery thread',
    (baseUrl, options = {}) =>
      ThreadRunner.open('prometheus', prometheusAdapter.configSchema.parse({ url: new URL('/api/v1/write', baseUrl).href, ...options }), {
        name: 'test',
        logger: pino({ level: 'silent' }),
        dataDir: '/tmp',
      }),
  ],
];

const SERIES = 5;
let prometheus: PrivatePrometheus;

before(async () => {
  prometheus = await PrivatePrometheus.start();
});

after(async () => {
  await prometheus.stop();
});

/**
 * Batch `round`: one delta sum point per series, value `round + 1`, a second after the previous round; queued as
 * two jobs, as the engine leases them.
 */
function deltaBatch(service: string, startMs: number, round: number): QueuedBatch {
  const res = resource({ 'service.name': service });
  const metric = descriptor('prepared_ahead', 'sum', { temporality: 'delta', monotonic: true });
  const metrics: MetricPoint[] = Array.from({ length: SERIES }, (_, series) =>
    numberPoint({
      resource: res,
      scope: scope('test'),
      metric,
      attributes: { series: String(series) },
      start: BigInt(startMs + (round - 1) * 1000) * 1_000_000n,
      time: BigInt(startMs + round * 1000) * 1_000_000n,
      value: round + 1,
    }),
  );
  const half = Math.ceil(metrics.length / 2);
  const payloads = [metrics.slice(0, half), metrics.slice(half)].map((part) => encodeBatch({ metrics: part, spans: [], logs: [] }));
  return { summary: { id: `round-${round}`, attempt: 1, items: metrics.length }, payloads };
}

/** Running total after `round`: 1 + 2 + ... + (round + 1). */
const totalAfter = (round: number) => ((round + 1) * (round + 2)) / 2;

for (const [mode, make] of modes) {
  test(`a batch encoded on top of a failed one is abandoned and encoded again: totals stay exact (${mode})`, async () => {
    const adapter = await make(prometheus.url, { timeout: '2s' });
    const service = uniqueService('prepared');
    const rounds = 8;
    const startMs = Date.now() - 60_000;
    try {
      assert.ok(adapter.ordered, 'the remote-write adapter is ordered: the engine encodes ahead');
      const prepare = (round: number) => adapter.encode(deltaBatch(service, startMs, round));

      // Rounds 0-2 pipelined as the engine does: encode the next while the current one is sent.
      let current: EncodedWrite = await prepare(0);
      for (let round = 1; round <= 3; round++) {
        const sending = current.send();
        const next = await prepare(round);
        await sending;
        current = next;
      }
      // Round 3 is encoded (on top of round 2's totals); round 4 gets encoded on top of it while it fails.
      await prometheus.stop();
      // The refusal is expected while round 4 is being encoded: its check is attached at once (as the engine's send does).
      const refused = assert.rejects(current.send(), TransientWriteError);
      const ahead = await prepare(4);
      await refused;
      ahead.abandon();
      await prometheus.resume();

      // The retry: round 3 and 4 again from the committed totals (round 2's), then the rest, pipelined.
      current = await prepare(3);
      for (let round = 4; round < rounds; round++) {
        const sending = current.send();
        const next = await prepare(round);
        await sending;
        current = next;
      }
      await current.send();

      const series = await promRaw(prometheus.url, `prepared_ahead_total{job="${service}"}`, startMs + rounds * 1000, SERIES);
      assert.equal(series.length, SERIES);
      for (const one of series) {
        assert.deepEqual(
          one.values.map(([, value]) => Number(value)),
          Array.from({ length: rounds }, (_, round) => totalAfter(round)),
          `running totals of ${JSON.stringify(one.metric)}`,
        );
      }
    } finally {
      await adapter.close();
    }
  });

  test(`a write after abandoned encoded writes starts from the committed totals (${mode})`, async () => {
    const adapter = await make(prometheus.url);
    const service = uniqueService('abandoned');
    const startMs = Date.now() - 30_000;
    try {
      await (await adapter.encode(deltaBatch(service, startMs, 0))).send();
      // Encoded twice ahead, never sent: their totals must not leak into what is written next.
      const first = await adapter.encode(deltaBatch(service, startMs, 1));
      const second = await adapter.encode(deltaBatch(service, startMs, 2));
      first.abandon();
      second.abandon();
      await (await adapter.encode(deltaBatch(service, startMs, 1))).send();
      const series = await promRaw(prometheus.url, `prepared_ahead_total{job="${service}"}`, startMs + 2000, SERIES);
      for (const one of series)
        assert.deepEqual(
          one.values.map(([, value]) => Number(value)),
          [totalAfter(0), totalAfter(1)],
        );
    } finally {
      await adapter.close();
    }
  });
}
