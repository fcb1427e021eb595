/**
 * The Docker packaging, checked without a Docker engine (this machine has none): docker-compose.yml, the
 * Dockerfile, the gateway configs they use (through the real `manifold config check`), Grafana's provisioning
 * and dashboards, Prometheus's config, and the runtime stage's file layout (assembled from the Dockerfile's
 * COPY lines, the gateway started from it, /healthz and /readyz answered).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import pg from 'pg';
import { backendUrl } from '../support/backends.js';
import { eventually } from '../support/gateway.js';
import { freePorts, killRunningCli, REPO, runCli } from '../support/process.js';
import { parseDockerfile, parseVolume, resolveComposeVars, type DockerInstruction } from './dockerfile.js';
import { expandClickHouseMacros, expandPostgresMacros, expandPromQL } from './grafana-macros.js';

/**
 * The images, chosen as releases published before this was written (none could be pulled here). A change of
 * version is a change here and in docker-compose.yml / the Dockerfile together.
 */
const IMAGES: Record<string, string> = {
  redis: 'redis:7.4.1',
  timescaledb: 'timescale/timescaledb:2.17.2-pg16',
  clickhouse: 'clickhouse/clickhouse-server:24.8.4.13',
  influxdb: 'influxdb:2.7.10',
  prometheus: 'prom/prometheus:v2.55.1',
  grafana: 'grafana/grafana:11.3.1',
};
const NODE_IMAGE = 'node:20.18.1-bookworm-slim';
const GRAFANA_CLICKHOUSE_PLUGIN = 'grafana-clickhouse-datasource 4.5.1';
/** Grafana's plugin ids for the four backends (core plugins, and the ClickHouse one installed at start). */
const GRAFANA_DATASOURCE_TYPES = new Set(['prometheus', 'influxdb', 'grafana-postgresql-datasource', 'postgres', 'grafana-clickhouse-datasource']);
/** The hosts the gateway's config must use: the compose service of each backend and of the queue. */
const BACKEND_SERVICES: Record<string, string> = {
  prometheus: 'prometheus',
  postgres: 'timescaledb',
  clickhouse: 'clickhouse',
  influxdb: 'influxdb',
};

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string[] | string;
  environment?: Record<string, string> | string[];
  volumes?: Array<string | { type: string; source: string; target: string }>;
  ports?: string[];
  depends_on?: string[] | Record<string, unknown>;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeFile = path.join(REPO, 'docker-compose.yml');
const composeText = readFileSync(composeFile, 'utf8');
const compose = parseYaml(composeText) as Compose;
const services = compose.services;
const dockerfile = parseDockerfile(readFileSync(path.join(REPO, 'Dockerfile'), 'utf8'));

const dir = mkdtempSync(path.join(tmpdir(), 'manifold-deploy-'));
after(() => {
  killRunningCli();
  rmSync(dir, { recursive: true, force: true });
});

function environment(service: Service): Record<string, string> {
  const raw = service.environment ?? {};
  const entries = Array.isArray(raw) ? raw.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]) : Object.entries(raw);
  return Object.fromEntries(entries.map(([key, value]) => [key, resolveComposeVars(String(value), {})]));
}

/** Bind mounts (host path resolved from the compose file's folder) and named volumes of a service. */
function mounts(service: Service): Array<{ kind: 'bind' | 'volume'; source: string; target: string }> {
  return (service.volumes ?? []).map((volume) => {
    const { source, target } = typeof volume === 'string' ? parseVolume(volume) : volume;
    const bind = source.startsWith('.') || source.startsWith('/');
    return { kind: bind ? 'bind' : 'volume', source: bind ? path.resolve(path.dirname(composeFile), source) : source, target };
  });
}

function gatewayService(): Service {
  const gateway = services.gateway;
  assert.ok(gateway, 'docker-compose.yml has a gateway service');
  return gateway;
}

/** The config file compose mounts where MANIFOLD_CONFIG points, as a path in the repository. */
function gatewayConfigFile(): string {
  const target = environment(gatewayService()).MANIFOLD_CONFIG;
  assert.ok(target, 'the gateway service sets MANIFOLD_CONFIG');
  const mount = mounts(gatewayService()).find((m) => m.target === target);
  assert.ok(mount && mount.kind === 'bind', `the gateway service bind-mounts a config at ${target}`);
  return mount.source;
}

function configCheck(file: string, env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const run = runCli(['config', 'check', file], env);
  return run.exited.then(({ code }) => ({ code, output: run.lines.join('\n') }));
}

