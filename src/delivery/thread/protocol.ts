/**
 * The messages between a ThreadRunner (main thread) and the delivery thread that runs the adapter, and
 * how errors cross between them: the engine decides retry, dead-letter or wait by an error's class and fields,
 * so those survive the boundary (structured clone keeps only message and stack).
 */
import { PermanentWriteError, TransientWriteError, type AdapterContext, type PermanentReason, type WriteResult } from '../../adapters/contract.js';
import type { Signal } from '../../model/index.js';
import { PayloadFormatError } from '../../queue/codec.js';
import type { BatchSummary } from '../batch-from-jobs.js';

/** workerData of a delivery thread: what it needs to create the adapter exactly as the main thread would. */
export interface ThreadInput {
  readonly kind: string;
  readonly config: unknown;
  readonly context: Omit<AdapterContext, 'logger'>;
  /** The main logger's level: the thread's log lines are sent to it, already filtered. */
  readonly logLevel: string;
}

export type ThreadRequest =
  | { readonly op: 'start' | 'health' | 'close'; readonly id: number }
  /** The queued payloads, decoded on the thread; the encoded write stays there under this request's id. */
  | { readonly op: 'encode'; readonly id: number; readonly batch: BatchSummary; readonly payloads: Uint8Array[] }
  | { readonly op: 'send'; readonly id: number; readonly encoded: number }
  /** No reply. */
  | { readonly op: 'abandon'; readonly id: number; readonly encoded: number };

export type ThreadReply =
  | { readonly ready: { readonly signals: Signal[]; readonly ordered: boolean } }
  | { readonly log: string }
  | { readonly id: number; readonly ok: true; readonly result?: WriteResult }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

export interface WireError {
  readonly kind: 'transient' | 'permanent' | 'payload' | 'other';
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly retryAfterMs?: number;
  readonly backendText?: string;
  readonly reason?: PermanentReason;
}

export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { kind: 'other', name: 'Error', message: String(error) };
  const base = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof TransientWriteError) return { ...base, kind: 'transient', retryAfterMs: error.retryAfterMs };
  if (error instanceof PermanentWriteError) return { ...base, kind: 'permanent', backendText: error.backendText, reason: error.reason };
  if (error instanceof PayloadFormatError) return { ...base, kind: 'payload' };
  return { ...base, kind: 'other' };
}

/** The same class and fields as thrown on the thread; anything else is a plain Error (the engine: transient). */
export function fromWire(wire: WireError): Error {
  let error: Error;
  switch (wire.kind) {
    case 'transient':
      error = new TransientWriteError(wire.message, wire.retryAfterMs);
      break;
    case 'permanent':
      error = new PermanentWriteError(wire.message, wire.backendText ?? '', { reason: wire.reason });
      break;
    case 'payload':
      error = new PayloadFormatError(wire.message);
      break;
    default:
      error = new Error(wire.message);
      error.name = wire.name;
  }
  if (wire.stack) error.stack = wire.stack;
  return error;
}
