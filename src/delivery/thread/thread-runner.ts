/**
 * A backend's adapter on a delivery thread of its own (`backends.<name>.delivery.thread`). The engine (queue,
 * retry, dead letters, order) stays on the main thread; the queued payloads go to the thread undecoded
 * (transferred when they own their memory) and are decoded there, once, as the adapter's encode() reaches them,
 * so decode, translate, encode and the backend's I/O no longer compete with receiving, the queue's commits and
 * their GC. Encoded writes stay on the thread until sent or abandoned; only small results and errors come back.
 * A thread that dies fails the calls under way as transient (the engine retries the batch) and is replaced at the
 * next call, which starts the new adapter first if the old one had been started.
 */
import type { Worker } from 'node:worker_threads';
import { startSiblingWorker } from '../../util/sibling-worker.js';
import type { Logger } from 'pino';
import { TransientWriteError, type AdapterContext, type WriteResult } from '../../adapters/contract.js';
import type { Signal } from '../../model/index.js';
import type { QueuedBatch } from '../batch-from-jobs.js';
import type { AdapterRunner, EncodedWrite } from '../runner.js';
import { fromWire, type ThreadInput, type ThreadReply, type ThreadRequest } from './protocol.js';

/** After close(), how long a thread may take to end by itself before it is terminated. */
const CLOSE_EXIT_MS = 2_000;

type Ready = Extract<ThreadReply, { ready: unknown }>['ready'];
type Request = ThreadRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export interface ThreadRunnerOptions {
  /** A thread died and will be replaced (counted by the gateway). */
  readonly onThreadExit?: (code: number) => void;
}

export class ThreadRunner implements AdapterRunner {
  private thread: DeliveryThread;
  /** start() succeeded once: a replacement thread starts its adapter before anything else. */
  private started = false;
  private closed = false;

  private constructor(
    private readonly input: ThreadInput,
    private readonly logger: Logger,
    private readonly options: ThreadRunnerOptions,
    first: DeliveryThread,
    private readonly info: Ready,
  ) {
    this.thread = first;
  }

  /** Starts the thread and waits until its adapter exists (its signals and order are known then). */
  static async open(kind: string, config: unknown, context: AdapterContext, options: ThreadRunnerOptions = {}): Promise<ThreadRunner> {
    const { logger, ...plain } = context;
    const input: ThreadInput = { kind, config, context: plain, logLevel: logger.level };
    const thread = new DeliveryThread(input, logger, options.onThreadExit);
    try {
      return new ThreadRunner(input, logger, options, thread, await thread.ready);
    } catch (error) {
      await thread.terminate();
      throw error;
    }
  }

  get signals(): ReadonlySet<Signal> {
    return new Set(this.info.signals);
  }

  get ordered(): boolean {
    return this.info.ordered;
  }

  async start(): Promise<void> {
    const thread = await this.live();
    await thread.call({ op: 'start' });
    thread.started = true;
    this.started = true;
  }

  async health(): Promise<void> {
    await this.call({ op: 'health' });
  }

  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    try {
      if (!thread.dead) await thread.call({ op: 'close' });
    } finally {
      await thread.ended(CLOSE_EXIT_MS);
    }
  }

  /** Tests: ends the thread as a crash would. */
  async killThread(): Promise<void> {
    await this.thread.terminate(true);
  }

  /** Encoded on the thread and kept there, under the id of this request, until send() or abandon(). */
  async encode(batch: QueuedBatch): Promise<EncodedWrite> {
    const thread = await this.live();
    const id = thread.nextId();
    await thread.call({ op: 'encode', batch: batch.summary, payloads: [...batch.payloads] }, id);
    let settled = false;
    return {
      send: async () => {
        settled = true;
        return (await thread.call({ op: 'send', encoded: id }))!;
      },
      abandon: () => {
        if (settled || thread.dead) return;
        settled = true;
        thread.post({ op: 'abandon', id: thread.nextId(), encoded: id });
      },
    };
  }

  private async call(request: Request): Promise<WriteResult | undefined> {
    return (await this.live()).call(request);
  }

  /** The thread to call: the current one, or its replacement (started like the one it replaces). */
  private async live(): Promise<DeliveryThread> {
    if (this.closed) throw new TransientWriteError(`backend ${this.input.context.name}: the adapter is closed`);
    if (this.thread.dead) this.thread = new DeliveryThread(this.input, this.logger, this.options.onThreadExit);
    const thread = this.thread;
    await thread.ready;
    if (this.started && !thread.started) {
      // One start for the calls that arrive meanwhile; a failed one (backend down) is tried again by the next call.
      thread.starting ??= thread
        .call({ op: 'start' })
        .then(() => {
          thread.started = true;
        })
        .finally(() => {
          thread.starting = undefined;
        });
      await thread.starting;
    }
    return thread;
  }
}