test('docker-compose.yml: the user stack, every image pinned to the release chosen above', () => {
  assert.deepEqual(Object.keys(services).sort(), ['clickhouse', 'gateway', 'grafana', 'influxdb', 'prometheus', 'redis', 'timescaledb']);
  for (const [name, image] of Object.entries(IMAGES)) assert.equal(services[name]!.image, image, `${name}'s image`);
  for (const [name, service] of Object.entries(services)) {
    if (name === 'gateway') continue;
    const tag = service.image?.split(':')[1] ?? '';
    // A pinned tag names a full release: at least major.minor.patch, never latest or a bare major.
    assert.match(tag, /^v?\d+\.\d+\.\d+/, `${name}: ${service.image} is not pinned to a release`);
    assert.doesNotMatch(tag, /latest/, `${name}: ${service.image}`);
  }
  assert.equal(environment(services.grafana!).GF_INSTALL_PLUGINS, GRAFANA_CLICKHOUSE_PLUGIN);
  assert.match(services.timescaledb!.image!, /^timescale\/timescaledb:[^-]+-pg\d+$/, 'the community-licensed image (the -oss one is Apache-only)');
  // Redis keeps the queue across its own restarts only with the append-only file.
  assert.match([services.redis!.command].flat().join(' '), /--appendonly yes/);
});

test('docker-compose.yml: every file it mounts or builds from is in the repository, every named volume declared', () => {
  const build = gatewayService().build;
  assert.ok(build && typeof build === 'object', 'the gateway is built from the repository');
  const context = path.resolve(path.dirname(composeFile), build.context ?? '.');
  assert.ok(statSync(context).isDirectory(), `build context ${context}`);
  assert.ok(existsSync(path.join(context, build.dockerfile ?? 'Dockerfile')), 'the Dockerfile');
  let binds = 0;
  for (const [name, service] of Object.entries(services)) {
    for (const mount of mounts(service)) {
      if (mount.kind === 'bind') {
        binds++;
        assert.ok(existsSync(mount.source), `${name} mounts ${path.relative(REPO, mount.source)}, which is not in the repository`);
      } else {
        assert.ok(compose.volumes && mount.source in compose.volumes, `${name}: volume ${mount.source} is not declared under volumes:`);
      }
    }
  }
  assert.ok(binds >= 5, `bind mounts found: ${binds}`);
});

test('docker-compose.yml: a ${VAR:-default} has one default wherever VAR appears (both ends of a login use it)', () => {
  const defaults = new Map<string, Set<string>>();
  for (const match of composeText.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g)) {
    const [, name, fallback] = match;
    if (!defaults.has(name!)) defaults.set(name!, new Set());
    defaults.get(name!)!.add(fallback ?? '(none)');
  }
  assert.ok(defaults.size >= 4);
  for (const [name, values] of defaults) assert.equal(values.size, 1, `${name} has different defaults: ${[...values].join(', ')}`);
  // And the same variable feeds both sides: the token InfluxDB is set up with is the one the gateway and Grafana send.
  const influxToken = environment(services.influxdb!).DOCKER_INFLUXDB_INIT_ADMIN_TOKEN;
  assert.equal(environment(gatewayService()).INFLUXDB_TOKEN, influxToken);
  assert.equal(environment(services.grafana!).INFLUXDB_TOKEN, influxToken);
  assert.equal(environment(gatewayService()).TIMESCALEDB_PASSWORD, environment(services.timescaledb!).POSTGRES_PASSWORD);
  assert.equal(environment(gatewayService()).CLICKHOUSE_PASSWORD, environment(services.clickhouse!).CLICKHOUSE_PASSWORD);
});

test('the gateway config compose mounts passes `manifold config check` with the environment compose gives it', async () => {
  const file = gatewayConfigFile();
  const env = environment(gatewayService());
  const checked = await configCheck(file, env);
  assert.equal(checked.code, 0, checked.output);
  assert.match(checked.output, /valid/);
  assert.doesNotMatch(checked.output, /manifold-dev-password|manifold-dev-influxdb-token|manifold-dev-admin-token/, 'config check prints no secret');

  // Without the variables compose sets, it names each one: the secrets really come from the environment.
  const missing = await configCheck(file, {});
  assert.equal(missing.code, 2, missing.output);
  for (const name of Object.keys(env).filter((key) => key !== 'MANIFOLD_CONFIG')) {
    assert.match(missing.output, new RegExp(`environment variable ${name} is not set`));
  }
});

