/** Reads what bench/probe/main-thread-turns.ts wrote, for one run's window of wall-clock time. */
import { existsSync, readFileSync } from 'node:fs';

export interface TurnFigures {
  /** Loop turns of the main thread in the window (the probe's 1 ms timer). */
  turns: number;
  /** Turns whose own work (active less run-queue wait, a lower bound) was ≥ 10 ms: long tasks, whatever the load. */
  over10msOwn: number;
  /** Turns active ≥ 10 ms, waits for a CPU included (an upper bound of the long tasks). */
  over10msActive: number;
  /** The longest turn by own work, and the longest by wall time with the part of it spent waiting for a CPU. */
  maxOwnMs: number;
  maxWallMs: number;
  maxWallWaitMs: number;
  /** Main-thread GC pauses ≥ 10 ms, and the longest. */
  gcOver10ms: number;
  gcMaxMs: number;
}

interface Line {
  kind: 'turn' | 'gc' | 'alive';
  t: number;
  activeMs?: number;
  ownMs?: number;
  waitMs?: number;
  wallMs?: number;
  ms?: number;
  turns?: number;
}

export function turnsIn(file: string, from: number, to: number): TurnFigures | undefined {
  if (!existsSync(file)) return undefined;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line)
    .filter((l) => l.t >= from && l.t <= to);
  const alive = lines.filter((l) => l.kind === 'alive');
  if (alive.length < 2) return undefined;
  const turns = lines.filter((l) => l.kind === 'turn');
  const gcs = lines.filter((l) => l.kind === 'gc');
  const longestWall = turns.reduce<Line | undefined>((a, l) => (!a || l.wallMs! > a.wallMs! ? l : a), undefined);
  return {
    turns: alive.at(-1)!.turns! - alive[0]!.turns!,
    over10msOwn: turns.filter((l) => l.ownMs! >= 10).length,
    over10msActive: turns.filter((l) => l.activeMs! >= 10).length,
    maxOwnMs: Math.max(0, ...turns.map((l) => l.ownMs!)),
    maxWallMs: longestWall?.wallMs ?? 0,
    maxWallWaitMs: longestWall?.waitMs ?? 0,
    gcOver10ms: gcs.filter((l) => l.ms! >= 10).length,
    gcMaxMs: Math.max(0, ...gcs.map((l) => l.ms!)),
  };
}

/** Several runs' figures as one: counts summed, the longest of each over all runs. */
export function acrossRuns(runs: readonly TurnFigures[]): TurnFigures {
  const sum = (pick: (t: TurnFigures) => number) => runs.reduce((n, t) => n + pick(t), 0);
  const longestWall = runs.reduce((a, t) => (t.maxWallMs > a.maxWallMs ? t : a));
  return {
    turns: sum((t) => t.turns),
    over10msOwn: sum((t) => t.over10msOwn),
    over10msActive: sum((t) => t.over10msActive),
    maxOwnMs: Math.max(...runs.map((t) => t.maxOwnMs)),
    maxWallMs: longestWall.maxWallMs,
    maxWallWaitMs: longestWall.maxWallWaitMs,
    gcOver10ms: sum((t) => t.gcOver10ms),
    gcMaxMs: Math.max(...runs.map((t) => t.gcMaxMs)),
  };
}
