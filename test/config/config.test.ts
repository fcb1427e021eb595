import assert from 'node:assert/strict';
import { test } from 'node:test';
import { z } from 'zod';
import { ConfigError, resolveConfig, type AdapterSchemas } from '../../src/config/load.js';

// A stand-in adapter schema: config resolution only needs a kind -> schema lookup.
const adapters: AdapterSchemas = {
  get: (kind) => (kind === 'sink' ? z.object({ url: z.string().url(), token: z.string().optional() }).strict() : undefined),
  kinds: () => ['sink'],
};

function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    resolveConfig(raw, env, adapters, 'test.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the config to be refused');
}

test('an empty config gives working defaults', () => {
  const { gateway, backends } = resolveConfig({}, {}, adapters, 'test.yaml');
  assert.deepEqual(gateway.receivers.otlp.http.endpoint, { host: '127.0.0.1', port: 4318 });
  assert.deepEqual(gateway.receivers.otlp.grpc.endpoint, { host: '127.0.0.1', port: 4317 });
  assert.equal(gateway.receivers.otlp.http.max_request_bytes, 20 * 1024 * 1024);
  assert.equal(gateway.queue.kind, 'embedded');
  assert.deepEqual(gateway.admin.endpoint, { host: '127.0.0.1', port: 8888 });
  assert.equal(gateway.shutdown.timeout, 30_000);
  assert.equal(gateway.embedded_store.idle_stop_after, 30_000);
  assert.deepEqual(backends, []);
});

test('embedded_store.idle_stop_after: a duration, 0 for never; anything else names the key', () => {
  assert.equal(resolveConfig({ embedded_store: { idle_stop_after: '5m' } }, {}, adapters, 't').gateway.embedded_store.idle_stop_after, 300_000);
  assert.equal(resolveConfig({ embedded_store: { idle_stop_after: 0 } }, {}, adapters, 't').gateway.embedded_store.idle_stop_after, 0);
  const found = problems({ embedded_store: { idle_stop_after: 'later' } });
  assert.ok(
    found.some((p) => p.startsWith('embedded_store.idle_stop_after:') && p.includes('duration') && p.includes('"later"')),
    found.join('\n'),
  );
  assert.ok(problems({ embedded_store: { idle_stop: '1s' } }).some((p) => p.includes('idle_stop_after')));
});

test('units, ${VAR} interpolation and backend delivery defaults', () => {
  const { gateway, backends } = resolveConfig(
    {
      receivers: { otlp: { http: { max_request_bytes: '4MiB' } } },
      shutdown: { timeout: '2s' },
      backends: {
        prom: { kind: 'sink', url: 'http://${HOST}:9090/api/v1/write', token: '${TOKEN:-none}', delivery: { retry: { initial_interval: '100ms' } } },
      },
    },
    { HOST: '127.0.0.1' },
    adapters,
    'test.yaml',
  );
  assert.equal(gateway.receivers.otlp.http.max_request_bytes, 4 * 1024 * 1024);
  assert.equal(gateway.shutdown.timeout, 2_000);
  assert.equal(backends.length, 1);
  assert.deepEqual(backends[0]!.adapter, { url: 'http://127.0.0.1:9090/api/v1/write', token: 'none' });
  assert.equal(backends[0]!.delivery.retry.initial_interval, 100);
  assert.equal(backends[0]!.delivery.retry.max_interval, 30_000);
  assert.equal(backends[0]!.delivery.backlog.policy, 'refuse');
});

test('environment overrides set nested keys with typed values', () => {
  const { gateway, overrides } = resolveConfig(
    { backends: {} },
    {
      MANIFOLD__RECEIVERS__OTLP__HTTP__ENDPOINT: '0.0.0.0:14318',
      MANIFOLD__RECEIVERS__OTLP__GRPC__ENABLED: 'false',
      MANIFOLD__LIMITS__MAX_ATTRIBUTES: '64',
    },
    adapters,
    'test.yaml',
  );
  assert.deepEqual(gateway.receivers.otlp.http.endpoint, { host: '0.0.0.0', port: 14318 });
  assert.equal(gateway.receivers.otlp.grpc.enabled, false);
  assert.equal(gateway.limits.max_attributes, 64);
  assert.deepEqual([...overrides].sort(), ['limits.max_attributes', 'receivers.otlp.grpc.enabled', 'receivers.otlp.http.endpoint']);
});

test('errors name the key, the value and what was expected', () => {
  const found = problems({
    receivers: { otlp: { http: { endpoint: 'localhost', color: 'red' } } },
    shutdown: { timeout: 'soon' },
  });
  assert.ok(
    found.some((p) => p.startsWith('receivers.otlp.http.endpoint:') && p.includes('host:port') && p.includes('"localhost"')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p === 'receivers.otlp.http.color: unknown setting (known here: enabled, endpoint, max_request_bytes, auth, tls)'),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('shutdown.timeout:') && p.includes('duration') && p.includes('"soon"')),
    found.join('\n'),
  );
});

test('backend errors are reported under backends.<name>', () => {
  const found = problems({
    backends: {
      a: { kind: 'nope' },
      b: { kind: 'sink', url: 'not a url', extra: 1, delivery: { backlog: { policy: 'forget' } } },
    },
  });
  assert.ok(
    found.some((p) => p.startsWith('backends.a.kind: unknown backend kind "nope"') && p.includes('"sink"')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('backends.b.url:')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('backends.b.extra: unknown setting (known here: url, token, kind, delivery, migrate')),
    found.join('\n'),
  );
  assert.ok(
    found.some((p) => p.startsWith('backends.b.delivery.backlog.policy:') && p.includes('"forget"')),
    found.join('\n'),
  );
});

test('an unset ${VAR} without a default is an error naming the key and the variable', () => {
  const found = problems({ backends: { b: { kind: 'sink', url: 'http://x', token: '${SECRET_TOKEN}' } } });
  assert.ok(
    found.some((p) => p.startsWith('backends.b.token:') && p.includes('SECRET_TOKEN')),
    found.join('\n'),
  );
});

test('a config that is not a mapping is refused', () => {
  assert.ok(problems(['a']).some((p) => p.includes('expected a mapping')));
});
