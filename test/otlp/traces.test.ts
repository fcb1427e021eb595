import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { decodeTraces } from '../../src/otlp/index.js';
import { ExportTraceServiceRequest } from '../../src/otlp/proto.js';
import { RESOURCE_A, RESOURCE_B, expectedAttributes, hrToNanos, makeSpans } from './fixtures.js';

const sdkSpans = makeSpans();
const protobufBody = ProtobufTraceSerializer.serializeRequest(sdkSpans)!;
const jsonBody = JsonTraceSerializer.serializeRequest(sdkSpans)!;

describe('decodeTraces with OpenTelemetry JS SDK output', () => {
  const decoded = decodeTraces(protobufBody, 'protobuf');
  const spans = decoded.batch.spans;

  it('keeps every span, rejects none', () => {
    assert.equal(spans.length, sdkSpans.length);
    assert.deepEqual(decoded.rejected, { count: 0, messages: [] });
    assert.equal(decoded.batch.metrics.length, 0);
    assert.equal(decoded.droppedAttributes, 0);
    assert.equal(decoded.truncatedValues, 0);
  });

  it('decodes every field as sent', () => {
    for (const sdk of sdkSpans) {
      const ctx = sdk.spanContext();
      const span = spans.find((s) => s.spanId === ctx.spanId);
      assert.ok(span, `span ${sdk.name} decoded`);
      assert.equal(span.traceId, ctx.traceId);
      assert.match(span.traceId, /^[0-9a-f]{32}$/);
      assert.equal(span.parentSpanId, sdk.parentSpanContext?.spanId ?? '');
      assert.equal(span.traceState, '');
      assert.equal(span.flags, (ctx.traceFlags & 0xff) | 0x100); // W3C flags + HAS_IS_REMOTE
      assert.equal(span.name, sdk.name);
      assert.equal(span.kind, sdk.kind + 1); // the API has no UNSPECIFIED
      assert.equal(span.startTimeUnixNano, hrToNanos(sdk.startTime));
      assert.equal(span.endTimeUnixNano, hrToNanos(sdk.endTime));
      assert.deepEqual(span.attributes, expectedAttributes(sdk.attributes));
      assert.equal(span.droppedAttributesCount, 0);
      assert.deepEqual(
        span.events,
        sdk.events.map((e) => ({
          timeUnixNano: hrToNanos(e.time),
          name: e.name,
          attributes: expectedAttributes(e.attributes),
          droppedAttributesCount: 0,
        })),
      );
      assert.deepEqual(
        span.links,
        sdk.links.map((l) => ({
          traceId: l.context.traceId,
          spanId: l.context.spanId,
          traceState: '',
          attributes: expectedAttributes(l.attributes),
          droppedAttributesCount: 0,
          flags: (l.context.traceFlags & 0xff) | 0x100,
        })),
      );
      assert.deepEqual(span.status, { code: sdk.status.code, message: sdk.status.message ?? '' });
      assert.deepEqual(span.scope, {
        name: sdk.instrumentationScope.name,
        version: '1.2.3',
        attributes: {},
        droppedAttributesCount: 0,
        schemaUrl: '',
      });
      assert.deepEqual(span.resource.attributes, expectedAttributes(sdk.resource.attributes));
    }
  });

  it('keeps the details the fixture put in', () => {
    const child = spans.find((s) => s.name === 'SELECT cart' && s.scope.name === 'db-client')!;
    const root = spans.find((s) => s.spanId === child.parentSpanId)!;
    assert.equal(root.name, 'GET /cart');
    assert.equal(root.traceId, child.traceId);
    assert.deepEqual(child.status, { code: 2, message: 'deadlock detected' });
    assert.deepEqual(root.status, { code: 1, message: '' });
    assert.equal(child.links[0]!.spanId, root.spanId);
    assert.equal(root.attributes['http.status_code'], 200n);
    assert.equal(root.attributes['http.duration_ratio'], 0.25);
    assert.deepEqual(root.attributes.ports, [80n, 443n]);
    assert.equal(root.endTimeUnixNano - root.startTimeUnixNano, 999_999_999n);
    assert.equal(root.events[0]!.timeUnixNano - root.startTimeUnixNano, 1_000n);
    assert.equal(root.resource.attributes['host.cores'], 8n);
  });

  it('shares resources and scopes by reference', () => {
    const byService = (name: string) => spans.filter((s) => s.resource.attributes['service.name'] === name);
    const checkout = byService(RESOURCE_A['service.name']);
    const payments = byService(RESOURCE_B['service.name']);
    assert.ok(checkout.length > 0 && payments.length > 0);
    assert.ok(checkout.every((s) => s.resource === checkout[0]!.resource));
    assert.notEqual(checkout[0]!.resource, payments[0]!.resource);
    const http = checkout.filter((s) => s.scope.name === 'http-server');
    const db = checkout.filter((s) => s.scope.name === 'db-client');
    assert.ok(http.every((s) => s.scope === http[0]!.scope));
    assert.notEqual(http[0]!.scope, db[0]!.scope);
  });

  it('gives the same model from OTLP/JSON', () => {
    const fromJson = decodeTraces(jsonBody, 'json');
    assert.deepStrictEqual(fromJson, decoded);
  });

  it('accepts a Uint8Array that is not a Buffer, at an offset', () => {
    const padded = new Uint8Array(protobufBody.length + 7);
    padded.set(protobufBody, 7);
    assert.deepStrictEqual(decodeTraces(padded.subarray(7), 'protobuf'), decoded);
  });
});

