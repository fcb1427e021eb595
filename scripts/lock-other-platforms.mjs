// Adds lock entries for other platforms' optional native builds that this registry does not serve (npm/cli#8805):
// npm ci then sees the lock in sync and skips them on os/cpu, as it would with full entries.
import { readFileSync, writeFileSync } from 'node:fs';
const file = process.argv[2];
const lock = JSON.parse(readFileSync(file, 'utf8'));
const add = [
  ['@chdb/lib-darwin-arm64', '26.7.3-stable.1', 'darwin', 'arm64', 'Apache-2.0', true],
  ['@chdb/lib-darwin-x64', '26.7.3-stable.1', 'darwin', 'x64', 'Apache-2.0', true],
  ['@chdb/lib-linux-arm64-gnu', '26.7.3-stable.1', 'linux', 'arm64', 'Apache-2.0', true, 'glibc'],
  ['@msgpackr-extract/msgpackr-extract-darwin-arm64', '3.0.7', 'darwin', 'arm64', 'MIT', true],
  ['@msgpackr-extract/msgpackr-extract-darwin-x64', '3.0.7', 'darwin', 'x64', 'MIT', true],
  ['@msgpackr-extract/msgpackr-extract-linux-arm', '3.0.7', 'linux', 'arm', 'MIT', true],
  ['@msgpackr-extract/msgpackr-extract-win32-x64', '3.0.7', 'win32', 'x64', 'MIT', true],
];
for (const [name, version, os, cpu, license, dev, libc] of add) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  lock.packages[key] = { version, cpu: [cpu], ...(dev ? { dev: true } : {}), ...(libc ? { libc: [libc] } : {}), license, optional: true, os: [os] };
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b, 'en'))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
