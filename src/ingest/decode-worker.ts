/**
 * Runs inside a decode-pool worker thread (see decode-pool.ts): OTLP decode and the queue payload encode,
 * the two CPU-heavy steps of ingest, so the main thread keeps only HTTP, the enqueue and delivery.
 * Only the payload bytes (transferred) and small counts go back; never the model objects.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { DecodeLimits } from '../otlp/index.js';
import { decodeOne, type DecodeRequestMessage, type DecodeReplyMessage } from './decode-core.js';

const limits = (workerData as { limits: DecodeLimits }).limits;
const port = parentPort!;

port.on('message', (message: DecodeRequestMessage) => {
  let reply: DecodeReplyMessage;
  try {
    // A shared body (src/receivers/body-pool.ts) takes the payload over its own bytes once decoded (when it fits): the main thread reads
    // it there through its own handle on that memory, so no new buffer is allocated on either thread (on the main
    // thread every fresh buffer adds to the external memory that triggers its full GCs).
    const body = message.body;
    const shared = body.buffer instanceof SharedArrayBuffer ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : undefined;
    const encoded = decodeOne(message.signal, body, message.encoding, limits, shared);
    if (shared !== undefined && encoded.payload.buffer === shared.buffer) {
      const { payload, ...counts } = encoded;
      reply = { id: message.id, ok: true, result: counts, payloadBytes: payload.byteLength };
      port.postMessage(reply);
    } else {
      reply = { id: message.id, ok: true, result: encoded };
      port.postMessage(reply, [encoded.payload.buffer as ArrayBuffer]);
    }
  } catch (error) {
    const err = error as Error;
    reply = { id: message.id, ok: false, decodeError: err?.name === 'OtlpDecodeError', message: String(err?.message ?? err), stack: err?.stack };
    port.postMessage(reply);
  }
});
port.postMessage({ ready: true });
