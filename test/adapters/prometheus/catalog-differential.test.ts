/**
 * The compact series catalog (label arena, numeric series ids, attribute sets resolved once per decoded object)
 * against the translator it replaced (test/adapters/prometheus/oracle/, frozen at 86441bc): for the same batches,
 * one after another through one long-lived translator each, every remote-write request must be the same bytes,
 * with the same points, skips, target_info timestamps and delta running totals.
 *
 * The generator aims at what the catalog changed: attribute objects shared by many points (as the OTLP and queue
 * readers give them) or fresh per point, the same sets again in later batches as new objects, equal label text
 * from different values (200 and 200n, "a.b" and "a_b"), empty values, attribute keys that the labels override
 * (`__name__`, `le`, `quantile`, `job`), metric names that collide with derived names (`x` and `x_sum`),
 * histogram bounds and summary quantiles that change for one series, translations fed in parts, and the
 * catalog cleared (trim) between batches. Some batches go through the queue codec, as delivery decodes them.
 * A failure prints its seed: MANIFOLD_FUZZ_SEED=<seed> replays it; MANIFOLD_FUZZ_MS sets the time budget.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type PrometheusConfig, prometheusConfigSchema } from '../../../src/adapters/prometheus/config.js';
import { CumulativeState } from '../../../src/adapters/prometheus/delta.js';
import { splitRequests, writeRequestBytes } from '../../../src/adapters/prometheus/encode.js';
import { SeriesCatalog } from '../../../src/adapters/prometheus/series.js';
import { Translator } from '../../../src/adapters/prometheus/translate.js';
import type { AttributeValue, Attributes, MetricDescriptor, MetricPoint, MetricType } from '../../../src/model/index.js';
import { decodeBatch, encodeBatch } from '../../../src/queue/codec.js';
import { runFuzz } from '../../support/fuzz.js';
import { descriptor, exponentialPoint, histogramPoint, numberPoint, resource, scope, summaryPoint } from './fixtures.js';
import { splitRequests as oracleSplit, writeRequestBytes as oracleBytes } from './oracle/encode.js';
import { SeriesCatalog as OracleCatalog } from './oracle/series.js';
import { Translator as OracleTranslator } from './oracle/translate.js';

const FUZZ_MS = Number(process.env.MANIFOLD_FUZZ_MS ?? 4_000);

class Gen {
  constructor(readonly next: () => number) {}
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const KEYS = [
  'http.method',
  'http_method',
  'http.route',
  'code',
  'a.b',
  'a_b',
  '2xx',
  '_x',
  '__name__',
  'le',
  'quantile',
  'job',
  'instance',
  'otel_scope_name',
  'é',
  'k',
];
const VALUES: readonly AttributeValue[] = [
  'GET',
  'POST',
  '/api/v1/items/7',
  '',
  'é日本🙂',
  'a\u0000b',
  'x\ud800',
  '200',
  200,
  200n,
  2n ** 63n,
  0.5,
  -0,
  0,
  Number.NaN,
  true,
  false,
  ['a', 1],
  { nested: 'v' },
  new Uint8Array([1, 2, 3]),
  null,
];
const NAMES = ['http.server.duration', 'http.server.duration_sum', 'requests', 'requests.total', 'x', 'x_count', 'x_bucket', '!!!', 'memory'];
const TYPES: readonly MetricType[] = ['gauge', 'sum', 'histogram', 'summary', 'exponential_histogram'];

function attributes(gen: Gen): Attributes {
  const out: Attributes = {};
  for (let i = gen.int(5); i > 0; i--) out[gen.pick(KEYS)] = gen.pick(VALUES);
  return out;
}

/** The objects of a run of batches: resources, scopes, descriptors and a pool of attribute sets. */
function universe(gen: Gen) {
  const resources = Array.from({ length: gen.int(3) + 1 }, (_, i) =>
    resource({
      'service.name': gen.pick(['svc', 'shop', '']),
      'service.instance.id': `pod-${i}`,
      ...(gen.chance(0.6) ? { 'host.name': gen.pick(['n1', 'n2']) } : {}),
    }),
  );
  const scopes = Array.from({ length: gen.int(2) + 1 }, () => scope(gen.pick(['lib', 'other']), gen.pick(['', '1.0'])));
  const metrics: MetricDescriptor[] = Array.from({ length: gen.int(6) + 1 }, () => {
    const type = gen.pick(TYPES);
    const temporality = type === 'gauge' || type === 'summary' ? 'unspecified' : gen.pick(['cumulative', 'delta'] as const);
    return descriptor(gen.pick(NAMES), type, { unit: gen.pick(['', 's', 'By', '1']), monotonic: gen.chance(0.5), temporality });
  });
  const sets = Array.from({ length: gen.int(8) + 1 }, () => attributes(gen));
  return { resources, scopes, metrics, sets };
}
type Universe = ReturnType<typeof universe>;

