/**
 * Queue codec micro-benchmark: payload bytes per point / span and encode/decode rates on a realistic batch,
 * for the format the gateway writes (version 3, src/queue/binary-format.ts) and the one it replaced (the
 * msgpackr, test/queue/msgpack-reference.ts), same run, same batches, alternating; median of the rounds.
 * Run: node --import tsx bench/codec-micro.ts [--rounds N]
 */
import { decodeBinary } from '../src/queue/binary-reader.js';
import { encodeBinary } from '../src/queue/binary-writer.js';
import { decodeMsgpack, encodeMsgpack } from '../test/queue/msgpack-reference.js';
import type { TelemetryBatch } from '../src/model/index.js';
import { realisticBatch } from '../test/queue/fixtures.js';

const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 7;

interface Codec {
  readonly name: string;
  encode(batch: TelemetryBatch): Uint8Array;
  decode(bytes: Uint8Array): TelemetryBatch;
}
const codecs: Codec[] = [
  { name: 'v3 binary', encode: (batch) => encodeBinary(batch), decode: decodeBinary },
  { name: 'msgpackr reference', encode: encodeMsgpack, decode: decodeMsgpack },
];

// CPU time, not wall time: on a shared machine wall time also counts waiting for a core.
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

function rate(batch: TelemetryBatch, label: string): void {
  const items = batch.metrics.length + batch.spans.length;
  const repeat = Math.max(5, Math.ceil(50_000 / items)); // calls per timed round
  const results = codecs.map((codec) => {
    const bytes = codec.encode(batch);
    for (let i = 0; i < 20; i++) codec.decode(codec.encode(batch)); // warm up the JIT
    return { codec, bytes, encode: [] as number[], decode: [] as number[] };
  });
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of round % 2 === 0 ? results : [...results].reverse()) {
      let t = process.cpuUsage();
      for (let i = 0; i < repeat; i++) r.codec.encode(batch);
      r.encode.push(cpuMs(t) / repeat);
      t = process.cpuUsage();
      for (let i = 0; i < repeat; i++) r.codec.decode(r.bytes);
      r.decode.push(cpuMs(t) / repeat);
    }
  }
  const perSec = (ms: number) =>
    Math.round((items / ms) * 1000)
      .toLocaleString('en')
      .padStart(9);
  for (const r of results) {
    const encodeMs = median(r.encode);
    const decodeMs = median(r.decode);
    console.log(
      `${label.padEnd(27)} ${r.codec.name.padEnd(10)} ${String(r.bytes.length).padStart(8)} B ${(r.bytes.length / items).toFixed(1).padStart(6)} B/item  ` +
        `encode ${encodeMs.toFixed(2).padStart(6)} ms (${perSec(encodeMs)} items/s, ${(r.bytes.length / 1e3 / encodeMs).toFixed(0).padStart(3)} MB/s)  ` +
        `decode ${decodeMs.toFixed(2).padStart(6)} ms (${perSec(decodeMs)} items/s)`,
    );
  }
  const [ours, theirs] = results;
  console.log(
    `${''.padEnd(27)} v3 / v1: encode ${(median(theirs!.encode) / median(ours!.encode)).toFixed(2)}× faster, decode ${(median(theirs!.decode) / median(ours!.decode)).toFixed(2)}× faster, size ${(ours!.bytes.length / theirs!.bytes.length).toFixed(2)}×`,
  );
}

console.log(`CPU ms per batch, median of ${ROUNDS} rounds`);
rate(realisticBatch(1000, 0), '1,000 points');
rate(realisticBatch(10_000, 0), '10,000 points');
rate(realisticBatch(0, 1000), '1,000 spans');
rate(realisticBatch(0, 5000), '5,000 spans');
rate(realisticBatch(5000, 1000), '5,000 points + 1,000 spans');
rate(realisticBatch(0, 0, 1500), '1,500 log records');