describe('decodeTraces attribute types', () => {
  const big = 2n ** 53n + 1n;
  const request = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }], droppedAttributesCount: 2 },
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
        scopeSpans: [
          {
            scope: { name: 'lib', version: '1', attributes: [{ key: 'scope.attr', value: { boolValue: true } }], droppedAttributesCount: 1 },
            schemaUrl: 'https://scope/schema',
            spans: [
              {
                traceId: Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'),
                spanId: Buffer.from('a1a2a3a4a5a6a7a8', 'hex'),
                traceState: 'vendor=x',
                flags: 0x301,
                name: 'typed',
                kind: 4,
                startTimeUnixNano: '1763800000123456789',
                endTimeUnixNano: '1763800000123456790',
                attributes: [
                  { key: 'big', value: { intValue: big.toString() } },
                  { key: 'negative', value: { intValue: '-9223372036854775808' } },
                  { key: 'double', value: { doubleValue: 1.25 } },
                  { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 254, 255]) } },
                  { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 7 }, {}] } } },
                  { key: 'map', value: { kvlistValue: { values: [{ key: 'inner', value: { doubleValue: 0.5 } }] } } },
                  { key: 'empty', value: {} },
                  { key: '__proto__', value: { stringValue: 'not a prototype' } },
                ],
                droppedAttributesCount: 3,
                droppedEventsCount: 4,
                droppedLinksCount: 5,
                status: { code: 2, message: 'boom' },
              },
            ],
          },
        ],
      },
    ],
  };
  const protobufBody = ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish();
  const json = JSON.stringify(request, (key, value) => {
    if (key === 'traceId' || key === 'spanId') return Buffer.from(value.data).toString('hex').toUpperCase(); // hex, any case
    if (key === 'bytesValue') return Buffer.from(value.data).toString('base64');
    return value;
  });

  for (const [encoding, body] of [
    ['protobuf', protobufBody],
    ['json', Buffer.from(json)],
  ] as const) {
    it(`keeps int64 beyond 2^53, bytes, lists, maps and empty values exactly (${encoding})`, () => {
      const { batch, rejected } = decodeTraces(body, encoding);
      assert.equal(rejected.count, 0);
      const span = batch.spans[0]!;
      assert.equal(span.traceId, '0102030405060708090a0b0c0d0e0f10');
      assert.equal(span.spanId, 'a1a2a3a4a5a6a7a8');
      assert.equal(span.traceState, 'vendor=x');
      assert.equal(span.flags, 0x301);
      assert.equal(span.kind, 4);
      assert.equal(span.startTimeUnixNano, 1763800000123456789n);
      assert.equal(span.endTimeUnixNano, 1763800000123456790n);
      assert.equal(span.attributes.big, big);
      assert.equal(span.attributes.negative, -(2n ** 63n));
      assert.equal(span.attributes.double, 1.25);
      assert.deepStrictEqual(span.attributes.bytes, new Uint8Array([0, 1, 254, 255]));
      assert.deepStrictEqual(span.attributes.list, ['a', 7n, null]);
      assert.deepStrictEqual(span.attributes.map, { inner: 0.5 });
      assert.equal(span.attributes.empty, null);
      assert.equal(Object.getPrototypeOf(span.attributes), Object.prototype);
      assert.equal(Object.getOwnPropertyDescriptor(span.attributes, '__proto__')?.value, 'not a prototype');
      assert.deepEqual([span.droppedAttributesCount, span.droppedEventsCount, span.droppedLinksCount], [3, 4, 5]);
      assert.deepEqual(span.status, { code: 2, message: 'boom' });
      assert.deepEqual(span.resource, {
        attributes: { 'service.name': 'svc' },
        droppedAttributesCount: 2,
        schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      });
      assert.deepEqual(span.scope, {
        name: 'lib',
        version: '1',
        attributes: { 'scope.attr': true },
        droppedAttributesCount: 1,
        schemaUrl: 'https://scope/schema',
      });
    });
  }

  it('accepts proto field names, enum names and numeric 64-bit values in JSON', () => {
    const body = JSON.stringify({
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: '0102030405060708090a0b0c0d0e0f10',
                  span_id: 'a1a2a3a4a5a6a7a8',
                  parent_span_id: '',
                  name: 'snake',
                  kind: 'SPAN_KIND_CLIENT',
                  start_time_unix_nano: 1000,
                  end_time_unix_nano: '2000',
                  status: { code: 'STATUS_CODE_ERROR' },
                  unknown_field: { ignored: true },
                },
              ],
            },
          ],
        },
      ],
    });
    const { batch, rejected } = decodeTraces(Buffer.from(body), 'json');
    assert.equal(rejected.count, 0);
    const span = batch.spans[0]!;
    assert.equal(span.kind, 3);
    assert.equal(span.startTimeUnixNano, 1000n);
    assert.equal(span.endTimeUnixNano, 2000n);
    assert.deepEqual(span.status, { code: 2, message: '' });
    assert.deepEqual(span.resource, { attributes: {}, droppedAttributesCount: 0, schemaUrl: '' });
    assert.equal(span.scope.name, '');
  });
});