test('the gateway config: compose service names as hosts, secrets from ${VAR}, listening on 0.0.0.0, its admin port scraped', () => {
  const file = gatewayConfigFile();
  const text = readFileSync(file, 'utf8');
  const config = parseYaml(text) as {
    data_dir: string;
    receivers: { otlp: { http: { endpoint: string }; grpc: { endpoint: string } } };
    queue: { kind: string; url: string };
    backends: Record<string, { kind: string; url: string; password?: string; token?: string }>;
    admin: { endpoint: string; token?: string };
  };
  assert.equal(config.receivers.otlp.http.endpoint, '0.0.0.0:4318');
  assert.equal(config.receivers.otlp.grpc.endpoint, '0.0.0.0:4317');
  assert.equal(config.admin.endpoint, '0.0.0.0:8888');
  // Not required by the schema, but the admin port is on every interface of the container: the dead-letter routes get a token.
  assert.match(config.admin.token ?? '', /^\$\{[A-Z_]+\}$/);
  assert.equal(config.queue.kind, 'redis');
  assert.equal(new URL(config.queue.url).hostname, 'redis');
  assert.ok(services.redis);

  const kinds = Object.values(config.backends)
    .map((b) => b.kind)
    .sort();
  assert.deepEqual(kinds, ['clickhouse', 'influxdb', 'postgres', 'prometheus']);
  for (const [name, backend] of Object.entries(config.backends)) {
    const url = new URL(backend.url);
    assert.equal(url.hostname, BACKEND_SERVICES[backend.kind], `backends.${name}.url host`);
    assert.ok(services[url.hostname], `backends.${name}: no compose service ${url.hostname}`);
    if (url.password) assert.match(decodeURIComponent(url.password), /^\$\{[A-Z_]+\}$/, `backends.${name}.url: password from the environment`);
    for (const secret of [backend.password, backend.token])
      if (secret !== undefined) assert.match(secret, /^\$\{[A-Z_]+\}$/, `backends.${name}: secret from the environment`);
  }
  // Every variable the config references is one compose sets for the gateway.
  const env = environment(gatewayService());
  const withoutComments = text.replace(/(^|\s)#.*$/gm, '$1');
  for (const [, name] of withoutComments.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g))
    assert.ok(name! in env, `${name} is referenced by ${path.relative(REPO, file)} but not set for the gateway service`);

  // The data folder is the image's volume, and compose puts a named volume there.
  assert.ok(dockerfileVolumes().includes(config.data_dir), `data_dir ${config.data_dir} is a VOLUME of the image`);
  assert.ok(mounts(gatewayService()).some((m) => m.kind === 'volume' && m.target === config.data_dir));

  // Prometheus takes remote write and scrapes the gateway's admin port.
  const prometheusCommand = [services.prometheus!.command].flat().join(' ');
  assert.match(prometheusCommand, /--web\.enable-remote-write-receiver/);
  assert.equal(new URL(config.backends.prometheus!.url).pathname, '/api/v1/write');
  const prometheusConfig = mounts(services.prometheus!).find((m) => m.target === '/etc/prometheus/prometheus.yml');
  assert.ok(prometheusConfig, 'prometheus.yml is mounted');
  const scrape = parseYaml(readFileSync(prometheusConfig.source, 'utf8')) as {
    scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
  };
  const job = scrape.scrape_configs.find((c) => c.job_name === 'manifold');
  assert.deepEqual(
    job?.static_configs.flatMap((s) => s.targets),
    ['gateway:8888'],
  );
});

test('the image default config (no config mounted) passes `manifold config check`', async () => {
  const copy = dockerfile.stages.at(-1)!.instructions.find((i) => i.name === 'COPY' && i.args.at(-1) === '/etc/manifold/manifold.yaml');
  assert.ok(copy, 'the runtime stage copies a default config to /etc/manifold/manifold.yaml');
  assert.ok(
    dockerfile.stages.at(-1)!.instructions.some((i) => i.name === 'ENV' && /MANIFOLD_CONFIG=\/etc\/manifold\/manifold\.yaml/.test(i.args.join(' '))),
  );
  const checked = await configCheck(path.join(REPO, copy.args[0]!), {});
  assert.equal(checked.code, 0, checked.output);
  const config = parseYaml(readFileSync(path.join(REPO, copy.args[0]!), 'utf8')) as {
    data_dir: string;
    receivers: { otlp: { http: { endpoint: string } } };
  };
  assert.ok(dockerfileVolumes().includes(config.data_dir));
  assert.equal(config.receivers.otlp.http.endpoint, '0.0.0.0:4318');
});

