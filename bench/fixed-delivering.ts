/**
 * Issue 13's one case alone: 30K points/s into the gateway while it delivers into a private VictoriaMetrics, the
 * ceiling alongside, with the main-thread probe's file kept for a closer look (`turns-vm.jsonl`: every long turn
 * and GC pause with its epoch and monotonic times; match the latter against a `--cpu-prof` profile's samples).
 *
 *   node --import tsx bench/fixed-delivering.ts DIR [RUNS] [--node-flags="--cpu-prof --cpu-prof-dir=DIR/prof"]
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writePayloads } from './payloads.js';
import { fixedRateScenario } from './scenarios/fixed-rate.js';
import { ROOT } from './servers.js';

const { positionals, values } = parseArgs({ allowPositionals: true, options: { 'node-flags': { type: 'string' } } });
const [dir, runs = '3'] = positionals;
if (!dir) throw new Error('usage: bench/fixed-delivering.ts DIR [RUNS] [--node-flags="..."]');
mkdirSync(dir, { recursive: true });
const payloads = await writePayloads(path.join(ROOT, 'bench', 'out', 'payloads'));
const result = await fixedRateScenario({
  name: 'vm',
  payload: payloads['metrics-identity'],
  itemsPerSec: 30_000,
  runs: Number(runs),
  durationSec: 10,
  nodeFlags: (values['node-flags'] ?? '').split(' ').filter(Boolean),
  dir,
  log: console.log,
  backend: 'victoria',
});
const { measurements, ...figures } = result;
console.log(JSON.stringify(figures, null, 2));
