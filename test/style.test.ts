/**
 * The formatter and linter (Biome, biome.json) run clean over the tree, so CI fails on an unformatted file or a
 * lint error: `npm run format` fixes the first, `npm run lint` names the second.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from './support/process.js';

const biome = path.join(REPO, 'node_modules/.bin/biome');

test('biome ci: every file formatted, no lint error', { timeout: 120_000 }, async () => {
  const run = await promisify(execFile)(biome, ['ci', '--colors=off', '--max-diagnostics=50', '.'], { cwd: REPO, maxBuffer: 64 << 20 })
    .then(() => ({ code: 0, output: '' }))
    .catch((error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? 1,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }));
  assert.equal(run.code, 0, `biome ci failed (npm run format; npm run lint):\n${run.output.slice(0, 20_000)}`);
});