function dockerfileVolumes(): string[] {
  return dockerfile.stages
    .at(-1)!
    .instructions.filter((i) => i.name === 'VOLUME')
    .flatMap((i) => i.args);
}

test('Dockerfile: multi-stage, non-root, HEALTHCHECK on /healthz at the admin port, the ports, a data volume, COPY sources present', () => {
  assert.ok(dockerfile.stages.length >= 2, 'at least two FROM');
  for (const stage of dockerfile.stages) assert.equal(stage.image, NODE_IMAGE, `stage ${stage.name ?? '?'} is on ${NODE_IMAGE}`);
  const runtime = dockerfile.stages.at(-1)!;
  const user = runtime.instructions.filter((i) => i.name === 'USER').at(-1)?.args[0];
  assert.ok(user && !['root', '0', '0:0'].includes(user), `the runtime stage runs as ${user ?? 'root'}`);
  const health = runtime.instructions.find((i) => i.name === 'HEALTHCHECK')?.args.join(' ') ?? '';
  assert.match(health, /127\.0\.0\.1:8888\/healthz/);
  const exposed = runtime.instructions
    .filter((i) => i.name === 'EXPOSE')
    .flatMap((i) => i.args)
    .sort();
  assert.deepEqual(exposed, ['4317', '4318', '8888']);
  assert.deepEqual(dockerfileVolumes(), ['/var/lib/manifold']);

  const ignored = readFileSync(path.join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stageNames = new Set<string>();
  for (const stage of dockerfile.stages) {
    for (const copy of stage.instructions.filter((i) => i.name === 'COPY')) {
      const from = copy.flags.from;
      const sources = copy.args.slice(0, -1);
      if (from) {
        assert.ok(stageNames.has(from), `COPY --from=${from}: no earlier stage of that name`);
        continue;
      }
      for (const source of sources) {
        assert.ok(existsSync(path.join(REPO, source)), `COPY ${source}: not in the repository`);
        const hit = ignored.find((pattern) => source === pattern || source.startsWith(`${pattern}/`));
        assert.equal(hit, undefined, `COPY ${source} is excluded by .dockerignore (${hit})`);
      }
    }
    if (stage.name) stageNames.add(stage.name);
  }
  // Native modules are built in a build stage, not in the runtime one.
  assert.ok(
    dockerfile.stages.slice(0, -1).some((s) => s.instructions.some((i) => i.name === 'RUN' && /npm rebuild better-sqlite3/.test(i.args.join(' ')))),
  );
  assert.ok(!runtime.instructions.some((i) => i.name === 'RUN' && /npm (ci|install|rebuild)/.test(i.args.join(' '))));
});

test('Dockerfile: the runtime stage has every file the npm package ships (package.json "files") and package.json', () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { files: string[]; bin: Record<string, string> };
  // Where each COPY puts each of its sources: into a folder when the target ends with / (or has several sources).
  const copied = dockerfile.stages
    .at(-1)!
    .instructions.filter((i) => i.name === 'COPY')
    .flatMap((i) => {
      const target = path.posix.join('/app', i.args.at(-1)!);
      const sources = i.args.slice(0, -1);
      return i.args.at(-1)!.endsWith('/') || sources.length > 1 ? sources.map((s) => path.posix.join(target, path.posix.basename(s))) : [target];
    });
  for (const wanted of ['package.json', 'node_modules', ...pkg.files]) {
    assert.ok(
      copied.some((target) => target === `/app/${wanted}` || `/app/${wanted}`.startsWith(`${target}/`)),
      `the runtime stage does not copy ${wanted}`,
    );
  }
  const entry = dockerfile.stages
    .at(-1)!
    .instructions.find((i) => i.name === 'ENTRYPOINT')!
    .args.join(' ');
  assert.match(entry, new RegExp(pkg.bin.manifold!.replace('.', '\\.')));
});

interface Datasource {
  name: string;
  uid: string;
  type: string;
  url?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
}
interface Target {
  datasource?: { type: string; uid: string };
  expr?: string;
  query?: string;
  rawSql?: string;
}
interface Panel {
  title: string;
  type: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}

function grafanaMount(target: string): string {
  const mount = mounts(services.grafana!).find((m) => m.target === target);
  assert.ok(mount && mount.kind === 'bind', `grafana mounts ${target} from the repository`);
  return mount.source;
}

function provisionedDatasources(): Datasource[] {
  const folder = path.join(grafanaMount('/etc/grafana/provisioning'), 'datasources');
  return readdirSync(folder)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => (parseYaml(readFileSync(path.join(folder, f), 'utf8')) as { datasources: Datasource[] }).datasources);
}

