/**
 * The import rules of ARCHITECTURE.md, checked with dependency-cruiser over src/ (.dependency-cruiser.cjs): no new
 * violation may land. The debts recorded in .dependency-cruiser-known-violations.json are reported as they are, so
 * paying one off means removing it from that file (and the check proves the rules still see real violations).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from './support/process.js';

const cruise = path.join(REPO, 'node_modules/.bin/depcruise');
const known = path.join(REPO, '.dependency-cruiser-known-violations.json');
interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string; readonly severity: string };
}
const key = (v: Violation) => `${v.rule.name}: ${v.from} -> ${v.to}`;

async function violations(args: string[]): Promise<Violation[]> {
  const run = await promisify(execFile)(cruise, ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...args, 'src'], {
    cwd: REPO,
    maxBuffer: 64 << 20,
  }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  // Known violations come back too, with severity 'ignore'.
  return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations.filter((v) => v.rule.severity !== 'ignore');
}

test('src/ keeps the import rules: no violation beyond the recorded debts', { timeout: 120_000 }, async () => {
  assert.deepEqual((await violations(['--ignore-known', known])).map(key), []);
  const debts = (JSON.parse(readFileSync(known, 'utf8')) as Violation[]).map(key).sort();
  assert.deepEqual((await violations([])).map(key).sort(), debts, 'the recorded debts are still there, and seen by the rules');
});
