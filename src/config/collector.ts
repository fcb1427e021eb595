/**
 * An OpenTelemetry Collector config (receivers / processors / exporters / extensions / service.pipelines) turned
 * into Manifold's, for `manifold config convert`: what the two have in common is carried over, and every Collector
 * key that has no counterpart is named, so nothing is dropped without a word.
 *
 * Mapped: the otlp receiver (endpoints, body limits, TLS, bearertokenauth / basicauth), the batch and
 * memory_limiter processors, and the prometheusremotewrite, clickhouse and influxdb exporters that a pipeline
 * uses (each becomes a backend carrying the signals of the pipelines it is in), with retry_on_failure.
 */

type Tree = Record<string, unknown>;

export interface Conversion {
  readonly config: Tree;
  /** Collector keys (dotted paths) with no Manifold counterpart, each with why. */
  readonly unmapped: string[];
  /** Things carried over that deserve a look (an assumed port, a changed default). */
  readonly notes: string[];
}

/** Whether a parsed YAML document is shaped like a Collector config rather than a Manifold one. */
export function looksLikeCollectorConfig(raw: unknown): boolean {
  if (!isTree(raw)) return false;
  const receivers = isTree(raw.receivers) ? raw.receivers : {};
  return (
    'exporters' in raw ||
    'processors' in raw ||
    (isTree(raw.service) && 'pipelines' in raw.service) ||
    Object.values(receivers).some((r) => isTree(r) && 'protocols' in r)
  );
}

export function convertCollectorConfig(raw: Tree): Conversion {
  const out = new Converter(envSyntax(raw) as Tree);
  out.run();
  return { config: out.config, unmapped: out.unmapped, notes: out.notes };
}

class Converter {
  readonly config: Tree = {};
  readonly unmapped: string[] = [];
  readonly notes: string[] = [];
  private readonly extensions: Tree;

  constructor(private readonly raw: Tree) {
    this.extensions = tree(raw.extensions);
  }

