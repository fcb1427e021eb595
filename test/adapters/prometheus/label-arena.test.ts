/**
 * Composed label blocks (label-arena.ts): a derived series' labels kept as pieces of its point series' block.
 * The catalog-differential fuzz holds the whole translator to the old one byte for byte; these cases pin down the
 * arena's own arithmetic and which derived series the catalog composes, so a regression that silently falls back
 * to full copies (the memory the composition saves) fails here even though the bytes stay right.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prometheusConfigSchema } from '../../../src/adapters/prometheus/config.js';
import { CumulativeState } from '../../../src/adapters/prometheus/delta.js';
import { LabelArena, NO_BLOCK } from '../../../src/adapters/prometheus/label-arena.js';
import { decodeLabelBlock, labelMessages } from '../../../src/adapters/prometheus/labels.js';
import { SeriesCatalog } from '../../../src/adapters/prometheus/series.js';
import { Translator, labelsOf } from '../../../src/adapters/prometheus/translate.js';
import { encodeLabelBlock } from '../../../src/adapters/prometheus/wire-writer.js';
import type { Attributes } from '../../../src/model/index.js';
import { descriptor, histogramPoint, nowNs, resource, scope, summaryPoint } from './fixtures.js';

const L = (name: string, value: string) => ({ name, value });

describe('label arena: composed blocks', () => {
  const main = [L('__name__', 'rpc'), L('instance', 'i-1'), L('job', 'api'), L('route', '/x')];

  it('main with __name__ swapped and one label put in: the bytes of the label set written whole', () => {
    const arena = new LabelArena();
    const block = encodeLabelBlock(main);
    const mainSid = arena.add(block);
    const name = arena.add(encodeLabelBlock([L('__name__', 'rpc_bucket')]));
    const le = arena.add(encodeLabelBlock([L('le', '0.5')]));
    const ends = labelMessages(block).map((m) => m.byteOffset - block.byteOffset + m.length);
    // __name__ is entry 0; le goes before `route` (entry 3).
    const sid = arena.compose(mainSid, name, 0, ends[0]!, le, ends[2]!);
    const expected = encodeLabelBlock([L('__name__', 'rpc_bucket'), L('instance', 'i-1'), L('job', 'api'), L('le', '0.5'), L('route', '/x')]);
    assert.equal(arena.isComposed(sid), true);
    assert.equal(arena.isComposed(mainSid), false);
    assert.equal(arena.length(sid), expected.length);
    assert.deepEqual([...arena.view(sid)], [...expected]);
    const target = new Uint8Array(expected.length + 7).fill(0xee);
    arena.copyLabels(sid, target, 3);
    assert.deepEqual([...target.subarray(3, 3 + expected.length)], [...expected]);
    assert.deepEqual([...target.subarray(0, 3), ...target.subarray(3 + expected.length)], [0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
  });

  it('without an extra label, and with it last', () => {
    const arena = new LabelArena();
    const block = encodeLabelBlock(main);
    const mainSid = arena.add(block);
    const sum = arena.add(encodeLabelBlock([L('__name__', 'rpc_sum')]));
    const ends = labelMessages(block).map((m) => m.byteOffset - block.byteOffset + m.length);
    const plain = arena.compose(mainSid, sum, 0, ends[0]!, NO_BLOCK, 0);
    assert.deepEqual(decodeLabelBlock(arena.view(plain)), [L('__name__', 'rpc_sum'), ...main.slice(1)]);
    const zone = arena.add(encodeLabelBlock([L('zone', 'b')]));
    const last = arena.compose(mainSid, sum, 0, ends[0]!, zone, block.length);
    assert.deepEqual(decodeLabelBlock(arena.view(last)), [L('__name__', 'rpc_sum'), ...main.slice(1), L('zone', 'b')]);
    // A long block (label values over the copy loop's length): the native copy path.
    const long = arena.add(encodeLabelBlock([L('A', 'x'.repeat(300)), L('__name__', 'n'), L('z', 'y'.repeat(200))]));
    const view = arena.view(long);
    const longEnds = labelMessages(view).map((m) => m.byteOffset - view.byteOffset + m.length);
    const renamed = arena.compose(long, sum, longEnds[0]!, longEnds[1]!, NO_BLOCK, 0);
    assert.deepEqual(decodeLabelBlock(arena.view(renamed)), [L('A', 'x'.repeat(300)), L('__name__', 'rpc_sum'), L('z', 'y'.repeat(200))]);
  });
});

describe('series catalog: derived series are composed', () => {
  const config = prometheusConfigSchema.parse({ url: 'http://127.0.0.1:9/api/v1/write' });
  const res = resource({ 'service.name': 'api', 'service.instance.id': 'i-1', 'host.name': 'h' });
  const sc = scope('lib', '1.0');

  function translate(attributes: Attributes) {
    const catalog = new SeriesCatalog(config.translation);
    const translator = new Translator(config, catalog, new CumulativeState(1_000, 3_600_000), new Map());
    const time = nowNs();
    const translation = translator.translate([
      histogramPoint({
        resource: res,
        scope: sc,
        metric: descriptor('rpc.duration', 'histogram', { unit: 's' }),
        attributes,
        time,
        bounds: [0.1, 1],
        counts: [1, 2, 3],
        sum: 4,
      }),
      summaryPoint({
        resource: res,
        scope: sc,
        metric: descriptor('rpc.size', 'summary'),
        attributes,
        time,
        count: 3,
        sum: 6,
        quantiles: [[0.5, 2]],
      }),
    ]);
    const named = translation.series.map((series) => ({ series, labels: decodeLabelBlock(labelsOf(series)) }));
    return { catalog, named };
  }
  const nameOf = (labels: { name: string; value: string }[]) => labels.find((label) => label.name === '__name__')!.value;

  it('_bucket, _sum, _count and quantile series: composed, with the labels of their point series', () => {
    const { named } = translate({ route: '/x', method: 'GET' });
    // Every series but target_info is derived: a histogram or summary sends no series of its main labels.
    const derived = named.filter(({ labels }) => nameOf(labels) !== 'target_info');
    assert.deepEqual(
      derived.map(({ labels }) => nameOf(labels)),
      [
        'rpc_duration_seconds_bucket',
        'rpc_duration_seconds_bucket',
        'rpc_duration_seconds_bucket',
        'rpc_duration_seconds_sum',
        'rpc_duration_seconds_count',
        'rpc_size',
        'rpc_size_sum',
        'rpc_size_count',
      ],
    );
    for (const { series, labels } of derived) {
      assert.notEqual(series.labelSource, undefined, `composed: ${JSON.stringify(labels)}`);
      assert.deepEqual(
        labels.filter((l) => !['__name__', 'le', 'quantile'].includes(l.name)).map((l) => l.name),
        ['instance', 'job', 'method', 'otel_scope_name', 'otel_scope_version', 'route'],
      );
    }
    const buckets = named
      .filter(({ labels }) => nameOf(labels) === 'rpc_duration_seconds_bucket')
      .map(({ labels }) => labels.find((l) => l.name === 'le')!.value);
    assert.deepEqual(buckets, ['0.1', '1', '+Inf']);
  });

  it('a point whose own attributes have a label named le: the bucket series get bytes of their own, the label replaced', () => {
    const { named } = translate({ le: 'mine', route: '/x' });
    const buckets = named.filter(({ labels }) => nameOf(labels) === 'rpc_duration_seconds_bucket');
    assert.equal(buckets.length, 3);
    for (const { series, labels } of buckets) {
      assert.equal(series.labelSource, undefined);
      assert.equal(labels.filter((l) => l.name === 'le').length, 1);
    }
    assert.deepEqual(
      buckets.map(({ labels }) => labels.find((l) => l.name === 'le')!.value),
      ['0.1', '1', '+Inf'],
    );
  });
});
