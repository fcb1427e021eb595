/**
 * Loaded into the gateway by the fixed-rate bench (`--import` after tsx) to tell a long task on the main thread
 * from the thread waiting for a CPU, which the event-loop delay cannot (issue 13: "no main-thread task longer than
 * ~10 ms"). A 1 ms timer turns once per loop iteration when the loop is busy. At each turn it takes the loop's
 * active time since the last turn (libuv's own idle-time accounting, performance.eventLoopUtilization) and the
 * main thread's run-queue wait (/proc schedstat's run_delay, exact for a running thread: 3 µs a read). Active time
 * less the wait is the turn's own work (every callback, microtask and main-thread GC pause in it), a lower bound:
 * a wait right after a wakeup falls in libuv's idle time, not its active time. (schedstat's CPU-time field is
 * not used: it lags by up to a 4 ms scheduler tick.)
 * Turns active ≥ 5 ms or ≥ 20 ms of wall time, and GC pauses ≥ 2 ms, go to the file named by
 * MANIFOLD_BENCH_PROBE_FILE as JSON lines with their epoch time, so the bench can pick a run's window. Linux only.
 */
import { appendFileSync, openSync, readSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

// Workers inherit the --import flags: only the main thread (the one that acknowledges) is probed.
const file = process.env.MANIFOLD_BENCH_PROBE_FILE;
if (file && isMainThread) start(file);

function start(out: string): void {
  // The main thread's tid is the pid; /proc/thread-self would name whichever thread opened it (the same one here).
  const fd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  const buf = Buffer.alloc(96);
  const waitedMs = (): number => {
    const n = readSync(fd, buf, 0, buf.length, 0);
    return Number(buf.toString('latin1', 0, n).split(' ')[1]) / 1e6;
  };
  const write = (line: object) => appendFileSync(out, `${JSON.stringify(line)}\n`);
  let lastWait = waitedMs();
  let lastLoop = performance.eventLoopUtilization();
  let lastWall = performance.now();
  let turns = 0;
  const timer = setInterval(() => {
    const wait = waitedMs();
    const loop = performance.eventLoopUtilization();
    const wall = performance.now();
    const activeMs = loop.active - lastLoop.active;
    const waitMs = wait - lastWait;
    const turn = { activeMs, waitMs, ownMs: Math.max(0, activeMs - waitMs), wallMs: wall - lastWall };
    turns++;
    // mono: the monotonic clock in µs, as a --cpu-prof profile's timestamps, to find a long turn's samples.
    if (activeMs >= 5 || turn.wallMs >= 20) write({ kind: 'turn', t: Date.now(), mono: Number(process.hrtime.bigint() / 1000n), ...round(turn) });
    [lastWait, lastLoop, lastWall] = [wait, loop, wall];
  }, 1);
  timer.unref();
  // A turn count now and then, so the bench knows the probe ran through a window even when nothing was long.
  setInterval(() => write({ kind: 'alive', t: Date.now(), turns }), 1000).unref();
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (e.duration >= 2) write({ kind: 'gc', t: Math.round(performance.timeOrigin + e.startTime), ms: round1(e.duration), gc: kind });
    }
  }).observe({ entryTypes: ['gc'] });
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round1(v)]));
