/**
 * Logs decode-thread micro-benchmark (issue 15): what the gateway's decode thread does per logs request, split in
 * its two stages — decodeLogs (OTLP protobuf → model) and encodeBatch (model → queue payload) — on the bench's
 * 1,500-record OpenTelemetry JS SDK request (bench/payloads.ts, ~450 KB). CPU µs per request (process.cpuUsage),
 * best and median of the rounds.
 * With `--against DIR` (another checkout, e.g. /work/main, with node_modules), that tree's decoder and codec run
 * in the same process, alternating with this one's round by round, and each side's payload must be byte-equal
 * to the other's (or, when the two trees write different format versions, decode to the same batch): an A/B of a
 * change in the same machine conditions.
 * Run: node --import tsx bench/micro/logs-decode-encode.ts [--rounds N] [--against DIR]
 * Profile: node --cpu-prof --cpu-prof-dir=bench/out --import tsx bench/micro/logs-decode-encode.ts,
 * then node --import tsx bench/profile-summary.ts bench/out/<file>.cpuprofile
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { buildLogs } from '../payloads.js';
import { decodeLogs } from '../../src/otlp/index.js';
import { decodeBatch, encodeBatch } from '../../src/queue/codec.js';
import { isDeepStrictEqual } from 'node:util';

interface Side {
  name: string;
  decodeLogs: typeof decodeLogs;
  encodeBatch: typeof encodeBatch;
  decodeBatch: typeof decodeBatch;
}

const arg = (name: string): string | undefined => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const ROUNDS = Number(arg('--rounds') ?? 7);
/** Requests per round: enough for the round to outlast a scheduler hiccup on the shared 2 CPUs. */
const PER_ROUND = 100;
const against = arg('--against');

const sides: Side[] = [{ name: 'this tree', decodeLogs, encodeBatch, decodeBatch }];
if (against !== undefined) {
  const load = async (file: string) => import(pathToFileURL(path.resolve(against, file)).href);
  const [otlp, codec] = await Promise.all([load('src/otlp/index.ts'), load('src/queue/codec.ts')]);
  sides.push({ name: against, decodeLogs: otlp.decodeLogs, encodeBatch: codec.encodeBatch, decodeBatch: codec.decodeBatch });
}

const body = Buffer.from(ProtobufLogsSerializer.serializeRequest(await buildLogs())!);
const into = new Uint8Array(body.length * 2);
const records = sides[0]!.decodeLogs(body, 'protobuf').logs.length;

/** Each side's payload of the same request: a change to the writer must not change the payload's bytes. */
const payloads = sides.map((side) => Buffer.from(side.encodeBatch({ metrics: [], spans: [], logs: side.decodeLogs(body, 'protobuf').logs })));
if (payloads.length === 2 && !payloads[0]!.equals(payloads[1]!)) {
  const [ours, theirs] = payloads as [Buffer, Buffer];
  // A new format version on one side: the same batch must come back out of both (each read by its own tree).
  if (ours[0] === theirs[0] || !isDeepStrictEqual(sides[0]!.decodeBatch(ours), sides[1]!.decodeBatch(theirs))) {
    throw new Error(`payloads differ between this tree and ${against}`);
  }
  console.log(`format versions differ (${ours[0]} here, ${theirs[0]} there): payloads checked to decode to the same batch`);
}

const stages = {
  decode: (side: Side) => side.decodeLogs(body, 'protobuf'),
  encode: (side: Side, logs: ReturnType<Side['decodeLogs']>['logs']) => side.encodeBatch({ metrics: [], spans: [], logs }, into),
  both: (side: Side) => side.encodeBatch({ metrics: [], spans: [], logs: side.decodeLogs(body, 'protobuf').logs }, into),
};

const cpuMicros = (f: () => void): number => {
  const since = process.cpuUsage();
  for (let i = 0; i < PER_ROUND; i++) f();
  const used = process.cpuUsage(since);
  return (used.user + used.system) / PER_ROUND;
};

const results = new Map<string, number[]>();
const decodedBySide = sides.map((side) => side.decodeLogs(body, 'protobuf').logs);
for (let round = -2; round < ROUNDS; round++) {
  // Rounds -2 and -1 warm up; the sides take turns going first.
  const order = round % 2 === 0 ? sides : [...sides].reverse();
  for (const side of order) {
    const index = sides.indexOf(side);
    const times = {
      decode: cpuMicros(() => stages.decode(side)),
      encode: cpuMicros(() => stages.encode(side, decodedBySide[index]!)),
      both: cpuMicros(() => stages.both(side)),
    };
    if (round < 0) continue;
    for (const [stage, micros] of Object.entries(times)) {
      const key = `${side.name}\t${stage}`;
      results.set(key, [...(results.get(key) ?? []), micros]);
    }
  }
}

console.log(
  `request ${body.length} bytes, ${records} records, payload ${payloads.map((p) => p.length).join(' / ')} bytes; ${ROUNDS} rounds of ${PER_ROUND}`,
);
console.log('side\tstage\tbest µs/request\tmedian\tbest µs/record');
for (const [key, values] of results) {
  values.sort((a, b) => a - b);
  const best = values[0]!;
  const median = values[Math.floor(values.length / 2)]!;
  console.log(`${key}\t${best.toFixed(0)}\t${median.toFixed(0)}\t${(best / records).toFixed(2)}`);
}
if (sides.length === 2) {
  for (const stage of Object.keys(stages)) {
    const median = (name: string) => {
      const values = results.get(`${name}\t${stage}`)!;
      return values[Math.floor(values.length / 2)]!;
    };
    console.log(`${stage}: this tree / ${against} (medians) = ${(median(sides[0]!.name) / median(sides[1]!.name)).toFixed(2)}`);
  }
}
