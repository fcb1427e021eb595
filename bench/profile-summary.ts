/**
 * Summarizes a V8 .cpuprofile (from `--cpu-prof`): self time by function and by source file, top N.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [N]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function summarize(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const idle = new Set(profile.nodes.filter((n) => ['(idle)', '(program)'].includes(n.callFrame.functionName)).map((n) => n.id));
  const total = [...self].filter(([id]) => !idle.has(id)).reduce((a, [, us]) => a + us, 0);
  // Inclusive time of the project's own functions (src/, bench/): each sample counted once per function on its stack.
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    if (idle.has(id)) continue;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { functionName, url, lineNumber } = byId.get(at)!.callFrame;
      const m = url.includes('/node_modules/') ? null : /\/(src|bench)\/(.*)$/.exec(url);
      if (!m) continue;
      const key = `${functionName || '(anonymous)'}  ${m[1]}/${m[2]}:${lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  for (const [id, us] of self) {
    if (idle.has(id)) continue;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/') || '(native/vm)';
    fn.set(
      `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`,
      (fn.get(`${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`) ?? 0) + us,
    );
    const group = where.startsWith('node_modules/')
      ? where
          .split('/')
          .slice(0, where.startsWith('node_modules/@') ? 3 : 2)
          .join('/')
      : where;
    files.set(group, (files.get(group) ?? 0) + us);
  }
  const list = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  const idleUs = [...self].filter(([id]) => idle.has(id)).reduce((a, [, us]) => a + us, 0);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s busy (${(idleUs / 1e6).toFixed(1)} s idle); percentages of busy time`,
    '',
    'self time by function:',
    ...list(fn),
    '',
    'self time by file / package:',
    ...list(files),
    '',
    'inclusive time of project functions (src/, bench/):',
    ...list(inclusive),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(summarize(process.argv[2]!, Number(process.argv[3] ?? 25)));
}
