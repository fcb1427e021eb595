/** Shared by the test/adapters/values-*.test.ts files: one export of odd values beside plain ones, and what the gateway counted. */
import assert from 'node:assert/strict';
import type { Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TestGateway } from './gateway.js';
import { traceExporter, type Transport } from './otel.js';

/** One export of every span `make` starts: one request, one batch, so an odd value shares its batch with plain ones. */
export async function sendSpansInOneExport(
  gateway: TestGateway,
  service: string,
  make: (tracer: Tracer) => void,
  transport: Transport = 'http/protobuf',
): Promise<void> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [
      new BatchSpanProcessor(traceExporter(transport, gateway.httpUrl, gateway.grpcUrl), { maxExportBatchSize: 1000, scheduledDelayMillis: 60_000 }),
    ],
  });
  make(provider.getTracer('values'));
  await provider.forceFlush();
  await provider.shutdown();
}

export async function assertNothingDeadLettered(gateway: TestGateway, backend: string): Promise<void> {
  assert.deepEqual(await (await fetch(`${gateway.adminUrl}/dlq?backend=${backend}`)).json(), [], 'nothing dead-lettered');
}

/** The gateway's own counters whose name matches, as `name{labels}` → value. */
export async function selfMetrics(gateway: TestGateway, name: RegExp): Promise<Record<string, number>> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const found: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([^#].*) (\S+)$/.exec(line); // label values may hold spaces
    if (match && name.test(match[1]!)) found[match[1]!] = Number(match[2]);
  }
  return found;
}
