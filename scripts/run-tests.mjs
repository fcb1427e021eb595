#!/usr/bin/env node
// `npm test`: start the real backends (idempotent; skip with MANIFOLD_SKIP_BACKENDS=1),
// load .backends/env, then run every test/**/*.test.ts with node's own test runner,
// one file at a time (they share the backends).
//
//   npm test                          # everything
//   npm test -- backends queue/codec  # only files whose path contains one of these
//   npm test -- test/backends.test.ts --test-name-pattern=redis
//
// Arguments starting with "-" go to `node --test`; the others select files.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
process.chdir(root);

const args = process.argv.slice(2);
const nodeFlags = args.filter((a) => a.startsWith('-'));
const filters = args.filter((a) => !a.startsWith('-'));

// Node 20's --test does not expand globs: find the files ourselves.
function findTests(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findTests(p));
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, p).split(sep).join('/'));
  }
  return out.sort();
}

let files = findTests(join(root, 'test'));
if (filters.length > 0) {
  const wanted = filters.map((f) => f.replace(/^\.\//, '').split(sep).join('/'));
  files = files.filter((f) => wanted.some((w) => f === w || f.includes(w)));
  if (files.length === 0) {
    console.error(`run-tests: no test file under test/ matches ${filters.join(', ')}`);
    process.exit(1);
  }
}
if (files.length === 0) {
  console.error('run-tests: no test/**/*.test.ts files found');
  process.exit(1);
}

if (process.env.MANIFOLD_SKIP_BACKENDS !== '1') {
  const r = spawnSync('bash', ['scripts/backends/start.sh'], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`run-tests: scripts/backends/start.sh failed (exit ${r.status ?? r.signal}); not running tests`);
    process.exit(r.status || 1);
  }
}

// KEY=VALUE lines; a variable already set in the environment wins, so a developer
// can point one backend elsewhere.
const envFile = join(root, '.backends', 'env');
if (existsSync(envFile)) {
  for (const line of readFileSync(envFile, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2].trim();
  }
} else if (process.env.MANIFOLD_SKIP_BACKENDS === '1') {
  console.error('run-tests: MANIFOLD_SKIP_BACKENDS=1 and no .backends/env: tests that need a backend will fail');
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...nodeFlags, ...files], {
  stdio: 'inherit',
  env: process.env,
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