const BOUNDS = [[0.1, 1, 10], [0.1, 1, 10], [0.2, 1, 10], [1, 10], [-0, 0.5], [0, 0.5], [], [Number.NaN, 1]];
const QUANTILES = [[0.5, 0.99], [0.5, 0.99], [0.9, 0.99], [0, 1], [0.99, 0.5, 0.5], []];

function batch(gen: Gen, u: Universe, baseMs: number): MetricPoint[] {
  // Shared per batch, as a decoded payload's points share one object per distinct set; or a fresh copy per point.
  const shared = gen.chance(0.7);
  const points: MetricPoint[] = [];
  for (let i = gen.int(50); i > 0; i--) {
    const metric = gen.pick(u.metrics);
    const set = gen.pick(u.sets);
    const time = BigInt(baseMs + gen.int(5_000) - (gen.chance(0.05) ? 100_000 : 0)) * 1_000_000n + BigInt(gen.int(3));
    const common = {
      resource: gen.pick(u.resources),
      scope: gen.pick(u.scopes),
      metric,
      attributes: shared ? set : { ...set },
      time,
      start: time - 60_000_000_000n,
      flags: gen.chance(0.05) ? 1 : 0,
      exemplars: gen.chance(0.15)
        ? [{ filteredAttributes: attributes(gen), timeUnixNano: time, value: gen.int(20) / 4, traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }]
        : [],
    };
    switch (metric.type) {
      case 'gauge':
      case 'sum':
        points.push(numberPoint({ ...common, value: gen.chance(0.3) ? BigInt(gen.int(1000)) : gen.int(10_000) / 8 }));
        break;
      case 'histogram': {
        const bounds = gen.pick(BOUNDS);
        points.push(
          histogramPoint({
            ...common,
            bounds,
            counts: Array.from({ length: bounds.length + 1 }, () => gen.int(9)),
            ...(gen.chance(0.8) ? { sum: gen.int(100) } : {}),
          }),
        );
        break;
      }
      case 'summary':
        points.push(
          summaryPoint({
            ...common,
            count: gen.int(100),
            sum: gen.int(1000),
            quantiles: gen.pick(QUANTILES).map((q) => [q, gen.int(50)] as [number, number]),
          }),
        );
        break;
      case 'exponential_histogram':
        points.push(
          exponentialPoint({
            ...common,
            scale: gen.int(6) - 2,
            zeroCount: gen.int(3),
            positive: { offset: gen.int(6) - 3, counts: Array.from({ length: gen.int(5) }, () => gen.int(9)) },
            ...(gen.chance(0.8) ? { sum: gen.int(100) } : {}),
          }),
        );
        break;
    }
  }
  return points;
}

/** The same batch as a new decode would give it: equal content, new objects for everything. */
function redecoded(points: MetricPoint[]): readonly MetricPoint[] {
  return decodeBatch(encodeBatch({ metrics: points, spans: [], logs: [] })).metrics;
}

