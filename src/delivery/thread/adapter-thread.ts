/**
 * Runs inside a delivery thread (see thread-runner.ts): creates the backend's adapter from the registry with
 * the main thread's config and context, and runs its calls here, so decoding the queued payloads, translating and
 * encoding them and the backend's I/O leave the ingest main thread. Only small results and errors go back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import type { WriteResult } from '../../adapters/contract.js';
import { adapterFactory } from '../../adapters/registry.js';
import { encodeQueued } from '../batch-from-jobs.js';
import { toWire, type ThreadInput, type ThreadReply, type ThreadRequest } from './protocol.js';

const input = workerData as ThreadInput;
const port = parentPort!;
const post = (reply: ThreadReply): void => port.postMessage(reply);

// Log lines go to the main thread's logger (its destination, its backend binding); no base fields of our own.
const logger = pino({ level: input.logLevel, base: null, timestamp: false }, { write: (line: string) => post({ log: line }) });
const factory = adapterFactory(input.kind);
if (!factory) throw new Error(`unknown backend kind "${input.kind}"`);
const adapter = factory.create(input.config, { ...input.context, logger });
/** Encoded writes waiting for send() or abandon(), by the id of the encode request. */
const encoded = new Map<number, unknown>();

async function handle(request: ThreadRequest): Promise<WriteResult | undefined> {
  switch (request.op) {
    case 'start':
      return void (await adapter.start());
    case 'health':
      return void (await adapter.health());
    case 'close':
      return void (await adapter.close());
    case 'encode':
      encoded.set(request.id, await encodeQueued(adapter, { summary: request.batch, payloads: request.payloads }));
      return undefined;
    case 'send': {
      if (!encoded.has(request.encoded)) throw new Error(`no encoded write ${request.encoded} on this thread`);
      const write = encoded.get(request.encoded);
      encoded.delete(request.encoded);
      return adapter.send(write);
    }
    case 'abandon':
      if (encoded.has(request.encoded)) adapter.abandon?.(encoded.get(request.encoded));
      encoded.delete(request.encoded);
      return undefined;
  }
}

port.on('message', (request: ThreadRequest) => {
  // Handled as they arrive, like calls on the main thread: encode/abandon/send come in the engine's order.
  handle(request).then(
    (result) => {
      if (request.op !== 'abandon') post({ id: request.id, ok: true, result });
      // Closed: let the thread end by itself (a --cpu-prof profile is written only then), not terminated.
      if (request.op === 'close') port.close();
    },
    (error: unknown) => {
      if (request.op !== 'abandon') post({ id: request.id, ok: false, error: toWire(error) });
    },
  );
});
post({ ready: { signals: [...adapter.signals], ordered: adapter.ordered === true } });
