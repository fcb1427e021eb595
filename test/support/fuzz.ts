import { seededRandom } from './seeded-random.js';

/**
 * Runs `one` with fresh seeds until `budgetMs` is spent (at least once) and returns how many cases ran. A
 * failure names its seed: MANIFOLD_FUZZ_SEED=<seed> replays that one case alone.
 *
 * `minCases`: on a loaded machine (the suite runs files in parallel, CI shares the cores with the test servers)
 * the budget is extended, up to 10 times, until that many cases have run, so a caller's minimum-count check
 * measures the code, not the machine's load.
 */
export function runFuzz(name: string, budgetMs: number, one: (random: () => number, seed: number) => void, minCases = 0): number {
  const fixed = process.env.MANIFOLD_FUZZ_SEED;
  const start = performance.now();
  let cases = 0;
  let seed = fixed === undefined ? (Date.now() ^ (Math.random() * 2 ** 32)) >>> 0 : Number(fixed);
  for (;;) {
    try {
      one(seededRandom(seed), seed);
    } catch (error) {
      (error as Error).message =
        `${name}: seed ${seed} (replay: MANIFOLD_FUZZ_SEED=${seed}) after ${cases} passing cases\n${(error as Error).message}`;
      throw error;
    }
    cases++;
    seed = (seed + 0x9e3779b9) >>> 0;
    if (fixed !== undefined) break;
    const elapsed = performance.now() - start;
    if (elapsed >= budgetMs && (cases >= minCases || elapsed >= budgetMs * 10)) break;
  }
  return cases;
}