function config(gen: Gen): PrometheusConfig {
  return prometheusConfigSchema.parse({
    url: 'http://127.0.0.1:9/api/v1/write',
    native_histograms: gen.chance(0.8),
    send_exemplars: gen.chance(0.8),
    delta_to_cumulative: { enabled: gen.chance(0.7) },
    translation: {
      scope_labels: gen.chance(0.7),
      resource_constant_labels: gen.chance(0.3) ? ['host.name'] : [],
      resource_to_telemetry_conversion: { enabled: gen.chance(0.2) },
      target_info: { enabled: gen.chance(0.8) },
    },
  });
}

describe('compact series catalog: the same bytes as the translator it replaced', () => {
  it('consecutive batches, shared and fresh attribute objects, parts (whole and in slices), trims (seeded fuzz against the oracle)', () => {
    let batches = 0,
      requests = 0;
    const cases = runFuzz(
      'catalog differential',
      FUZZ_MS,
      (random, seed) => {
        const gen = new Gen(random);
        const cfg = config(gen);
        const limits = { maxSamples: 1 + gen.int(30), maxBytes: 200 + gen.int(3000) };
        // Small limits now and then, so the new catalog is cleared between batches (the oracle's never is here).
        const catalog = new SeriesCatalog(cfg.translation, gen.chance(0.3) ? { maxPointSeries: gen.int(6), maxArenaBytes: 1 << 30 } : undefined);
        const ours = new Translator(cfg, catalog, new CumulativeState(1_000, 3_600_000), new Map());
        const theirs = new OracleTranslator(cfg, new OracleCatalog(cfg.translation), new CumulativeState(1_000, 3_600_000), new Map());
        const u = universe(gen);
        let baseMs = 1_700_000_000_000;
        for (let b = gen.int(6) + 2; b > 0; b--, batches++) {
          baseMs += gen.int(20_000);
          const points = batch(gen, u, baseMs);
          const input = gen.chance(0.4) ? redecoded(points) : points;
          const context = `seed ${seed}, batch ${batches}`;
          catalog.trim();
          ours.begin();
          for (let at = 0; at < input.length || at === 0; ) {
            const next = Math.min(input.length, at + 1 + gen.int(Math.max(1, input.length)));
            const part = input.slice(at, next);
            // Now and then a part in consecutive slices, as the adapter translates a large one between yields.
            if (part.length < 2 || gen.chance(0.5)) ours.add(part);
            else
              for (let from = 0; from < part.length; ) {
                const to = Math.min(part.length, from + 1 + gen.int(part.length));
                ours.add(part, from, to);
                from = to;
              }
            at = next;
            if (input.length === 0) break;
          }
          const actual = ours.finish();
          const expected = theirs.translate(input);
          const expectedRequests = oracleSplit(expected.series, limits).map((request) => Buffer.from(oracleBytes(request)));
          const actualRequests = splitRequests(actual.series, limits).map((request) => Buffer.from(writeRequestBytes(request)));
          assert.equal(actualRequests.length, expectedRequests.length, `${context}: request count`);
          for (const [i, bytes] of actualRequests.entries()) assert.ok(bytes.equals(expectedRequests[i]!), `${context}, request ${i}: bytes differ`);
          requests += actualRequests.length;
          assert.equal(actual.points, expected.points, context);
          assert.deepEqual([...actual.skipped], [...expected.skipped], context);
          assert.deepEqual([...actual.targetInfo], [...expected.targetInfo], context);
          const now = Date.now();
          actual.delta?.commit(now);
          expected.delta?.commit(now);
        }
      },
      150,
    );
    assert.ok(cases >= 150 || process.env.MANIFOLD_FUZZ_SEED !== undefined, `only ${cases} cases ran`);
    console.log(`  catalog differential: ${cases} runs, ${batches} batches, ${requests} requests identical`);
  });
});
