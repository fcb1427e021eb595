/**
 * The protobuf field tags (field number << 3 | wire type) the OTLP reader switches on, generated from proto/ through
 * protobufjs reflection: one `const enum` per message, between the marker lines in the reader file that reads it.
 *
 *   npm run otlp-tags                  rewrites the blocks
 *   npm run otlp-tags -- --check       exits 1 when a block differs from the protos (test/otlp/tags.test.ts fails too)
 *
 * Why in each reader rather than one imported module: tsx (esbuild, a file at a time) inlines a const enum only in
 * its own file; imported, each `case` is a property load (slower under tsx, bench/NOTES.md). In the file, tsx and tsc
 * both emit integer literals, as the hand-written cases were.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type protobuf from 'protobufjs';
import { protoRoot } from '../src/otlp/proto.js';
import { declaredWireType } from '../src/otlp/wire-schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BEGIN = '// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----';
export const END = '// ---- end of generated field tags ----';

/** The protobuf encoding spec's names of the wire types. */
const WIRE_NAMES: Record<number, string> = { 0: 'VARINT', 1: 'I64', 2: 'LEN', 5: 'I32' };

/** A whole message (every field, named after it), or named members each standing for the same field of several messages. */
type EnumSpec =
  | { readonly name: string; readonly message: string }
  | { readonly name: string; readonly doc: string; readonly members: readonly { readonly name: string; readonly fields: readonly string[] }[] };

const P = 'opentelemetry.proto.';

/** Which reader file declares which tags. Paths of messages under opentelemetry.proto.; `Message.field` as protobufjs names it. */
export const TAG_FILES: Readonly<Record<string, readonly EnumSpec[]>> = {
  'src/otlp/read-request.ts': [
    {
      name: 'RequestTag',
      doc: 'ExportTraceServiceRequest, ExportMetricsServiceRequest',
      members: [
        {
          name: 'ResourceItems',
          fields: ['collector.trace.v1.ExportTraceServiceRequest.resourceSpans', 'collector.metrics.v1.ExportMetricsServiceRequest.resourceMetrics'],
        },
      ],
    },
    {
      name: 'ContainerTag',
      doc: 'ResourceSpans, ScopeSpans, ResourceMetrics, ScopeMetrics: a header message, the items, the schema URL',
      members: [
        {
          name: 'Header',
          fields: [
            'trace.v1.ResourceSpans.resource',
            'trace.v1.ScopeSpans.scope',
            'metrics.v1.ResourceMetrics.resource',
            'metrics.v1.ScopeMetrics.scope',
          ],
        },
        {
          name: 'Items',
          fields: [
            'trace.v1.ResourceSpans.scopeSpans',
            'trace.v1.ScopeSpans.spans',
            'metrics.v1.ResourceMetrics.scopeMetrics',
            'metrics.v1.ScopeMetrics.metrics',
          ],
        },
        {
          name: 'SchemaUrl',
          fields: [
            'trace.v1.ResourceSpans.schemaUrl',
            'trace.v1.ScopeSpans.schemaUrl',
            'metrics.v1.ResourceMetrics.schemaUrl',
            'metrics.v1.ScopeMetrics.schemaUrl',
          ],
        },
      ],
    },
  ],
  'src/otlp/read-common.ts': [
    { name: 'KeyValueTag', message: 'common.v1.KeyValue' },
    { name: 'AnyValueTag', message: 'common.v1.AnyValue' },
    { name: 'ArrayValueTag', message: 'common.v1.ArrayValue' },
    { name: 'KeyValueListTag', message: 'common.v1.KeyValueList' },
    { name: 'ResourceTag', message: 'resource.v1.Resource' },
    { name: 'ScopeTag', message: 'common.v1.InstrumentationScope' },
  ],
  'src/otlp/read-traces.ts': [
    { name: 'SpanTag', message: 'trace.v1.Span' },
    { name: 'StatusTag', message: 'trace.v1.Status' },
    { name: 'EventTag', message: 'trace.v1.Span.Event' },
    { name: 'LinkTag', message: 'trace.v1.Span.Link' },
  ],
  'src/otlp/read-metrics.ts': [
    { name: 'MetricTag', message: 'metrics.v1.Metric' },
    {
      name: 'DataTag',
      doc: 'Gauge, Sum, Histogram, ExponentialHistogram, Summary: the points, and the fields some of them add',
      members: [
        { name: 'DataPoints', fields: ['Gauge', 'Sum', 'Histogram', 'ExponentialHistogram', 'Summary'].map((m) => `metrics.v1.${m}.dataPoints`) },
        { name: 'AggregationTemporality', fields: ['Sum', 'Histogram', 'ExponentialHistogram'].map((m) => `metrics.v1.${m}.aggregationTemporality`) },
        { name: 'IsMonotonic', fields: ['metrics.v1.Sum.isMonotonic'] },
      ],
    },
  ],
  'src/otlp/read-metric-points.ts': [
    { name: 'NumberPointTag', message: 'metrics.v1.NumberDataPoint' },
    { name: 'HistogramPointTag', message: 'metrics.v1.HistogramDataPoint' },
    { name: 'SummaryPointTag', message: 'metrics.v1.SummaryDataPoint' },
    { name: 'QuantileTag', message: 'metrics.v1.SummaryDataPoint.ValueAtQuantile' },
  ],
  'src/otlp/read-exp-histogram.ts': [
    { name: 'ExpHistogramPointTag', message: 'metrics.v1.ExponentialHistogramDataPoint' },
    { name: 'BucketsTag', message: 'metrics.v1.ExponentialHistogramDataPoint.Buckets' },
  ],
  'src/otlp/read-metric-state.ts': [{ name: 'ExemplarTag', message: 'metrics.v1.Exemplar' }],
  'src/otlp/read-logs.ts': [{ name: 'LogRecordTag', message: 'logs.v1.LogRecord' }],
  'src/ingest/logs-one-pass.ts': [
    { name: 'LogRecordTag', message: 'logs.v1.LogRecord' },
    { name: 'KeyValueTag', message: 'common.v1.KeyValue' },
    { name: 'AnyValueTag', message: 'common.v1.AnyValue' },
  ],
};

