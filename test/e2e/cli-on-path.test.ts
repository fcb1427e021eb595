/**
 * The README's `manifold …` commands work as typed (issue 12): after `npm install -g .` (here into a private
 * prefix, so the test touches nothing global) `manifold` is on PATH and runs the built CLI; in the checkout,
 * `npx manifold` runs the same CLI from the package's own bin, offline (npx must not look for an unrelated
 * `manifold` package on the registry).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { REPO } from '../support/process.js';

const run = promisify(execFile);
const prefix = mkdtempSync(path.join(tmpdir(), 'manifold-global-'));
after(() => rmSync(prefix, { recursive: true, force: true }));

test('npm install -g . puts manifold on PATH, and it answers --help and config check', { timeout: 180_000 }, async () => {
  await run('npm', ['install', '-g', '.', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'], { cwd: REPO });
  const bin = path.join(prefix, 'bin', 'manifold');
  assert.ok(existsSync(bin), `no ${bin} after npm install -g`);
  assert.match(readlinkSync(bin), /bin\/manifold\.js$/);
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` };
  const help = await run('manifold', ['--help'], { cwd: tmpdir(), env });
  assert.match(help.stdout, /Usage: manifold/);
  for (const command of ['start', 'config', 'migrate', 'dlq', 'doctor']) assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  const check = await run('manifold', ['config', 'check', path.join(REPO, 'config', 'sidecar.yaml')], { cwd: tmpdir(), env });
  assert.match(check.stdout, /valid/);
});

test("npx manifold in the checkout runs the package's own CLI, offline", { timeout: 60_000 }, async () => {
  const help = await run('npx', ['--offline', 'manifold', '--help'], { cwd: REPO });
  assert.match(help.stdout, /Usage: manifold/);
});
