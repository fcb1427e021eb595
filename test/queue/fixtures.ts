/** Model objects for queue tests and benchmarks: every type, and a realistic mixed batch. */
import type {
  Attributes,
  InstrumentationScope,
  LogRecord,
  MetricDescriptor,
  MetricPoint,
  Resource,
  Span,
  TelemetryBatch,
} from '../../src/model/index.js';

export const resource: Resource = {
  attributes: {
    'service.name': 'checkout',
    'service.namespace': 'shop',
    'service.instance.id': '6f1c2a9e-4b1d-4c1e-9a0b-2f6d7e8c9a01',
    'host.name': 'node-17.eu-west-1',
    'process.pid': 4242n,
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.version': '2.12.1',
    'k8s.pod.labels': { app: 'checkout', tier: ['web', 'api'] },
  },
  droppedAttributesCount: 0,
  schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
};

export const scope: InstrumentationScope = {
  name: '@opentelemetry/instrumentation-http',
  version: '0.223.0',
  attributes: { 'scope.attr': true },
  droppedAttributesCount: 1,
  schemaUrl: '',
};

function descriptor(name: string, type: MetricDescriptor['type'], temporality: MetricDescriptor['temporality'], monotonic = false): MetricDescriptor {
  return { name, description: `${name} description`, unit: 's', type, temporality, monotonic, metadata: {} };
}

export const gaugeMetric = descriptor('process.memory.usage', 'gauge', 'unspecified');
export const sumMetric = descriptor('http.server.requests', 'sum', 'cumulative', true);
export const histogramMetric = descriptor('http.server.duration', 'histogram', 'delta');
export const expHistogramMetric = descriptor('rpc.latency', 'exponential_histogram', 'cumulative');
export const summaryMetric = descriptor('gc.pause', 'summary', 'unspecified');

const T0 = 1_726_000_000_000_000_000n;

/** Every attribute value type, including int64 beyond 2^53, non-finite doubles, bytes and nesting. */
export const edgeAttributes: Attributes = {
  str: 'ü € 𝄞',
  empty: '',
  bool: false,
  int: 42n,
  intBig: 9_223_372_036_854_775_807n,
  intMin: -9_223_372_036_854_775_808n,
  intBeyondDouble: 9_007_199_254_740_993n,
  double: 0.1,
  doubleIntegral: 3,
  doubleHuge: 1e300,
  nan: Number.NaN,
  inf: Number.POSITIVE_INFINITY,
  negInf: Number.NEGATIVE_INFINITY,
  bytes: new Uint8Array([0, 1, 254, 255]),
  emptyBytes: new Uint8Array(0),
  nil: null,
  array: ['a', 1n, 2.5, true, null, new Uint8Array([9]), [1n, [2n, 'deep']]],
  kvlist: { inner: { deeper: [{ k: 'v' }, 7n] }, n: Number.NaN },
  emptyArray: [],
  emptyKvlist: {},
};

export function everyPointType(): MetricPoint[] {
  const base = { resource, scope, startTimeUnixNano: T0, timeUnixNano: T0 + 1_000_000_000n, flags: 0 };
  return [
    { ...base, metric: gaugeMetric, type: 'gauge', attributes: edgeAttributes, value: Number.NaN, exemplars: [] },
    { ...base, metric: gaugeMetric, type: 'gauge', attributes: {}, value: Number.NEGATIVE_INFINITY, exemplars: [], flags: 1 },
    {
      ...base,
      metric: sumMetric,
      type: 'sum',
      attributes: { 'http.method': 'GET' },
      value: 18_446_744_073_709_551_615n,
      exemplars: [
        {
          filteredAttributes: { user: 'u1' },
          timeUnixNano: T0 + 5n,
          value: 12n,
          traceId: '0af7651916cd43dd8448eb211c80319c',
          spanId: 'b7ad6b7169203331',
        },
        { filteredAttributes: {}, timeUnixNano: T0 + 6n, value: 0.25, traceId: '', spanId: '' },
      ],
    },
    { ...base, metric: sumMetric, type: 'sum', attributes: { 'http.method': 'POST' }, value: 1e18, exemplars: [] },
    {
      ...base,
      metric: histogramMetric,
      type: 'histogram',
      attributes: { route: '/cart' },
      count: 10,
      sum: 1.5,
      bucketCounts: [1, 2, 3, 4],
      explicitBounds: [0.005, 0.1, 1],
      min: 0.001,
      max: Number.POSITIVE_INFINITY,
      exemplars: [],
    },
    {
      ...base,
      metric: histogramMetric,
      type: 'histogram',
      attributes: {},
      count: 0,
      sum: undefined,
      bucketCounts: [],
      explicitBounds: [],
      min: undefined,
      max: undefined,
      exemplars: [],
    },
    {
      ...base,
      metric: expHistogramMetric,
      type: 'exponential_histogram',
      attributes: { rpc: 'Get' },
      count: 7,
      sum: 3.25,
      scale: -3,
      zeroCount: 1,
      zeroThreshold: 1e-9,
      positive: { offset: -2, bucketCounts: [1, 0, 4] },
      negative: { offset: 0, bucketCounts: [] },
      min: undefined,
      max: 2.5,
      exemplars: [],
    },
    {
      ...base,
      metric: summaryMetric,
      type: 'summary',
      attributes: { gc: 'major' },
      count: 3,
      sum: 0.75,
      quantileValues: [
        { quantile: 0, value: 0.1 },
        { quantile: 0.99, value: Number.NaN },
        { quantile: 1, value: 0.4 },
      ],
      exemplars: [],
    },
  ];
}

