/**
 * How far V8 lets a heap's old generation grow past what survived its last full GC before it runs the next one.
 *
 * V8's own factor is dynamic, up to 4× when its GCs look cheap next to the program's allocation. Under full load
 * the gateway promotes short-lived data (request payloads, queue rows, decoded parts) faster than a heap of its
 * size needs a full GC, so the main heap's old space stood at 210-245 MB at the delivery bench's peaks with
 * ~70-100 MB of it live, and the process peaked at 545-590 MB against the 512 MB target (issue 13). At 1.5× the
 * same runs peaked at 402-436 MB, at 2× at 419-431 MB, delivery rates in the same range (bench/RESULTS.md,
 * "Memory under load"). 2×, not 1.5×: the flag is process-wide, the decode threads' heaps (small, allocating
 * fast) get it too, and at 1.5× two quick ingest runs spent more CPU per point (not settled on a loaded machine).
 *
 * Set at run time (the flag is read whenever V8 sizes the heap's next limit, so it takes effect from the next
 * GC on); a `--heap-growing-percent` given to node explicitly wins.
 */
import v8 from 'node:v8';

export const HEAP_GROWING_PERCENT = 100;

/** Applies HEAP_GROWING_PERCENT unless node was given the flag itself; whether it did. */
export function limitHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((flag) => /^--heap[-_]growing[-_]percent\b/.test(flag))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
