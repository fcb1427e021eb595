/**
 * ExportMetricsServiceRequest bytes straight to model points (no intermediate message objects), with the
 * same validation, limits and output as pointsFromRequest() over protobufjs (the reference, test/otlp/reference.ts;
 * proven equal by test/otlp/reader-differential.test.ts). The containers are walked by
 * read-request.ts (shared with the traces reader); a Metric's points by read-metric-points.ts and
 * read-exp-histogram.ts.
 *
 * Hot path, unrolled on purpose: one loop per message type, no generic field table (ARCHITECTURE.md, "Deliberate
 * repetition"); `duplicates` lists the loops' shared shape.
 */
import { EMPTY_ATTRIBUTES } from '../model/index.js';
import type { MetricPoint, MetricType } from '../model/index.js';
import type { DecodeContext } from './context.js';
import { TEMPORALITIES, unnamedMetricRejection } from './metrics.js';
import { readAttribute } from './read-common.js';
import { expHistogramPoint } from './read-exp-histogram.js';
import { histogramPoint, numberPoint, summaryPoint } from './read-metric-points.js';
import { MetricState, metricsType } from './read-metric-state.js';
import { type RequestShape, walkRequest } from './read-request.js';
import { WireReader, fieldMask, within } from './wire.js';
import { validateRange } from './wire-schema.js';

// ---- generated field tags (scripts/otlp-tags.ts; do not edit) ----
/** opentelemetry.proto.metrics.v1.Metric */
const enum MetricTag {
  Name_LEN = 0x0a, // name = 1, string
  Description_LEN = 0x12, // description = 2, string
  Unit_LEN = 0x1a, // unit = 3, string
  Gauge_LEN = 0x2a, // gauge = 5, Gauge
  Sum_LEN = 0x3a, // sum = 7, Sum
  Histogram_LEN = 0x4a, // histogram = 9, Histogram
  ExponentialHistogram_LEN = 0x52, // exponentialHistogram = 10, ExponentialHistogram
  Summary_LEN = 0x5a, // summary = 11, Summary
  Metadata_LEN = 0x62, // metadata = 12, repeated KeyValue
}
/** Gauge, Sum, Histogram, ExponentialHistogram, Summary: the points, and the fields some of them add */
const enum DataTag {
  DataPoints_LEN = 0x0a, // Gauge.dataPoints, Sum.dataPoints, Histogram.dataPoints, ExponentialHistogram.dataPoints, Summary.dataPoints
  AggregationTemporality_VARINT = 0x10, // Sum.aggregationTemporality, Histogram.aggregationTemporality, ExponentialHistogram.aggregationTemporality
  IsMonotonic_VARINT = 0x18, // Sum.isMonotonic
}
// ---- end of generated field tags ----

const METRIC_SCHEMA = metricsType('Metric');
const DATA_SCHEMAS = [
  metricsType('Gauge'),
  metricsType('Sum'),
  metricsType('Histogram'),
  metricsType('ExponentialHistogram'),
  metricsType('Summary'),
];
const DATA_TYPES: readonly MetricType[] = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'];
/** Metric's oneof data field tags, in the order the converter tests them (its priority when several come). */
const DATA_TAGS = [MetricTag.Gauge_LEN, MetricTag.Sum_LEN, MetricTag.Histogram_LEN, MetricTag.ExponentialHistogram_LEN, MetricTag.Summary_LEN];
/** Known fields of Gauge, Sum, Histogram, ExponentialHistogram, Summary. */
const DATA_FIELDS = [fieldMask(1), fieldMask(1, 2, 3), fieldMask(1, 2), fieldMask(1, 2), fieldMask(1)];
const METRIC_FIELDS = fieldMask(1, 2, 3, 5, 7, 9, 10, 11, 12);
const SHAPE: RequestShape = { request: 'ExportMetricsServiceRequest', resource: 'ResourceMetrics', scope: 'ScopeMetrics' };

export function readMetrics(buf: Buffer, ctx: DecodeContext): MetricPoint[] {
  const state = new MetricState(new WireReader(buf), ctx);
  walkRequest(state.reader, ctx, SHAPE, (end, depth, resource, scope, index) => {
    state.resource = resource;
    state.scope = scope;
    metric(state, end, depth, index);
  });
  return state.out;
}

