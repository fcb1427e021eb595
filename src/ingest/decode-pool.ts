/**
 * The decode pool: OTLP decode and the queue payload encode run on worker threads, so the main thread
 * does only HTTP/gRPC, the enqueue and delivery (measured before: decode + encode were ~2/3 of the
 * gateway's CPU on traces, and delivery starved behind them).
 *
 * A request's body goes to the least busy worker (shared when it is in shared memory, transferred when it owns
 * its whole ArrayBuffer, copied when it is a view into a larger one); the worker answers with the payload bytes, transferred,
 * and the counts. Each worker holds at most `maxQueuedPerWorker` requests; beyond that on every worker the
 * request is refused as overloaded (429 / RESOURCE_EXHAUSTED). A worker that dies is replaced, and the
 * requests it held fail as unavailable (503 / UNAVAILABLE): they never hang.
 *
 * A worker with nothing to do for `idleStopMs` is stopped and started again by the next request that needs it: an
 * idle thread holds its own V8 heap and isolate (measured ~10-30 MB of RSS after a burst; bench/NOTES.md "Memory
 * (issue 13)"). The next request after a quiet period waits for the thread to start (tens of ms).
 *
 * `threads: 0` decodes inline on the calling thread (the old behaviour), through the same interface.
 */
import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from '../util/sibling-worker.js';
import type { Logger } from 'pino';
import type { Signal } from '../model/index.js';
import { OtlpDecodeError, type DecodeLimits, type Encoding } from '../otlp/index.js';
import { IngestRefusedError } from '../delivery/ingest-sink.js';
import { decodeOne, type DecodeReplyMessage, type DecodeRequestMessage, type EncodedRequest } from './decode-core.js';

export type { EncodedRequest } from './decode-core.js';

/**
 * Turns a request body into a queue payload; throws OtlpDecodeError (400) or IngestRefusedError (429/503).
 * The payload of a body in shared memory may be written over that memory: the caller keeps the body (does not reuse
 * its buffer) until it no longer needs the payload.
 */
export interface IngestDecoder {
  decode(signal: Signal, body: Uint8Array, encoding: Encoding): Promise<EncodedRequest>;
  /** Requests being decoded or waiting for a worker. */
  readonly pending: number;
  /** Stop taking requests, let those under way finish, then stop the workers. */
  close(): Promise<void>;
}

export interface DecodePoolOptions {
  /** Worker threads; 0 decodes inline on the calling thread. */
  readonly threads: number;
  readonly limits: DecodeLimits;
  readonly logger: Logger;
  /** Requests held by one worker at most (running + waiting). */
  readonly maxQueuedPerWorker?: number;
  /** A worker thread died and is being replaced (counted in the gateway's metrics). */
  readonly onWorkerExit?: () => void;
  /** Stop a worker after this long without a request (0: never); started again on demand. Default 30 s. */
  readonly idleStopMs?: number;
}

const DEFAULT_IDLE_STOP_MS = 30_000;

const RETRY_AFTER_MS = 1_000;

export function createDecoder(options: DecodePoolOptions): IngestDecoder {
  return options.threads > 0 ? new DecodePool(options) : new InlineDecoder(options.limits);
}

class InlineDecoder implements IngestDecoder {
  readonly pending = 0;
  constructor(private readonly limits: DecodeLimits) {}
  decode(signal: Signal, body: Uint8Array, encoding: Encoding): Promise<EncodedRequest> {
    try {
      return Promise.resolve(decodeOne(signal, body, encoding, this.limits));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  async close(): Promise<void> {}
}

interface InFlight {
  /** The request's body: a shared one may come back holding the payload. */
  readonly body: Uint8Array;
  resolve(result: EncodedRequest): void;
  reject(error: unknown): void;
}

interface Slot {
  worker: Worker;
  readonly inFlight: Map<number, InFlight>;
  startedAt: number;
  ready: boolean;
  dead: boolean;
  /** Stopped for being idle (not failed): the next request that picks this slot starts a new worker. */
  stopped: boolean;
  idleTimer: NodeJS.Timeout | undefined;
}

export class DecodePool implements IngestDecoder {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;
  private drained: (() => void) | undefined;
  private readonly maxQueued: number;
  private readonly idleStopMs: number;

  constructor(private readonly options: DecodePoolOptions) {
    this.maxQueued = options.maxQueuedPerWorker ?? 64;
    this.idleStopMs = options.idleStopMs ?? DEFAULT_IDLE_STOP_MS;
    for (let i = 0; i < options.threads; i++) this.slots.push(this.spawn(i));
  }

  get threads(): number {
    return this.slots.length;
  }

  /** Requests under way (for tests and metrics). */
  get pending(): number {
    let n = 0;
    for (const slot of this.slots) n += slot.inFlight.size;
    return n;
  }

  /** The worker threads' ids (tests kill one to check replacement). */
  get threadIds(): number[] {
    return this.slots.map((s) => s.worker.threadId);
  }

  /** Worker threads running now (idle ones are stopped). */
  get runningThreads(): number {
    return this.slots.filter((s) => !s.dead).length;
  }

  decode(signal: Signal, body: Uint8Array, encoding: Encoding): Promise<EncodedRequest> {
    if (this.closed) return Promise.reject(new IngestRefusedError('the gateway is shutting down', 5_000, 'unavailable'));
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.dead) continue;
      if (!best || slot.inFlight.size < best.inFlight.size) best = slot;
    }
    if (!best || best.inFlight.size > 0) {
      // Start a worker stopped for idleness before queueing behind a busy one.
      const at = this.slots.findIndex((s) => s.stopped);
      if (at >= 0) best = this.slots[at] = this.spawn(at);
    }
    if (!best) return Promise.reject(new IngestRefusedError('no decode worker is running', RETRY_AFTER_MS, 'unavailable'));
    if (best.inFlight.size >= this.maxQueued) {
      return Promise.reject(new IngestRefusedError('the gateway is decoding as fast as it can; retry later', RETRY_AFTER_MS, 'overloaded'));
    }
    const slot = best;
    const id = this.nextId++;
    // Shared memory (src/receivers/body-pool.ts) is shared, not copied. Otherwise transfer only a buffer the body
    // owns whole; a view into a pooled or larger buffer is copied.
    const shared = body.buffer instanceof SharedArrayBuffer;
    const owned = !shared && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    const sent = shared || owned ? body : new Uint8Array(body);
    const transfer = owned ? [sent.buffer as ArrayBuffer] : [];
    const message: DecodeRequestMessage = { id, signal, encoding, body: sent };
    return new Promise<EncodedRequest>((resolve, reject) => {
      if (slot.idleTimer) {
        clearTimeout(slot.idleTimer);
        slot.idleTimer = undefined;
      }
      if (slot.inFlight.size === 0) slot.worker.ref();
      slot.inFlight.set(id, { body: sent, resolve, reject });
      try {
        slot.worker.postMessage(message, transfer);
      } catch (error) {
        slot.inFlight.delete(id);
        if (slot.inFlight.size === 0) this.becameIdle(slot);
        reject(error);
      }
    });
  }

