/**
 * The native loop's bodies (delivery scenario): what the gateway's own adapter (src/adapters/prometheus, used
 * read-only) sends for one batch of the scenario's load: as many payload requests as a write takes
 * (`delivery.batch.max_items` / points per request), one per sender in turn (each connection of the load is its own
 * `service.instance.id`), at consecutive milliseconds, translated together and cut into remote-write requests. The
 * shape matters: Prometheus' cost is mostly per series in a request, so one sample per series (one payload) goes
 * ~3-4x slower per sample than the ~2 per series of a gateway batch. Each request is kept as its uncompressed
 * protobuf WriteRequest, one file per request; the loop compresses them with the adapter's snappy call, once (the
 * same bodies every cycle) or every cycle after shifting every timestamp (Prometheus).
 *
 * The loop's series are disjoint from the gateway's: each resource's `service.instance.id` gets its own suffix, so
 * its `instance` label differs, and the two writers never compete for one series' timestamps.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { prometheusConfigSchema } from '../../src/adapters/prometheus/config.js';
import { CumulativeState } from '../../src/adapters/prometheus/delta.js';
import { compressBody, splitRequests, writeRequestBytes } from '../../src/adapters/prometheus/encode.js';
import { SeriesCatalog } from '../../src/adapters/prometheus/series.js';
import { Translator } from '../../src/adapters/prometheus/translate.js';
import type { MetricPoint, Resource } from '../../src/model/index.js';
import { decodeMetrics } from '../../src/otlp/index.js';
import { restamp, timeOffsets } from '../otlp-stamp.js';
import type { Payload } from '../payloads.js';

const INSTANCE = 'service.instance.id';

export interface NativeBodies {
  /** One uncompressed WriteRequest per file, in the order the adapter would send them. */
  files: string[];
  /** Snappy-compressed bytes of all bodies (what one cycle sends). */
  bytes: number;
  points: number;
  samples: number;
}

/** The same points under other series: each resource with `service.instance.id` + suffix (one copy per resource). */
function underOtherInstance(points: readonly MetricPoint[], suffix: string): MetricPoint[] {
  const copies = new Map<Resource, Resource>();
  return points.map((point) => {
    let resource = copies.get(point.resource);
    if (!resource) {
      const id = point.resource.attributes[INSTANCE];
      resource = { ...point.resource, attributes: { ...point.resource.attributes, [INSTANCE]: `${typeof id === 'string' ? id : 'bench'}${suffix}` } };
      copies.set(point.resource, resource);
    }
    return { ...point, resource };
  });
}

/**
 * `requests` copies of the payload, stamped at consecutive milliseconds from now, copy i from sender i mod `senders`,
 * as the adapter's remote-write requests (default config) for one batch of them: one file per remote-write request.
 */
export function encodeNativeBodies(payload: Payload, url: string, dir: string, requests: number, senders: number): NativeBodies {
  const original = readFileSync(payload.file);
  const offsets = timeOffsets(original);
  const now = Date.now();
  const points: MetricPoint[] = [];
  for (let i = 0; i < requests; i++) {
    const body = restamp(original, offsets, BigInt(now + i) * 1_000_000n);
    for (const point of underOtherInstance(decodeMetrics(body, 'protobuf').batch.metrics, `-native-loop-${i % senders}`)) points.push(point);
  }
  const config = prometheusConfigSchema.parse({ url });
  const translator = new Translator(
    config,
    new SeriesCatalog(config.translation),
    new CumulativeState(config.delta_to_cumulative.max_series, config.delta_to_cumulative.max_stale),
    new Map(),
  );
  const translation = translator.translate(points);
  const split = splitRequests(translation.series, { maxSamples: config.max_samples_per_request, maxBytes: config.max_bytes_per_request });
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  let samples = 0;
  const files = split.map((series, i) => {
    const file = path.join(dir, `rw-${String(i).padStart(3, '0')}.pb`);
    // A view into the encoder's reused buffer: written out before the next request is encoded.
    const raw = writeRequestBytes(series);
    writeFileSync(file, raw);
    bytes += compressBody(raw).length;
    for (const s of series) samples += s.sampleCount;
    return file;
  });
  return { files, bytes, points: translation.points, samples };
}
