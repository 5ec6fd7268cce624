import { createRandom } from "../forest/prng.ts";

/**
 * Salts that give drift sampling its own PRNG stream, derived from a seed but independent of the forest's
 * (which uses the seed itself): adding the drift reference left the trees, and therefore every score,
 * unchanged. Changing a salt changes every model file built afterwards; never do it casually.
 */
export const REFERENCE_SAMPLE_SALT = 0x9e3779b9;
export const RECENT_SAMPLE_SALT = 0x7f4a7c15;

export function saltedSeed(seed: number, salt: number): number {
  return (seed ^ salt) >>> 0;
}

/**
 * k distinct indices in [0, n), uniformly without replacement, ascending: Robert Floyd's algorithm, O(k)
 * draws and memory whatever n is (10M training rows need no 40 MB permutation). All of [0, n) when k >= n.
 */
export function sampleIndices(n: number, k: number, seed: number): Uint32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
  if (k >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const random = createRandom(seed);
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = random.nextInt(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return Uint32Array.from(chosen).sort();
}
