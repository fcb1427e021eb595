/**
 * Where the real test backends are. `scripts/backends/start.sh` starts them and writes
 * `.backends/env`; `npm test` (scripts/run-tests.mjs) loads that file into the
 * environment. A missing backend is a failure, never a skip: in CI and locally alike.
 */

export const BACKEND_ENV = {
  redis: 'MANIFOLD_TEST_REDIS_URL',
  prometheus: 'MANIFOLD_TEST_PROMETHEUS_URL',
  'prometheus-native': 'MANIFOLD_TEST_PROMETHEUS_NATIVE_URL',
  victoria: 'MANIFOLD_TEST_VICTORIA_URL',
  influxdb1: 'MANIFOLD_TEST_INFLUXDB1_URL',
  postgres: 'MANIFOLD_TEST_POSTGRES_URL',
  timescale: 'MANIFOLD_TEST_TIMESCALE_URL',
  clickhouse: 'MANIFOLD_TEST_CLICKHOUSE_URL',
  /** TimescaleDB with community features (continuous aggregates, compression), on PGlite: one connection at a time. */
  'timescale-community': 'MANIFOLD_TEST_TIMESCALE_COMMUNITY_URL',
} as const;

export type BackendName = keyof typeof BACKEND_ENV;

/**
 * The URL of a running test backend, from its MANIFOLD_TEST_*_URL variable.
 * Throws when it is not set: run the tests with `npm test` (which starts the
 * backends), or `bash scripts/backends/start.sh` and load `.backends/env`.
 */
export function backendUrl(name: BackendName): string {
  const key = BACKEND_ENV[name];
  if (key === undefined) {
    throw new Error(`unknown test backend "${String(name)}" (known: ${Object.keys(BACKEND_ENV).join(', ')})`);
  }
  const value = process.env[key];
  if (!value) {
    throw new Error(
      `test backend "${name}" is not configured: ${key} is not set. ` +
        'Run the tests with `npm test`, which starts every backend (scripts/backends/start.sh) ' +
        'and loads .backends/env; or start them yourself and export the variables from .backends/env.',
    );
  }
  return value;
}