export function everySpanShape(): Span[] {
  const base = { resource, scope, traceState: '', flags: 1, droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0 };
  return [
    {
      ...base,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '',
      name: 'GET /cart',
      kind: 2,
      startTimeUnixNano: T0,
      endTimeUnixNano: T0 + 12_345_678n,
      attributes: edgeAttributes,
      events: [{ timeUnixNano: T0 + 10n, name: 'exception', attributes: { 'exception.message': 'boom' }, droppedAttributesCount: 2 }],
      links: [
        {
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '00f067aa0ba902b7',
          traceState: 'rojo=00f067aa0ba902b7',
          attributes: { k: 1n },
          droppedAttributesCount: 0,
          flags: 257,
        },
      ],
      status: { code: 2, message: 'Internal error' },
    },
    {
      ...base,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'c7ad6b7169203332',
      parentSpanId: 'b7ad6b7169203331',
      traceState: 'congo=t61rcWkgMzE',
      name: 'SELECT carts',
      kind: 3,
      startTimeUnixNano: T0 + 1n,
      endTimeUnixNano: T0 + 2n,
      attributes: {},
      events: [],
      links: [],
      status: { code: 0, message: '' },
      droppedEventsCount: 3,
    },
  ];
}

/** A second resource, for records that do not all share one. */
export const otherResource: Resource = { attributes: { 'service.name': 'payments' }, droppedAttributesCount: 3, schemaUrl: '' };

/**
 * Every log record field and edge: bodies of every AnyValue type (none, string, kvlist nested in arrays, bytes,
 * non-finite doubles, uint64 and int64 bigints), empty and non-hex ids, 0 and uint64 timestamps, flags and counts
 * beyond 2^29, events, two resources. No -0 (msgpackr, the reference, loses it: the codec tests cover it apart).
 */
export function everyLogShape(): LogRecord[] {
  const base = {
    resource,
    scope,
    timeUnixNano: T0,
    observedTimeUnixNano: T0 + 7n,
    severityNumber: 9,
    severityText: 'INFO',
    attributes: {},
    droppedAttributesCount: 0,
    flags: 1,
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    eventName: '',
  };
  return [
    { ...base, body: 'GET /cart took 12 ms: ü € 𝄞', attributes: edgeAttributes, droppedAttributesCount: 2 },
    // No body, no time (only the observed one), no severity, not part of a trace: an event.
    {
      ...base,
      body: null,
      timeUnixNano: 0n,
      severityNumber: 0,
      severityText: '',
      flags: 0,
      traceId: '',
      spanId: '',
      eventName: 'device.app.lifecycle',
    },
    {
      ...base,
      severityNumber: 17,
      severityText: 'ERROR',
      body: { message: 'boom', exception: { type: 'TypeError', stack: ['at a', { frame: 2n, file: null }] }, empty: {}, nan: Number.NaN },
    },
    { ...base, resource: otherResource, body: new Uint8Array([0, 1, 127, 128, 254, 255]), attributes: { 'log.iostream': 'stderr' } },
    { ...base, resource: otherResource, body: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5e-324, 0.1, true, false, '', []] },
    {
      ...base,
      body: 18_446_744_073_709_551_615n,
      timeUnixNano: 18_446_744_073_709_551_615n,
      observedTimeUnixNano: 9_223_372_036_854_775_808n,
      severityNumber: 24,
      severityText: 'FATAL4',
      flags: 0xffff_ffff,
      droppedAttributesCount: 2 ** 31,
    },
    { ...base, body: -9_223_372_036_854_775_808n, severityNumber: 1, severityText: 'TRACE' },
    { ...base, body: 0.5, traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: 'not-hex', eventName: 'browser.click', severityText: 'INFO' },
    { ...base, body: new Uint8Array(0), flags: 257 },
  ];
}