/** One worker thread running one adapter, and the calls waiting for its answers. */
class DeliveryThread {
  readonly ready: Promise<Ready>;
  dead = false;
  /** Its adapter's start() succeeded (or is under way). */
  started = false;
  starting: Promise<void> | undefined;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (result: WriteResult | undefined) => void; reject: (error: Error) => void }>();
  private ids = 0;
  private killed = false;

  constructor(
    input: ThreadInput,
    private readonly logger: Logger,
    onExit?: (code: number) => void,
  ) {
    this.worker = startSiblingWorker(import.meta.url, 'adapter-thread', { workerData: input, name: `delivery-${input.context.name}` });
    let readied: (info: Ready) => void;
    let failed: (error: Error) => void;
    this.ready = new Promise<Ready>((resolve, reject) => {
      readied = resolve;
      failed = reject;
    });
    this.ready.catch(() => undefined);
    let threadError: Error | undefined;
    this.worker.on('message', (reply: ThreadReply) => {
      if ('ready' in reply) {
        if (this.pending.size === 0) this.worker.unref(); // idle threads do not keep the process alive
        return readied(reply.ready);
      }
      if ('log' in reply) return this.relayLog(reply.log);
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(fromWire(reply.error));
    });
    this.worker.on('error', (error) => {
      threadError = error;
      this.logger.error({ err: error }, 'delivery thread failed');
    });
    this.worker.on('exit', (code) => {
      this.dead = true;
      const reason = threadError ? `: ${threadError.message}` : '';
      failed(new TransientWriteError(`the delivery thread could not start (exit code ${code})${reason}`));
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const call of waiting)
        call.reject(new TransientWriteError(`the delivery thread stopped during this call (exit code ${code})${reason}; the write is retried`));
      if (!this.killed) onExit?.(code);
    });
  }

  nextId(): number {
    return ++this.ids;
  }

  post(request: ThreadRequest): void {
    this.worker.postMessage(request);
  }

  call(request: Request, id = this.nextId()): Promise<WriteResult | undefined> {
    if (this.dead) return Promise.reject(new TransientWriteError('the delivery thread stopped; the write is retried'));
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      const message = { ...request, id } as ThreadRequest;
      const payloads = 'payloads' in message ? message.payloads : [];
      try {
        this.worker.postMessage(message, transferable(payloads));
      } catch {
        // A buffer that cannot be transferred (e.g. memory owned by a native module): copies instead.
        this.worker.postMessage({ ...message, payloads: payloads.map((payload) => new Uint8Array(payload)) });
      }
    });
  }

  /** Waits up to `ms` for the thread to end by itself (after its adapter closed), then terminates it. */
  async ended(ms: number): Promise<void> {
    this.killed = true;
    if (!this.dead) {
      // Held open meanwhile: a caller awaiting close() must not see its event loop run dry.
      this.worker.ref();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.worker.once('exit', () => resolve())),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      clearTimeout(timer);
    }
    await this.worker.terminate();
  }

  /** Ends the thread; `asCrash` for tests (its calls fail and it is replaced, as after a real crash). */
  async terminate(asCrash = false): Promise<void> {
    this.killed = !asCrash;
    await this.worker.terminate();
  }

  private relayLog(line: string): void {
    const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg?: string };
    const label = this.logger.levels.labels[level] ?? 'info';
    (this.logger as unknown as Record<string, (fields: object, msg?: string) => void>)[label]?.(fields, msg);
  }
}

/**
 * The ArrayBuffers to move rather than copy: a payload that owns its whole buffer (one queue row read). A view
 * into a larger buffer (a Redis reply, Node's small-buffer pool) would take the rest along, and is copied.
 */
function transferable(payloads: Uint8Array[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (let i = 0; i < payloads.length; i++) {
    let payload = payloads[i]!;
    const owns = payload.buffer instanceof ArrayBuffer && payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength;
    if (!owns || out.includes(payload.buffer as ArrayBuffer)) payloads[i] = payload = new Uint8Array(payload); // a copy owns its buffer
    out.push(payload.buffer as ArrayBuffer);
  }
  return out;
}