interface Member {
  readonly name: string;
  readonly tag: number;
  readonly note: string;
}

function hex(tag: number): string {
  return `0x${tag.toString(16).padStart(2, '0')}`;
}

function fieldOf(path: string): protobuf.Field {
  const dot = path.lastIndexOf('.');
  const type = protoRoot.lookupType(P + path.slice(0, dot));
  const field = type.fields[path.slice(dot + 1)];
  if (field === undefined) throw new Error(`${P}${path}: no such field`);
  field.resolve();
  return field;
}

/** The field's tag as declared, and for a repeated number field also packed (wire type 2, LEN). */
function tagsOf(field: protobuf.Field, name: string): Member[] {
  const wireType = declaredWireType(field);
  const note = `${field.name} = ${field.id}, ${field.repeated ? 'repeated ' : ''}${field.type.replace(/^.*\./, '')}`;
  const out: Member[] = [{ name: `${name}_${WIRE_NAMES[wireType]}`, tag: (field.id << 3) | wireType, note }];
  if (field.repeated && wireType !== 2) out.push({ name: `${name}_PACKED`, tag: (field.id << 3) | 2, note: `${note}, packed` });
  return out;
}

function pascal(name: string): string {
  return name[0]!.toUpperCase() + name.slice(1);
}

function members(spec: EnumSpec): Member[] {
  if ('message' in spec) {
    const type = protoRoot.lookupType(P + spec.message);
    return [...type.fieldsArray].sort((a, b) => a.id - b.id).flatMap((field) => tagsOf(fieldOf(`${spec.message}.${field.name}`), pascal(field.name)));
  }
  return spec.members.flatMap((member) => {
    const [first, ...others] = member.fields.map((path) => tagsOf(fieldOf(path), member.name));
    for (const [i, other] of others.entries()) {
      if (other.map((m) => m.tag).join() !== first!.map((m) => m.tag).join()) {
        throw new Error(`${spec.name}.${member.name}: ${member.fields[i + 1]} has another tag than ${member.fields[0]}`);
      }
    }
    return first!.map((m) => ({ ...m, note: member.fields.map((f) => f.replace(/^.*\.(\w+\.\w+)$/, '$1')).join(', ') }));
  });
}

/** The block a reader file must hold. */
export function renderBlock(specs: readonly EnumSpec[]): string {
  const lines = [BEGIN];
  for (const spec of specs) {
    lines.push(`/** ${'message' in spec ? P + spec.message : spec.doc} */`, `const enum ${spec.name} {`);
    for (const m of members(spec)) lines.push(`  ${m.name} = ${hex(m.tag)}, // ${m.note}`);
    lines.push('}');
  }
  lines.push(END);
  return lines.join('\n');
}

/** The block as it stands in a file's text (markers included), or undefined. */
export function currentBlock(text: string): string | undefined {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  return start < 0 || end < start ? undefined : text.slice(start, end + END.length);
}

/** Writes (or with check, only compares) every reader file's block; returns the files that differ. */
export function updateFiles(check: boolean): string[] {
  const stale: string[] = [];
  for (const [file, specs] of Object.entries(TAG_FILES)) {
    const path = join(ROOT, file);
    const text = readFileSync(path, 'utf8');
    const block = currentBlock(text);
    if (block === undefined) throw new Error(`${file}: no "${BEGIN}" ... "${END}" block`);
    const wanted = renderBlock(specs);
    if (block === wanted) continue;
    stale.push(file);
    if (!check)
      writeFileSync(
        path,
        text.replace(block, () => wanted),
      );
  }
  return stale;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check');
  const stale = updateFiles(check);
  for (const file of stale) console.log(`${check ? 'stale' : 'rewrote'}: ${file}`);
  if (check && stale.length > 0) process.exit(1);
}
