import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { OtlpDecodeError, decodeMetrics, decodeTraces } from '../../src/otlp/index.js';
import { makeSpans } from './fixtures.js';

function decodeError(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    assert.ok(err instanceof OtlpDecodeError, `an OtlpDecodeError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('decoded without an error');
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('bodies that do not decode', () => {
  it('an empty body is an empty request', () => {
    for (const decoded of [
      decodeTraces(new Uint8Array(0), 'protobuf'),
      decodeMetrics(new Uint8Array(0), 'protobuf'),
      decodeTraces(json({}), 'json'),
    ]) {
      assert.deepEqual(decoded.batch, { metrics: [], spans: [], logs: [] });
      assert.equal(decoded.rejected.count, 0);
    }
  });

  it('garbage protobuf', () => {
    assert.match(
      decodeError(() => decodeTraces(Buffer.from('hello, world! this is not protobuf'), 'protobuf')),
      /^invalid protobuf: .+ \(in ExportTraceServiceRequest\)$/,
    );
    assert.match(
      decodeError(() => decodeMetrics(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 'protobuf')),
      /^invalid protobuf: .+ \(in ExportMetricsServiceRequest\)$/,
    );
    // A JSON body sent as protobuf.
    assert.match(
      decodeError(() => decodeTraces(json({ resourceSpans: [] }), 'protobuf')),
      /^invalid protobuf: /,
    );
  });

  it('truncated protobuf', () => {
    const body = ProtobufTraceSerializer.serializeRequest(makeSpans())!;
    const message = decodeError(() => decodeTraces(body.subarray(0, body.length - 10), 'protobuf'));
    assert.match(message, /^invalid protobuf: index out of range.* at byte \d+ of \d+ \(in ExportTraceServiceRequest\)$/);
  });

  it('invalid JSON names the problem and position', () => {
    const message = decodeError(() => decodeTraces(Buffer.from('{"resourceSpans": [}'), 'json'));
    assert.match(message, /^invalid JSON: Unexpected token '}'.* \(in ExportTraceServiceRequest\)$/);
    assert.match(
      decodeError(() => decodeMetrics(Buffer.from(''), 'json')),
      /^invalid JSON: /,
    );
  });

  it('JSON of the wrong shape names the path', () => {
    const cases: [unknown, string][] = [
      [[], 'invalid OTLP JSON: expected an object, got an array'],
      [null, 'invalid OTLP JSON: expected an object, got null'],
      [{ resourceSpans: {} }, 'invalid OTLP JSON at resourceSpans: expected an array, got an object'],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: [{ name: 42 }] }] }] },
        'invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].name: expected a string, got 42',
      ],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: '12abc' }] }] }] },
        'invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer (a decimal string or a number), got "12abc"',
      ],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: [{ startTimeUnixNano: '-1' }] }] }] },
        'invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: integer -1 is out of range',
      ],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: [{ kind: 'SERVER' }] }] }] },
        'invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].kind: expected an enum number or one of SPAN_KIND_UNSPECIFIED, SPAN_KIND_INTERNAL, SPAN_KIND_SERVER, SPAN_KIND_CLIENT, SPAN_KIND_PRODUCER, SPAN_KIND_CONSUMER, got "SERVER"',
      ],
      [
        { resource_spans: [{ resource: { attributes: [{ key: 'k', value: { int_value: 1.5 } }] } }] },
        'invalid OTLP JSON at resource_spans[0].resource.attributes[0].value.int_value: expected an integer (a decimal string or a number), got 1.5',
      ],
      [
        { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 7 }] }] }] },
        'invalid OTLP JSON at resourceSpans[0].scopeSpans[0].spans[0].traceId: expected a hex string, got 7',
      ],
    ];
    for (const [body, expected] of cases) {
      assert.equal(
        decodeError(() => decodeTraces(json(body), 'json')),
        `${expected} (in ExportTraceServiceRequest)`,
      );
    }
    assert.equal(
      decodeError(() =>
        decodeMetrics(
          json({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: { dataPoints: [{ asDouble: 'lots' }] } }] }] }] }),
          'json',
        ),
      ),
      'invalid OTLP JSON at resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: expected a number, got "lots" (in ExportMetricsServiceRequest)',
    );
  });

  it('values nested without bound are bad input, not a crash', () => {
    const depth = 20_000;
    const value = `${'{"arrayValue":{"values":['.repeat(depth)}{"stringValue":"deep"}${']}}'.repeat(depth)}`;
    const body = `{"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":${value}}]}}]}`;
    assert.match(
      decodeError(() => decodeTraces(Buffer.from(body), 'json')),
      /too deeply|call stack/,
    );
    assert.match(
      decodeError(() => decodeTraces(deepProtobuf(depth), 'protobuf')),
      /nesting depth exceeded/,
    );
  });
});

/** ExportTraceServiceRequest > ResourceSpans > Resource > KeyValue > AnyValue > (ArrayValue > AnyValue) x depth. */
function deepProtobuf(depth: number): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
    out.push(n);
    return out;
  };
  // Nested messages are all prefix: each level is a tag and the length of everything inside it.
  const inner = [0x0a, 1, 0x78]; // AnyValue { string_value: "x" }
  const prefixes: number[][] = [];
  let size = inner.length;
  const wrap = (tag: number) => {
    const prefix = [tag, ...varint(size)];
    prefixes.push(prefix);
    size += prefix.length;
  };
  for (let i = 0; i < depth; i++) {
    wrap(0x0a); // ArrayValue.values = 1
    wrap(0x2a); // AnyValue.array_value = 5
  }
  wrap(0x12); // KeyValue.value = 2
  wrap(0x0a); // Resource.attributes = 1
  wrap(0x0a); // ResourceSpans.resource = 1
  wrap(0x0a); // ExportTraceServiceRequest.resource_spans = 1
  return Buffer.from([...prefixes.reverse().flat(), ...inner]);
}