function dashboards(): Array<{ file: string; uid: string; title: string; panels: Panel[] }> {
  const folder = path.join(grafanaMount('/etc/grafana/provisioning'), 'dashboards');
  const providers = readdirSync(folder).flatMap(
    (f) => (parseYaml(readFileSync(path.join(folder, f), 'utf8')) as { providers: Array<{ options: { path: string } }> }).providers,
  );
  assert.equal(providers.length, 1);
  const source = grafanaMount(providers[0]!.options.path);
  assert.equal(path.relative(REPO, source), path.join('deploy', 'grafana', 'dashboards'));
  return readdirSync(source)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, ...(JSON.parse(readFileSync(path.join(source, f), 'utf8')) as { uid: string; title: string; panels: Panel[] }) }));
}

test('Grafana: four data sources of real plugin types, their secrets from the grafana service environment', () => {
  const sources = provisionedDatasources();
  assert.deepEqual(sources.map((s) => s.type).sort(), ['grafana-clickhouse-datasource', 'grafana-postgresql-datasource', 'influxdb', 'prometheus']);
  assert.equal(new Set(sources.map((s) => s.uid)).size, sources.length, 'uids are unique');
  for (const source of sources) assert.ok(GRAFANA_DATASOURCE_TYPES.has(source.type), `${source.name}: ${source.type}`);
  const env = environment(services.grafana!);
  for (const source of sources) {
    for (const [key, value] of Object.entries(source.secureJsonData ?? {})) {
      assert.match(value, /^\$[A-Z_]+$/, `${source.name}.secureJsonData.${key} comes from the environment`);
      assert.ok(value.slice(1) in env, `${source.name}.secureJsonData.${key}: ${value} is not set for grafana`);
    }
  }
  const byType = Object.fromEntries(sources.map((s) => [s.type, s]));
  assert.equal(new URL(byType.prometheus!.url!).hostname, 'prometheus');
  assert.equal(new URL(byType.influxdb!.url!).hostname, 'influxdb');
  assert.equal(byType.influxdb!.jsonData!.organization, environment(services.influxdb!).DOCKER_INFLUXDB_INIT_ORG);
  assert.equal(byType.influxdb!.jsonData!.defaultBucket, environment(services.influxdb!).DOCKER_INFLUXDB_INIT_BUCKET);
  assert.equal(byType['grafana-postgresql-datasource']!.url, 'timescaledb:5432');
  assert.equal(byType['grafana-postgresql-datasource']!.jsonData!.database, environment(services.timescaledb!).POSTGRES_DB);
  assert.equal(byType['grafana-clickhouse-datasource']!.jsonData!.host, 'clickhouse');
  assert.equal(byType['grafana-clickhouse-datasource']!.jsonData!.username, environment(services.clickhouse!).CLICKHOUSE_USER);
});

test('Grafana: the dashboards are JSON, every query targets a provisioned data source, one dashboard per backend at least', () => {
  const sources = new Map(provisionedDatasources().map((s) => [s.uid, s]));
  const boards = dashboards();
  assert.equal(new Set(boards.map((b) => b.uid)).size, boards.length);
  const used = new Set<string>();
  for (const board of boards) {
    assert.ok(board.panels.length > 0, `${board.file} has panels`);
    for (const panel of board.panels) {
      assert.ok(panel.targets && panel.targets.length > 0, `${board.file}: "${panel.title}" has no query`);
      for (const target of [panel, ...panel.targets]) {
        const ref = target.datasource;
        assert.ok(ref, `${board.file}: "${panel.title}" names no data source`);
        const source = sources.get(ref.uid);
        assert.ok(source, `${board.file}: "${panel.title}" uses data source uid ${ref.uid}, which is not provisioned`);
        assert.equal(ref.type, source.type, `${board.file}: "${panel.title}"`);
        used.add(ref.uid);
      }
      for (const target of panel.targets)
        assert.ok(target.expr ?? target.query ?? target.rawSql, `${board.file}: "${panel.title}" has an empty query`);
    }
  }
  assert.deepEqual([...used].sort(), [...sources.keys()].sort(), 'every data source has a dashboard');
});

/** Tables and views Manifold's migrations create, per dialect. */
function migratedTables(dialect: 'postgres' | 'clickhouse'): Set<string> {
  const folder = path.join(REPO, 'migrations', dialect);
  const names = new Set<string>();
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.up.sql'))) {
    for (const [, name] of readFileSync(path.join(folder, file), 'utf8').matchAll(
      /CREATE (?:TABLE|MATERIALIZED VIEW|VIEW) IF NOT EXISTS \{\{(?:schema|database)\}\}\.(\w+)/g,
    ))
      names.add(name!);
  }
  return names;
}

