import { seededRandom } from './seeded-random.js';

/**
 * Runs `one` with fresh seeds until `budgetMs` is spent (at least once) and returns how many cases ran. A
 * failure names its seed: MANIFOLD_FUZZ_SEED=<seed> replays that one case alone.
 */
export function runFuzz(name: string, budgetMs: number, one: (random: () => number, seed: number) => void): number {
  const fixed = process.env.MANIFOLD_FUZZ_SEED;
  const start = performance.now();
  let cases = 0;
  let seed = fixed === undefined ? (Date.now() ^ (Math.random() * 2 ** 32)) >>> 0 : Number(fixed);
  do {
    try {
      one(seededRandom(seed), seed);
    } catch (error) {
      (error as Error).message = `${name}: seed ${seed} (replay: MANIFOLD_FUZZ_SEED=${seed}) after ${cases} passing cases\n${(error as Error).message}`;
      throw error;
    }
    cases++;
    seed = (seed + 0x9e3779b9) >>> 0;
  } while (fixed === undefined && performance.now() - start < budgetMs);
  return cases;
}