  run(): void {
    const pipelines = tree(tree(this.raw.service).pipelines);
    const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Map<string, Set<string>>() };
    for (const [name, pipeline] of Object.entries(pipelines)) {
      const signal = name.split('/')[0]!;
      const p = tree(pipeline);
      for (const r of list(p.receivers)) used.receivers.add(r);
      for (const q of list(p.processors)) used.processors.add(q);
      for (const e of list(p.exporters)) {
        if (signal !== 'metrics' && signal !== 'traces' && signal !== 'logs')
          this.unmapped.push(`service.pipelines.${name}: Manifold takes metrics, traces and logs (not ${signal})`);
        else (used.exporters.get(e) ?? used.exporters.set(e, new Set()).get(e)!).add(signal);
      }
    }
    for (const [name, value] of Object.entries(tree(this.raw.receivers))) {
      if (!used.receivers.has(name)) this.unmapped.push(`receivers.${name}: in no pipeline`);
      else if (kindOf(name) === 'otlp') this.otlpReceiver(`receivers.${name}`, tree(value));
      else this.unmapped.push(`receivers.${name}: Manifold receives OTLP only`);
    }
    for (const [name, value] of Object.entries(tree(this.raw.processors))) {
      if (!used.processors.has(name)) continue;
      const kind = kindOf(name);
      if (kind === 'batch') this.batch(`processors.${name}`, tree(value));
      else if (kind === 'memory_limiter') this.memoryLimiter(`processors.${name}`, tree(value));
      else this.unmapped.push(`processors.${name}: no counterpart (Manifold does not transform data)`);
    }
    const backends: Tree = {};
    for (const [name, value] of Object.entries(tree(this.raw.exporters))) {
      const signals = used.exporters.get(name);
      if (!signals) {
        this.unmapped.push(`exporters.${name}: in no pipeline`);
        continue;
      }
      const backend = this.exporter(`exporters.${name}`, kindOf(name), tree(value));
      if (!backend) continue;
      if (backend.kind !== 'prometheus') backend.signals = [...signals].sort();
      backends[backendName(name, backends)] = backend;
    }
    if (Object.keys(backends).length > 0) this.config.backends = backends;
    for (const key of Object.keys(this.raw)) {
      if (!['receivers', 'processors', 'exporters', 'extensions', 'service', 'connectors'].includes(key))
        this.unmapped.push(`${key}: not a Collector section Manifold knows`);
    }
    if (this.raw.connectors !== undefined) this.unmapped.push('connectors: no counterpart');
    const telemetry = tree(tree(this.raw.service).telemetry);
    const address = tree(telemetry.metrics).address;
    if (typeof address === 'string') this.config.admin = { endpoint: address };
    if (telemetry.logs !== undefined) this.unmapped.push('service.telemetry.logs: Manifold logs JSON to stdout (log.level, log.format)');
  }

  private otlpReceiver(at: string, receiver: Tree): void {
    const protocols = tree(receiver.protocols);
    const otlp: Tree = {};
    for (const protocol of ['http', 'grpc'] as const) {
      const settings = protocols[protocol];
      if (settings === undefined) {
        otlp[protocol] = { enabled: false };
        continue;
      }
      const s = tree(settings);
      const target: Tree = {};
      const where = `${at}.protocols.${protocol}`;
      for (const [key, value] of Object.entries(s)) {
        if (key === 'endpoint') target.endpoint = String(value).replace(/^localhost:/, '127.0.0.1:');
        else if (key === 'max_request_body_size') target.max_request_bytes = value;
        else if (key === 'max_recv_msg_size_mib') target.max_request_bytes = `${String(value)}MiB`;
        else if (key === 'tls')
          target.tls = pick(
            `${where}.tls`,
            tree(value),
            { cert_file: 'cert_file', key_file: 'key_file', client_ca_file: 'client_ca_file', reload_interval: 'reload_interval' },
            this.unmapped,
          );
        else if (key === 'auth') this.serverAuth(`${where}.auth`, tree(value), target);
        else if (key === 'cors' || key === 'include_metadata') this.unmapped.push(`${where}.${key}: not supported`);
        else this.unmapped.push(`${where}.${key}: no counterpart`);
      }
      otlp[protocol] = target;
    }
    this.config.receivers = { otlp };
  }

  /** A receiver's `auth.authenticator`: the bearertokenauth or basicauth (htpasswd) extension it names. */
  private serverAuth(at: string, auth: Tree, target: Tree): void {
    const name = String(auth.authenticator ?? '');
    const extension = tree(this.extensions[name]);
    if (kindOf(name) === 'bearertokenauth' && (extension.token !== undefined || extension.filename !== undefined)) {
      target.auth = extension.token !== undefined ? { bearer_token: extension.token } : { bearer_token_file: extension.filename };
    } else if (kindOf(name) === 'basicauth' && typeof tree(extension.htpasswd).inline === 'string') {
      const [username, ...rest] = String(tree(extension.htpasswd).inline).split('\n')[0]!.split(':');
      target.auth = { basic: { username, password: rest.join(':') } };
      this.notes.push(`${at}: the first user of extensions.${name}.htpasswd.inline became basic auth (Manifold takes one user)`);
    } else {
      this.unmapped.push(`${at}: authenticator ${JSON.stringify(name)} (Manifold takes a bearer token or basic auth)`);
    }
  }

  private batch(at: string, batch: Tree): void {
    const settings: Tree = {};
    for (const [key, value] of Object.entries(batch)) {
      if (key === 'send_batch_size' || key === 'send_batch_max_size') settings.max_items = value;
      else if (key === 'timeout') settings.max_delay = value;
      else this.unmapped.push(`${at}.${key}: no counterpart`);
    }
    if (Object.keys(settings).length > 0) this.batchSettings = settings;
  }

  private batchSettings: Tree | undefined;

  private memoryLimiter(at: string, limiter: Tree): void {
    const out: Tree = {};
    for (const [key, value] of Object.entries(limiter)) {
      if (key === 'limit_mib') out.limit = `${String(value)}MiB`;
      else if (key === 'spike_limit_mib') out.spike_limit = `${String(value)}MiB`;
      else if (key === 'check_interval') out.check_interval = value;
      else this.unmapped.push(`${at}.${key}: give memory_limiter.limit in bytes instead`);
    }
    this.config.memory_limiter = out;
  }

  private exporter(at: string, kind: string, exporter: Tree): Tree | undefined {
    const fields = EXPORTERS[kind];
    if (!fields) {
      this.unmapped.push(`${at}: Manifold writes Prometheus remote write, ClickHouse, InfluxDB and PostgreSQL (no ${kind} exporter)`);
      return undefined;
    }
    const backend: Tree = { kind: fields.kind };
    for (const [key, value] of Object.entries(exporter)) {
      const target = fields.keys[key];
      if (target) setPath(backend, target, value);
      else if (key === 'retry_on_failure') this.retry(`${at}.${key}`, tree(value), backend);
      else if (key === 'sending_queue' || key === 'remote_write_queue' || key === 'wal')
        this.notes.push(`${at}.${key}: replaced by Manifold's durable queue (queue, and delivery.backlog per backend)`);
      else if (key === 'tls') {
        const tls = pick(`${at}.tls`, tree(value), { ca_file: 'ca_file', insecure_skip_verify: 'insecure_skip_verify', insecure: '' }, this.unmapped);
        if (Object.keys(tls).length > 0) backend.tls = tls;
      } else if (key === 'auth') this.clientAuth(`${at}.auth`, tree(value), backend);
      else this.unmapped.push(`${at}.${key}: no counterpart`);
    }
    fields.finish?.(backend, at, this.notes);
    if (this.batchSettings) backend.delivery = { ...tree(backend.delivery), batch: this.batchSettings };
    return backend;
  }

  private retry(at: string, retry: Tree, backend: Tree): void {
    const out: Tree = {};
    for (const [key, value] of Object.entries(retry)) {
      const target = (
        {
          initial_interval: 'initial_interval',
          max_interval: 'max_interval',
          max_elapsed_time: 'max_elapsed',
          multiplier: 'multiplier',
          randomization_factor: 'randomization',
        } as Tree
      )[key];
      if (typeof target === 'string') out[target] = value;
      else if (key !== 'enabled') this.unmapped.push(`${at}.${key}: no counterpart`);
    }
    if (retry.enabled === false) this.notes.push(`${at}.enabled: false — Manifold always retries transient failures`);
    backend.delivery = { ...tree(backend.delivery), retry: out };
  }

  /** An exporter's `auth.authenticator`: basicauth client_auth or bearertokenauth. */
  private clientAuth(at: string, auth: Tree, backend: Tree): void {
    const name = String(auth.authenticator ?? '');
    const extension = tree(this.extensions[name]);
    const client = tree(extension.client_auth);
    if (kindOf(name) === 'basicauth' && client.username !== undefined) {
      if (backend.kind === 'prometheus') backend.basic_auth = { username: client.username, password: client.password ?? '' };
      else Object.assign(backend, { username: client.username, password: client.password ?? '' });
    } else if (kindOf(name) === 'bearertokenauth' && extension.token !== undefined) {
      if (backend.kind === 'prometheus') backend.bearer_token = extension.token;
      else backend.headers = { ...tree(backend.headers), Authorization: `Bearer ${String(extension.token)}` };
    } else {
      this.unmapped.push(`${at}: authenticator ${JSON.stringify(name)} not understood`);
    }
  }
}