test("Grafana: SQL dashboards read Manifold's own tables, the Prometheus one Manifold's own metric names", () => {
  const config = parseYaml(readFileSync(gatewayConfigFile(), 'utf8')) as {
    backends: Record<string, { kind: string; schema?: string; database?: string }>;
  };
  const pgSchema = Object.values(config.backends).find((b) => b.kind === 'postgres')!.schema!;
  const chDatabase = Object.values(config.backends).find((b) => b.kind === 'clickhouse')!.database!;
  const byType = new Map(provisionedDatasources().map((s) => [s.uid, s.type]));
  const tables = {
    'grafana-postgresql-datasource': [pgSchema, migratedTables('postgres')],
    'grafana-clickhouse-datasource': [chDatabase, migratedTables('clickhouse')],
  } as const;
  const exported = new Set([...readFileSync(path.join(REPO, 'src/admin/metrics.ts'), 'utf8').matchAll(/'(manifold_[a-z_]+)'/g)].map((m) => m[1]!));
  assert.ok(exported.size > 10);
  let sqlQueries = 0;
  let manifoldMetrics = 0;
  for (const board of dashboards()) {
    for (const panel of board.panels) {
      for (const target of panel.targets ?? []) {
        const type = byType.get(target.datasource!.uid)!;
        if (type in tables) {
          const [schema, known] = tables[type as keyof typeof tables];
          const referenced = [...target.rawSql!.matchAll(/\b(?:FROM|JOIN)\s+([\w.]+)/gi)].map((m) => m[1]!).filter((name) => name !== '(');
          assert.ok(referenced.length > 0, `${board.file}: "${panel.title}" reads no table`);
          for (const name of referenced) {
            assert.ok(
              name.startsWith(`${schema}.`),
              `${board.file}: "${panel.title}" reads ${name}, not in ${schema} (the config's schema/database)`,
            );
            assert.ok(known.has(name.slice(schema.length + 1)), `${board.file}: "${panel.title}" reads ${name}, which no migration creates`);
          }
          sqlQueries++;
        }
        if (type === 'prometheus') {
          for (const [, name] of target.expr!.matchAll(/\b(manifold_[a-z_]+)/g)) {
            const base = name!.replace(/_(bucket|sum|count)$/, '');
            assert.ok(exported.has(name!) || exported.has(base), `${board.file}: "${panel.title}" uses ${name}, which Manifold does not export`);
            manifoldMetrics++;
          }
        }
      }
    }
  }
  assert.ok(sqlQueries >= 4 && manifoldMetrics >= 5, `${sqlQueries} SQL queries, ${manifoldMetrics} manifold_* metrics`);
});

/**
 * Every SQL and PromQL query of the dashboards, macros expanded as Grafana does, run against the real servers:
 * TimescaleDB and ClickHouse with Manifold's schema migrated into a schema / database of this test's own (the
 * dashboards' `otel.` renamed to it), Prometheus for the PromQL. One span and one gauge point are written first,
 * through `manifold start`, so the time-series queries return a row. The Flux queries are not run: no InfluxDB 2
 * runs here (InfluxDB 1.6 has no Flux).
 */