/**
 * What a typical SDK export looks like: one resource, a few scopes, ~40 metric descriptors, points with
 * 2-4 attributes (a third of them histograms), spans with ~8 attributes and an occasional event, and `logs` log
 * records of an access log (string bodies, two attributes, in a trace).
 */
export function realisticBatch(points: number, spans: number, logs = 0): TelemetryBatch {
  const descriptors = Array.from({ length: 40 }, (_, i) =>
    i % 3 === 0 ? descriptor(`app.latency.${i}`, 'histogram', 'cumulative') : descriptor(`app.counter.${i}`, 'sum', 'cumulative', true),
  );
  const metrics: MetricPoint[] = [];
  for (let i = 0; i < points; i++) {
    const metric = descriptors[i % descriptors.length] as MetricDescriptor;
    const attributes: Attributes = {
      'http.route': `/api/v1/items/${i % 25}`,
      'http.method': i % 2 ? 'GET' : 'POST',
      'http.status_code': BigInt(200 + (i % 4)),
    };
    const base = { resource, scope, metric, attributes, startTimeUnixNano: T0, timeUnixNano: T0 + BigInt(i) * 1_000_000n, flags: 0, exemplars: [] };
    if (metric.type === 'histogram') {
      metrics.push({
        ...base,
        type: 'histogram',
        count: 100 + i,
        sum: i * 0.37,
        bucketCounts: [1, 5, 20, 40, 20, 10, 3, 1, 0, 0, i % 7],
        explicitBounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
        min: 0.001,
        max: 4.2,
      });
    } else {
      metrics.push({ ...base, type: 'sum', value: i * 1.5 });
    }
  }
  const spanList: Span[] = [];
  for (let i = 0; i < spans; i++) {
    const hex = (i + 1).toString(16).padStart(16, '0');
    spanList.push({
      resource,
      scope,
      traceId: `0af7651916cd43dd${hex}`,
      spanId: hex,
      parentSpanId: i % 4 ? (i - 1 + 1).toString(16).padStart(16, '0') : '',
      traceState: '',
      flags: 1,
      name: `GET /api/v1/items/${i % 25}`,
      kind: 2,
      startTimeUnixNano: T0 + BigInt(i) * 1000n,
      endTimeUnixNano: T0 + BigInt(i) * 1000n + 5_000_000n,
      attributes: {
        'http.method': 'GET',
        'http.route': `/api/v1/items/${i % 25}`,
        'http.status_code': 200n,
        'net.peer.name': 'db.internal',
        'net.peer.port': 5432n,
        'db.system': 'postgresql',
        'user_agent.original': 'Mozilla/5.0',
        'http.response_content_length': BigInt(1024 + i),
      },
      droppedAttributesCount: 0,
      events:
        i % 10 === 0
          ? [{ timeUnixNano: T0 + BigInt(i) * 1000n + 10n, name: 'cache.miss', attributes: { key: `item:${i}` }, droppedAttributesCount: 0 }]
          : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: { code: 0, message: '' },
    });
  }
  const logRecords: LogRecord[] = [];
  for (let i = 0; i < logs; i++) {
    logRecords.push({
      resource,
      scope,
      timeUnixNano: T0 + BigInt(i) * 1000n,
      observedTimeUnixNano: T0 + BigInt(i) * 1000n + 50n,
      severityNumber: i % 20 === 0 ? 17 : 9,
      severityText: i % 20 === 0 ? 'ERROR' : 'INFO',
      body: `GET /api/v1/items/${i % 25} 200 in ${i % 90} ms`,
      attributes: { 'http.route': `/api/v1/items/${i % 25}`, 'log.iostream': 'stdout' },
      droppedAttributesCount: 0,
      flags: 1,
      traceId: `0af7651916cd43dd${(i + 1).toString(16).padStart(16, '0')}`,
      spanId: (i + 1).toString(16).padStart(16, '0'),
      eventName: '',
    });
  }
  return { metrics, spans: spanList, logs: logRecords };
}