  /** Terminates one worker as if it crashed (tests): its requests fail as unavailable, and it is replaced. */
  async killWorker(index: number): Promise<void> {
    await this.slots[index]!.worker.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) clearTimeout(slot.idleTimer);
    if (this.pending > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all(
      this.slots.map(async (slot) => {
        slot.dead = true;
        await slot.worker.terminate();
      }),
    );
  }

  private spawn(index: number): Slot {
    const worker = startSiblingWorker(import.meta.url, 'decode-worker', { workerData: { limits: this.options.limits }, name: `decode-${index}` });
    worker.unref();
    const slot: Slot = { worker, inFlight: new Map(), startedAt: Date.now(), ready: false, dead: false, stopped: false, idleTimer: undefined };
    this.scheduleIdleStop(slot);
    worker.on('message', (message: DecodeReplyMessage | { ready: true }) => {
      if ('ready' in message) {
        slot.ready = true;
        return;
      }
      const pending = slot.inFlight.get(message.id);
      if (!pending) return;
      slot.inFlight.delete(message.id);
      if (slot.inFlight.size === 0) this.becameIdle(slot);
      if (message.ok) {
        if ('payloadBytes' in message) {
          // Written over the start of the shared body: a view through this thread's own handle on that memory.
          pending.resolve({ ...message.result, payload: new Uint8Array(pending.body.buffer, pending.body.byteOffset, message.payloadBytes) });
        } else pending.resolve(message.result);
      } else if (message.decodeError) pending.reject(new OtlpDecodeError(message.message));
      else {
        const error = new Error(message.message);
        if (message.stack) error.stack = message.stack;
        pending.reject(error);
      }
      this.checkDrained();
    });
    worker.on('error', (error) => {
      this.options.logger.error({ err: error, worker: index }, 'decode pool: worker failed');
    });
    worker.on('exit', (code) => {
      if (slot.dead) return;
      slot.dead = true;
      const failed = [...slot.inFlight.values()];
      slot.inFlight.clear();
      for (const pending of failed) {
        pending.reject(
          new IngestRefusedError(`the decode worker handling this request stopped (exit code ${code}); retry`, RETRY_AFTER_MS, 'unavailable'),
        );
      }
      this.checkDrained();
      if (this.closed) return;
      this.options.onWorkerExit?.();
      this.options.logger.error({ worker: index, code, failedRequests: failed.length }, 'decode pool: worker exited; replacing it');
      // A worker that could not even start would fail again at once: wait a little before the next one.
      const delay = slot.ready ? 0 : 1_000;
      const replace = (): void => {
        if (this.closed) return;
        const at = this.slots.indexOf(slot);
        if (at >= 0) this.slots[at] = this.spawn(index);
      };
      if (delay === 0) replace();
      else setTimeout(replace, delay).unref();
    });
    return slot;
  }

  private becameIdle(slot: Slot): void {
    slot.worker.unref();
    this.scheduleIdleStop(slot);
  }

  private scheduleIdleStop(slot: Slot): void {
    if (this.idleStopMs <= 0 || this.closed) return;
    clearTimeout(slot.idleTimer);
    slot.idleTimer = setTimeout(() => {
      slot.idleTimer = undefined;
      if (this.closed || slot.dead || slot.inFlight.size > 0) return;
      slot.dead = true;
      slot.stopped = true;
      void slot.worker.terminate();
    }, this.idleStopMs);
    slot.idleTimer.unref();
  }

  private checkDrained(): void {
    if (this.drained && this.pending === 0) {
      const done = this.drained;
      this.drained = undefined;
      done();
    }
  }
}