function metric(state: MetricState, end: number, depth: number, index: number): void {
  const reader = state.reader;
  const ctx = state.ctx;
  const start = reader.pos;
  try {
    let name = '';
    let description = '';
    let unit = '';
    let metadataAt = -1;
    // The last range sent of each oneof data member (gauge, sum, histogram, exponential_histogram, summary).
    let ranges: number[] | undefined;
    let kind = -1;
    let dataStart = -1;
    let dataEnd = -1;
    while (reader.pos < end) {
      const at = reader.pos;
      const tag = reader.uint32(end);
      switch (tag) {
        case MetricTag.Name_LEN:
          name = reader.string(end);
          break;
        case MetricTag.Description_LEN:
          description = reader.string(end);
          break;
        case MetricTag.Unit_LEN:
          unit = reader.string(end);
          break;
        case MetricTag.Metadata_LEN:
          if (metadataAt < 0) metadataAt = at;
          reader.pos = reader.lenEnd(end);
          break;
        case MetricTag.Gauge_LEN:
        case MetricTag.Sum_LEN:
        case MetricTag.Histogram_LEN:
        case MetricTag.ExponentialHistogram_LEN:
        case MetricTag.Summary_LEN: {
          const member = DATA_TAGS.indexOf(tag);
          const fieldEnd = reader.lenEnd(end);
          if (kind < 0 || (kind === member && ranges === undefined)) {
            // The common case: one data member.
            if (kind === member) validateRange(reader, DATA_SCHEMAS[member]!, dataStart, dataEnd, depth + 1); // replaced: must still decode
            kind = member;
            dataStart = reader.pos;
            dataEnd = fieldEnd;
          } else {
            if (ranges === undefined) {
              ranges = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
              ranges[kind * 2] = dataStart;
              ranges[kind * 2 + 1] = dataEnd;
            }
            if (ranges[member * 2]! >= 0) validateRange(reader, DATA_SCHEMAS[member]!, ranges[member * 2]!, ranges[member * 2 + 1]!, depth + 1);
            ranges[member * 2] = reader.pos;
            ranges[member * 2 + 1] = fieldEnd;
          }
          reader.pos = fieldEnd;
          break;
        }
        default:
          reader.other(tag, end, depth, METRIC_FIELDS);
      }
    }
    if (ranges !== undefined) {
      // Several members sent: the first in the converter's order wins; the others must still decode.
      kind = -1;
      for (let member = 0; member < 5; member++) {
        const memberStart = ranges[member * 2]!;
        if (memberStart < 0) continue;
        if (kind < 0) {
          kind = member;
          dataStart = memberStart;
          dataEnd = ranges[member * 2 + 1]!;
        } else validateRange(reader, DATA_SCHEMAS[member]!, memberStart, ranges[member * 2 + 1]!, depth + 1);
      }
    }
    if (kind < 0) {
      if (metadataAt >= 0) validateRange(reader, METRIC_SCHEMA, metadataAt, end, depth);
      return; // no data: no points to keep or reject
    }
    const type = DATA_TYPES[kind]!;
    // The data container: count the points; temporality and monotonic come after them.
    let points = 0;
    let temporality = 0;
    let monotonic = false;
    reader.pos = dataStart;
    const known = DATA_FIELDS[kind]!;
    try {
      while (reader.pos < dataEnd) {
        const tag = reader.uint32(dataEnd);
        if (tag === DataTag.DataPoints_LEN) {
          reader.pos = reader.lenEnd(dataEnd);
          points++;
        } else if (tag === DataTag.AggregationTemporality_VARINT && kind >= 1 && kind <= 3) temporality = reader.uint32(dataEnd) | 0;
        else if (tag === DataTag.IsMonotonic_VARINT && kind === 1) monotonic = reader.uint32(dataEnd) !== 0;
        else reader.other(tag, dataEnd, depth + 1, known);
      }
    } catch (err) {
      throw within(err, DATA_SCHEMAS[kind]!.name);
    }
    if (points === 0) {
      if (metadataAt >= 0) validateRange(reader, METRIC_SCHEMA, metadataAt, end, depth);
      return;
    }
    if (name === '') {
      ctx.reject(points, unnamedMetricRejection(index, state.scope, points));
      validateRange(reader, METRIC_SCHEMA, start, end, depth);
      return;
    }
    let metadata = EMPTY_ATTRIBUTES;
    if (metadataAt >= 0) {
      let kept = 0;
      let dropped = 0;
      const max = ctx.maxAttributes;
      metadata = {};
      reader.pos = metadataAt;
      while (reader.pos < end) {
        const tag = reader.uint32(end);
        if (tag === MetricTag.Metadata_LEN) {
          const fieldEnd = reader.lenEnd(end);
          if (readAttribute(reader, ctx, fieldEnd, depth + 1, metadata, kept >= max)) kept++;
          else dropped++;
        } else reader.skip(tag, end, depth);
      }
      ctx.droppedAttributes += dropped;
    }
    state.metric = {
      name,
      description,
      unit,
      type,
      temporality: TEMPORALITIES[temporality] ?? 'unspecified',
      monotonic: type === 'sum' && monotonic,
      metadata,
    };
    reader.pos = dataStart;
    let pointIndex = 0;
    try {
      while (reader.pos < dataEnd) {
        const tag = reader.uint32(dataEnd);
        if (tag === DataTag.DataPoints_LEN) {
          const fieldEnd = reader.lenEnd(dataEnd);
          switch (kind) {
            case 0:
            case 1:
              numberPoint(state, fieldEnd, depth + 2, type as 'gauge' | 'sum', pointIndex++);
              break;
            case 2:
              histogramPoint(state, fieldEnd, depth + 2, pointIndex++);
              break;
            case 3:
              expHistogramPoint(state, fieldEnd, depth + 2, pointIndex++);
              break;
            case 4:
              summaryPoint(state, fieldEnd, depth + 2, pointIndex++);
              break;
          }
          reader.pos = fieldEnd;
        } else reader.skip(tag, dataEnd, depth + 1);
      }
    } catch (err) {
      throw within(err, DATA_SCHEMAS[kind]!.name);
    }
  } catch (err) {
    throw within(err, 'Metric');
  }
}
