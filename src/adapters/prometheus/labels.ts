/**
 * Attribute keys → Prometheus label names, and label sets: sanitized, colliding keys' values joined with `;`
 * (in the order of the original keys, as the OpenTelemetry spec says), empty values dropped (Prometheus treats
 * an empty label as absent), sorted by name so every request carries one canonical form per series.
 */
import { type Attributes, attributeToString } from '../../model/index.js';
import type { Label } from './series-out.js';
import { encodeLabelBlock } from './wire-writer.js';

export type { Label } from './series-out.js';

const sanitizedNames = new Map<string, string>();
const MAX_CACHED_NAMES = 10_000;

/** `host.name` → `host_name`, `2xx` → `key_2xx`, `_x` → `key_x`; `__x` is kept (reserved names). */
export function sanitizeLabelName(key: string): string {
  const cached = sanitizedNames.get(key);
  if (cached !== undefined) return cached;
  let name = key.replace(/[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `key_${name}`;
  else if (name.startsWith('_') && !name.startsWith('__')) name = `key${name}`;
  if (sanitizedNames.size >= MAX_CACHED_NAMES) sanitizedNames.clear();
  sanitizedNames.set(key, name);
  return name;
}

/**
 * Collects labels by sanitized name. Later `set` calls override earlier ones (job/instance over point
 * attributes, __name__/le/quantile over everything); `addAttributes` joins collisions with `;`.
 */
export class LabelSetBuilder {
  private readonly byName = new Map<string, string>();

  addAttributes(attributes: Attributes, skip?: ReadonlySet<string>): this {
    const keys = Object.keys(attributes);
    if (keys.length > 1) keys.sort();
    const collected = new Map<string, string>();
    for (const key of keys) {
      if (skip?.has(key)) continue;
      const value = attributeToString(attributes[key]!);
      const name = sanitizeLabelName(key);
      if (name === '') continue;
      const earlier = collected.get(name);
      collected.set(name, earlier === undefined ? value : `${earlier};${value}`);
    }
    for (const [name, value] of collected) this.set(name, value);
    return this;
  }

  set(name: string, value: string): this {
    this.byName.set(name, value);
    return this;
  }

  /** Sorted by name (byte order: names are ASCII), empty values left out. */
  build(): Label[] {
    const labels: Label[] = [];
    for (const [name, value] of this.byName) if (value !== '') labels.push({ name, value });
    labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return labels;
  }
}

/** A sorted label set with one more label put in its place (or replacing one of that name). */
export function withLabel(sorted: readonly Label[], name: string, value: string): Label[] {
  const out: Label[] = [];
  let placed = false;
  for (const label of sorted) {
    if (!placed && label.name >= name) {
      out.push({ name, value });
      placed = true;
      if (label.name === name) continue;
    }
    out.push(label);
  }
  if (!placed) out.push({ name, value });
  return out;
}

/** A key that identifies an attribute set's content (for caches across requests, where objects differ). */
export function attributesKey(attributes: Attributes): string {
  let key = '';
  for (const name in attributes) key += `${name}\u0000${attributeToString(attributes[name]!)}\u0001`;
  return key;
}

/** A sorted label set encoded once: what every request that carries the series copies. */
export interface EncodedLabels {
  /** The TimeSeries `labels` field: each prometheus.Label with its tag and length (see wire-writer.ts). */
  readonly block: Uint8Array;
  /** `block.length`: the exact encoded size of the labels in a TimeSeries, for request bounds. */
  readonly bytes: number;
}

export function encodeLabels(labels: readonly Label[]): EncodedLabels {
  const block = encodeLabelBlock(labels);
  return { block, bytes: block.length };
}

/**
 * A label block split back into its encoded prometheus.Label messages (views on it): the shape protobufjs's
 * encoding twin takes (proto/prometheus/encoding.proto), for the reference encoding in tests and the benchmark.
 */
export function labelMessages(block: Uint8Array): Uint8Array[] {
  const views: Uint8Array[] = [];
  let at = 0;
  while (at < block.length) {
    at++; // tag of TimeSeries.labels
    let length = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = block[at++]!;
      length |= (byte & 127) << shift;
      if (byte < 128) break;
    }
    views.push(block.subarray(at, at + length));
    at += length;
  }
  return views;
}

/**
 * A label block back to its labels (the writer always writes name and value; strings as well-formed UTF-8, so
 * encoding the result again gives the same bytes). For derived series, made from their main series' block.
 */
export function decodeLabelBlock(block: Uint8Array): Label[] {
  const buf = Buffer.from(block.buffer, block.byteOffset, block.length);
  const labels: Label[] = [];
  for (const message of labelMessages(block)) {
    let at = message.byteOffset - block.byteOffset;
    const end = at + message.length;
    const strings: string[] = [];
    while (at < end) {
      at++; // tag of Label.name (1), then Label.value (2)
      let length = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = buf[at++]!;
        length |= (byte & 127) << shift;
        if (byte < 128) break;
      }
      strings.push(buf.toString('utf8', at, at + length));
      at += length;
    }
    labels.push({ name: strings[0]!, value: strings[1]! });
  }
  return labels;
}
