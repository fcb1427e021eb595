/**
 * Bad input gets a clear answer and loses nothing else: each case gets its status and a message naming
 * the problem, and the gateway keeps serving good requests afterwards.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const LIMIT = 1024 * 1024;
let gateway: TestGateway;
let spans: ReadableSpan[];

before(async () => {
  gateway = await startTestGateway({
    receivers: { otlp: { http: { endpoint: '127.0.0.1:0', max_request_bytes: LIMIT }, grpc: { endpoint: '127.0.0.1:0', max_request_bytes: LIMIT } } },
  });
  const recorded = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bad-input' }),
    spanProcessors: [new SimpleSpanProcessor(recorded)],
  });
  for (let i = 0; i < 3; i++) provider.getTracer('t').startSpan(`op ${i}`).end();
  spans = recorded.getFinishedSpans();
});

after(async () => {
  await gateway?.dispose();
});

function post(path: string, body: Uint8Array | string, headers: Record<string, string>): Promise<Response> {
  return fetch(`${gateway.httpUrl}${path}`, { method: 'POST', body, headers });
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

async function assertStillServing(): Promise<void> {
  const body = ProtobufTraceSerializer.serializeRequest(spans)!;
  const response = await post('/v1/traces', body, PROTOBUF);
  assert.equal(response.status, 200, 'the gateway still serves a good request');
}

/** OTLP/HTTP error bodies are google.rpc.Status in the request's encoding: the message is readable in either. */
async function errorText(response: Response): Promise<string> {
  return Buffer.from(await response.arrayBuffer()).toString('utf8');
}

describe('OTLP/HTTP refuses bad input clearly', () => {
  test('garbage protobuf: 400 naming the decode failure', async () => {
    const response = await post('/v1/traces', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99]), PROTOBUF);
    assert.equal(response.status, 400);
    assert.match(await errorText(response), /protobuf/i);
    await assertStillServing();
  });

  test('a truncated protobuf body: 400', async () => {
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const response = await post('/v1/traces', body.subarray(0, Math.floor(body.length / 2)), PROTOBUF);
    assert.equal(response.status, 400);
    assert.match(await errorText(response), /protobuf|truncated|index out of range/i);
    await assertStillServing();
  });

  test('invalid JSON: 400 naming JSON', async () => {
    const response = await post('/v1/metrics', '{"resourceMetrics": [', JSON_TYPE);
    assert.equal(response.status, 400);
    assert.match(await errorText(response), /json/i);
    await assertStillServing();
  });

  test('JSON of the wrong shape: 400', async () => {
    const response = await post('/v1/traces', '{"resourceSpans": "yes"}', JSON_TYPE);
    assert.equal(response.status, 400);
    assert.match(await errorText(response), /resourceSpans/);
  });

  test('an unsupported content type: 415 naming the accepted ones', async () => {
    const response = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    assert.equal(response.status, 415);
    assert.match(await errorText(response), /text\/plain.*application\/x-protobuf.*application\/json/s);
    await assertStillServing();
  });

  test('an unsupported content encoding: 415', async () => {
    const response = await post('/v1/traces', 'hello', { ...PROTOBUF, 'content-encoding': 'br' });
    assert.equal(response.status, 415);
    assert.match(await errorText(response), /Content-Encoding "br"/);
  });

  test('a body over the size limit: 413', async () => {
    const response = await post('/v1/traces', Buffer.alloc(LIMIT + 1), PROTOBUF);
    assert.equal(response.status, 413);
    assert.match(await errorText(response), /exceeds the limit of 1048576 bytes/);
    await assertStillServing();
  });

  test('a gzip bomb stops at the limit: 413, memory stays bounded', async () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024)); // 256 MiB of zeros in ~250 KB
    assert.ok(bomb.length < LIMIT);
    const rssBefore = process.memoryUsage().rss;
    const response = await post('/v1/traces', bomb, { ...PROTOBUF, 'content-encoding': 'gzip' });
    assert.equal(response.status, 413);
    assert.match(await errorText(response), /decompressed request body exceeds the limit/);
    assert.ok(process.memoryUsage().rss - rssBefore < 128 * 1024 * 1024, 'inflating did not allocate the whole bomb');
    await assertStillServing();
  });

  test('a corrupt gzip body: 400', async () => {
    const response = await post('/v1/traces', Buffer.from('not gzip at all'), { ...PROTOBUF, 'content-encoding': 'gzip' });
    assert.equal(response.status, 400);
    assert.match(await errorText(response), /gzip/);
  });

  test('GET on an OTLP path: 405', async () => {
    const response = await fetch(`${gateway.httpUrl}/v1/traces`);
    assert.equal(response.status, 405);
  });

  test('some invalid spans: 200 with partial success naming them, the valid ones kept', async () => {
    const valid = JSON.parse(Buffer.from(JsonTraceSerializer.serializeRequest(spans)!).toString('utf8'));
    const scopeSpans = valid.resourceSpans[0].scopeSpans[0];
    scopeSpans.spans.push({ ...scopeSpans.spans[0], traceId: '00000000000000000000000000000000', name: 'no trace id' });
    const response = await post('/v1/traces', JSON.stringify(valid), JSON_TYPE);
    assert.equal(response.status, 200);
    const answer = (await response.json()) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
    assert.equal(Number(answer.partialSuccess?.rejectedSpans), 1);
    assert.match(answer.partialSuccess?.errorMessage ?? '', /trace_id/);
  });
});

describe('OTLP/gRPC refuses bad input clearly', () => {
  test('garbage bytes: INVALID_ARGUMENT with the decode failure, then a good request works', async () => {
    const client = new grpc.Client(gateway.endpoints.grpc!, grpc.credentials.createInsecure());
    const call = (body: Buffer) =>
      new Promise<{ error: grpc.ServiceError | null }>((resolve) => {
        client.makeUnaryRequest(
          '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
          (b: Buffer) => b,
          (b: Buffer) => b,
          body,
          (error) => resolve({ error }),
        );
      });
    const bad = await call(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99]));
    assert.equal(bad.error?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(bad.error?.details ?? '', /protobuf/i);
    const good = await call(Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!));
    assert.equal(good.error, null);
    client.close();
  });
});