interface ExporterFields {
  readonly kind: string;
  /** Collector key -> Manifold key (dotted). */
  readonly keys: Readonly<Record<string, string>>;
  readonly finish?: (backend: Tree, at: string, notes: string[]) => void;
}

const EXPORTERS: Record<string, ExporterFields> = {
  prometheusremotewrite: {
    kind: 'prometheus',
    keys: {
      endpoint: 'url',
      headers: 'headers',
      timeout: 'timeout',
      add_metric_suffixes: 'translation.add_metric_suffixes',
      resource_to_telemetry_conversion: 'translation.resource_to_telemetry_conversion',
      target_info: 'translation.target_info',
    },
  },
  clickhouse: {
    kind: 'clickhouse',
    keys: {
      endpoint: 'url',
      database: 'database',
      username: 'username',
      password: 'password',
      ttl: 'ttl',
      cluster_name: 'cluster',
      compress: 'compression',
      create_schema: 'create_schema',
      timeout: 'request_timeout',
    },
    finish(backend, at, notes) {
      const url = String(backend.url ?? '');
      const native = /^(tcp|clickhouse):\/\/([^/:?]+)(:\d+)?/.exec(url);
      if (native) {
        backend.url = `http://${native[2]}:8123`;
        notes.push(
          `${at}.endpoint: ${url} is ClickHouse's native protocol; Manifold speaks HTTP, so it became ${String(backend.url)} (the default HTTP port: check it)`,
        );
      }
      // The Collector's create_schema: false is Manifold's "never touch DDL".
      if (backend.create_schema === false) backend.migrate = 'off';
      delete backend.create_schema;
    },
  },
  influxdb: {
    kind: 'influxdb',
    keys: {
      endpoint: 'url',
      org: 'org',
      bucket: 'bucket',
      token: 'token',
      headers: 'headers',
      timeout: 'timeout',
      metrics_schema: 'metrics_schema',
      span_dimensions: 'span_dimensions',
      v1_compatibility: 'v1_compatibility',
    },
    finish(backend) {
      const v1 = tree(backend.v1_compatibility);
      delete backend.v1_compatibility;
      if (v1.enabled === true) {
        for (const key of ['org', 'bucket', 'token']) delete backend[key];
        Object.assign(backend, {
          api: 'v1',
          database: v1.db,
          ...(v1.username === undefined ? {} : { username: v1.username, password: v1.password }),
        });
      }
    },
  },
};

function pick(at: string, source: Tree, keys: Record<string, string>, unmapped: string[]): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(source)) {
    const target = keys[key];
    if (target === undefined) unmapped.push(`${at}.${key}: no counterpart`);
    else if (target !== '') out[target] = value;
  }
  return out;
}

function setPath(root: Tree, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = root;
  for (const key of keys.slice(0, -1)) node = node[key] = tree(node[key]);
  node[keys[keys.length - 1]!] = value;
}

/** `prometheusremotewrite/vm` -> `vm`; a bare kind -> a short name by kind; made unique and lower-case. */
function backendName(collectorName: string, taken: Tree): string {
  const [kind, suffix] = collectorName.split('/');
  const base = (suffix ?? ({ prometheusremotewrite: 'prometheus' } as Tree)[kind!] ?? kind!) as string;
  let name =
    base
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '_')
      .replace(/^[^a-z]+/, '') || 'backend';
  for (let n = 2; name in taken; n++) name = `${base}_${n}`;
  return name;
}

/** The Collector's `${env:VAR}` is Manifold's `${VAR}`. */
function envSyntax(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)/g, '${$1');
  if (Array.isArray(value)) return value.map(envSyntax);
  if (isTree(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, envSyntax(v)]));
  return value;
}

const kindOf = (name: string) => name.split('/')[0]!;
const isTree = (value: unknown): value is Tree => value !== null && typeof value === 'object' && !Array.isArray(value);
const tree = (value: unknown): Tree => (isTree(value) ? value : {});
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
