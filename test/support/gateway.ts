import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { adapterSchemas } from '../../src/adapters/registry.js';
import { resolveConfig } from '../../src/config/load.js';
import { startGateway, type RunningGateway } from '../../src/gateway.js';

export interface TestGateway extends RunningGateway {
  readonly dir: string;
  readonly httpUrl: string;
  readonly grpcUrl: string;
  readonly adminUrl: string;
  /** Stop and delete the data folder. */
  dispose(): Promise<void>;
}

/** An in-process gateway on free loopback ports, its data in a fresh folder. `overrides` is merged into the YAML-shaped config. */
export async function startTestGateway(
  overrides: Record<string, unknown> = {},
  dir = mkdtempSync(path.join(tmpdir(), 'manifold-test-')),
): Promise<TestGateway> {
  const raw = {
    data_dir: dir,
    receivers: { otlp: { http: { endpoint: '127.0.0.1:0' }, grpc: { endpoint: '127.0.0.1:0' } } },
    queue: { kind: 'embedded', path: path.join(dir, 'queue') },
    embedded_store: { path: path.join(dir, 'pg'), endpoint: '127.0.0.1:0' },
    admin: { endpoint: '127.0.0.1:0' },
    shutdown: { timeout: '10s' },
    ...overrides,
  };
  const config = resolveConfig(raw, {}, adapterSchemas, 'test');
  const logger = pino({ level: process.env.MANIFOLD_TEST_LOG ?? 'silent' });
  const gateway = await startGateway(config, logger);
  return {
    ...gateway,
    dir,
    httpUrl: `http://${gateway.endpoints.http}`,
    grpcUrl: `http://${gateway.endpoints.grpc}`,
    adminUrl: `http://${gateway.endpoints.admin}`,
    async dispose() {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` returns a value that `done` accepts, or fails with the last value after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `timed out waiting for ${what}; last value: ${JSON.stringify(last, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}${lastError ? `; last error: ${String(lastError)}` : ''}`,
  );
}