test("Grafana: the dashboards' SQL and PromQL run against the real servers, on Manifold's migrated schema", async () => {
  const name = `deploy_dash_${process.pid}_${Date.now() % 100_000}`;
  const pgUrl = backendUrl('timescale');
  const chUrl = backendUrl('clickhouse');
  const [httpPort, grpcPort, adminPort] = await freePorts(3);
  const config = path.join(dir, 'dashboards.yaml');
  writeFileSync(
    config,
    [
      `data_dir: ${dir}/dash-data`,
      `receivers: { otlp: { http: { endpoint: 127.0.0.1:${httpPort} }, grpc: { endpoint: 127.0.0.1:${grpcPort} } } }`,
      `queue: { kind: embedded, path: ${dir}/dash-data/queue }`,
      `admin: { endpoint: 127.0.0.1:${adminPort} }`,
      'backends:',
      `  timescaledb: { kind: postgres, url: "${pgUrl}", schema: ${name}, delivery: { batch: { max_delay: 0 } } }`,
      `  clickhouse: { kind: clickhouse, url: "${chUrl}", database: ${name}, delivery: { batch: { max_delay: 0 } } }`,
    ].join('\n'),
  );
  const client = new pg.Client(pgUrl);
  await client.connect();
  const clickhouse = async (sql: string) => {
    const response = await fetch(`${chUrl}/?default_format=JSON`, { method: 'POST', body: sql });
    const text = await response.text();
    assert.equal(response.status, 200, `${sql}\n-> ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as { meta: Array<{ name: string }>; data: unknown[] });
  };
  const gateway = runCli(['start', '--config', config]);
  try {
    await gateway.waitForLine(/manifold is running/, 60_000);
    const now = BigInt(Date.now()) * 1_000_000n;
    const resource = { attributes: [{ key: 'service.name', value: { stringValue: name } }] };
    const post = (signal: string, body: unknown) =>
      fetch(`http://127.0.0.1:${httpPort}/v1/${signal}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal(
      (
        await post('metrics', {
          resourceMetrics: [
            {
              resource,
              scopeMetrics: [{ metrics: [{ name: 'deploy.gauge', gauge: { dataPoints: [{ timeUnixNano: String(now), asDouble: 4.5 }] } }] }],
            },
          ],
        })
      ).status,
      200,
    );
    assert.equal(
      (
        await post('traces', {
          resourceSpans: [
            {
              resource,
              scopeSpans: [
                {
                  spans: [
                    {
                      traceId: '5b8efff798038103d269b633813fc60c',
                      spanId: 'eee19b7ec3c1b174',
                      name: 'GET /cart',
                      kind: 2,
                      startTimeUnixNano: String(now),
                      endTimeUnixNano: String(now + 5_000_000n),
                      status: { code: 2, message: 'boom' },
                    },
                  ],
                },
              ],
            },
          ],
        })
      ).status,
      200,
    );
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${adminPort}/metrics`)).text(),
      (text) =>
        /manifold_backend_written_items_total\{backend="timescaledb"\} 2/.test(text) &&
        /manifold_backend_written_items_total\{backend="clickhouse"\} 2/.test(text),
      30_000,
      'both writes',
    );

    const range = { from: new Date(Date.now() - 3_600_000), to: new Date(Date.now() + 60_000), intervalSeconds: 60 };
    const byType = new Map(provisionedDatasources().map((s) => [s.uid, s.type]));
    let ran = 0;
    for (const board of dashboards()) {
      for (const panel of board.panels) {
        for (const target of panel.targets ?? []) {
          const type = byType.get(target.datasource!.uid);
          const where = `${board.file}: "${panel.title}"`;
          if (type === 'grafana-postgresql-datasource') {
            const result = await client
              .query(expandPostgresMacros(target.rawSql!, range).replaceAll('otel.', `"${name}".`))
              .catch((error: Error) => assert.fail(`${where}: ${error.message}`));
            if ((target as { format?: string }).format === 'time_series') {
              assert.equal(result.fields[0]?.name, 'time', `${where}: a time series query starts with time`);
              if (!/histogram/.test(target.rawSql!)) assert.ok(result.rows.length > 0, `${where}: no row for the point and span just written`);
            } else assert.ok(result.rows.length > 0, `${where}: no row`);
            ran++;
          } else if (type === 'grafana-clickhouse-datasource') {
            const result = (await clickhouse(expandClickHouseMacros(target.rawSql!, range).replaceAll('otel.', `${name}.`)))!;
            if ((target as { queryType?: string }).queryType === 'timeSeries')
              assert.equal(result.meta[0]?.name, 'time', `${where}: a time series query starts with time`);
            assert.ok(result.data.length > 0, `${where}: no row for the point and span just written`);
            ran++;
          } else if (type === 'prometheus') {
            const url = new URL('/api/v1/query', backendUrl('prometheus'));
            url.searchParams.set('query', expandPromQL(target.expr!, range));
            const response = await fetch(url);
            assert.equal(response.status, 200, `${where}: ${await response.text()}`);
            ran++;
          }
        }
      }
    }
    assert.ok(ran >= 20, `queries run: ${ran}`);
  } finally {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await client.end();
    await clickhouse(`DROP DATABASE IF EXISTS ${name}`);
  }
});

test('scripts/backends/docker-compose.yml (the test backends) sits beside the scripts, and nothing points at the old place', () => {
  const moved = parseYaml(readFileSync(path.join(REPO, 'scripts/backends/docker-compose.yml'), 'utf8')) as Compose;
  assert.equal((moved as unknown as { name: string }).name, 'manifold-test-backends');
  for (const [name, service] of Object.entries(moved.services)) {
    for (const mount of service.volumes ?? []) {
      const { source } = typeof mount === 'string' ? parseVolume(mount) : mount;
      if (source.startsWith('.')) assert.ok(existsSync(path.resolve(REPO, 'scripts/backends', source)), `${name} mounts ${source}`);
    }
  }
  assert.match(readFileSync(path.join(REPO, 'scripts/backends/README.md'), 'utf8'), /scripts\/backends\/docker-compose\.yml/);
  assert.match(
    readFileSync(path.join(REPO, 'scripts/backends/docker-compose.yml'), 'utf8'),
    /docker compose -f scripts\/backends\/docker-compose\.yml up/,
  );
});

/**
 * The runtime stage as the Dockerfile lays it out, without Docker: its COPY lines applied to a temporary folder
 * (the build stage's dist/ compiled here by the same tsc command, node_modules linked to this checkout's), then the
 * gateway started from it with the image's default config, its paths and ports moved by MANIFOLD__ overrides.
 * It proves the runtime stage carries every file the gateway reads; that the production dependencies alone suffice
 * is the job of the prod-deps stage's `npm ci --omit=dev` (run by hand, see the README).
 */
test("the runtime stage's files run the gateway: /healthz and /readyz answer", async () => {
  const root = path.join(dir, 'app');
  mkdirSync(root, { recursive: true });
  const stages = new Map(dockerfile.stages.map((s) => [s.name, s]));
  const built = path.join(dir, 'build-dist');
  const tsc = spawnSync(
    process.execPath,
    [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(REPO, 'tsconfig.build.json'), '--outDir', built],
    { cwd: REPO, encoding: 'utf8' },
  );
  assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  assert.ok(
    stages.get('build')!.instructions.some((i) => i.name === 'RUN' && /tsc -p tsconfig\.build\.json/.test(i.args.join(' '))),
    'the build stage compiles with the same command',
  );
  let configFile = '';
  for (const copy of dockerfile.stages.at(-1)!.instructions.filter((i: DockerInstruction) => i.name === 'COPY')) {
    const target = copy.args.at(-1)!;
    if (target.startsWith('/') && !target.startsWith('/app')) {
      configFile = path.join(REPO, copy.args[0]!); // the default config, outside the app folder
      continue;
    }
    const destination = path.join(root, target);
    if (copy.flags.from === 'build') cpSync(built, destination, { recursive: true });
    else if (copy.flags.from === 'prod-deps') symlinkSync(path.join(REPO, 'node_modules'), destination);
    else {
      mkdirSync(path.dirname(destination), { recursive: true });
      for (const source of copy.args.slice(0, -1))
        cpSync(path.join(REPO, source), target.endsWith('/') || copy.args.length > 2 ? path.join(destination, path.basename(source)) : destination, {
          recursive: true,
        });
    }
  }
  assert.ok(configFile, 'the default config');
  const [httpPort, grpcPort, adminPort, pgPort] = await freePorts(4);
  const data = path.join(dir, 'volume');
  const entry = dockerfile.stages.at(-1)!.instructions.find((i) => i.name === 'ENTRYPOINT')!.args;
  const cmd = dockerfile.stages.at(-1)!.instructions.find((i) => i.name === 'CMD')!.args;
  assert.equal(entry[0], 'node');
  const child = spawn(process.execPath, [...entry.slice(1), ...cmd], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      MANIFOLD_CONFIG: configFile,
      MANIFOLD__DATA_DIR: data,
      MANIFOLD__QUEUE__PATH: path.join(data, 'queue'),
      MANIFOLD__EMBEDDED_STORE__PATH: path.join(data, 'pg'),
      MANIFOLD__EMBEDDED_STORE__ENDPOINT: `127.0.0.1:${pgPort}`,
      MANIFOLD__RECEIVERS__OTLP__HTTP__ENDPOINT: `127.0.0.1:${httpPort}`,
      MANIFOLD__RECEIVERS__OTLP__GRPC__ENDPOINT: `127.0.0.1:${grpcPort}`,
      MANIFOLD__ADMIN__ENDPOINT: `127.0.0.1:${adminPort}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.status,
      (status) => status === 200,
      50_000,
      'the gateway ready',
    ).catch((error: Error) => assert.fail(`${error.message}; its output:\n${output}`));
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/healthz`)).status, 200);
    assert.match(output, /manifold is running/);
    // It ran from the laid-out folder, with the status page and the migrations found there.
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/`)).status, 200);
    assert.ok(
      existsSync(path.join(data, 'pg', 'PG_VERSION')),
      'the embedded PostgreSQL under the data volume (migrated from the copied migrations/)',
    );
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, output);
  }
});
