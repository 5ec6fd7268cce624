/** Euler–Mascheroni constant, as in the Isolation Forest paper (Liu, Ting & Zhou 2008) and scikit-learn. */
export const EULER_GAMMA = 0.5772156649;

/**
 * c(n): average path length of an unsuccessful binary-search-tree search over n points, i.e. the expected
 * depth still needed to isolate one of n points that a depth-limited tree left together in a leaf.
 * c(n) = 2H(n-1) - 2(n-1)/n with H(i) ≈ ln(i) + γ; c(2) = 1, c(1) = c(0) = 0 (scikit-learn's
 * _average_path_length).
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/** s(x, ψ) = 2^(-E[h(x)] / c(ψ)): ≈1 isolated quickly (anomalous), 0.5 typical depth, → 0 deep inside. */
export function anomalyScoreFromPathLength(meanPathLength: number, sampleSize: number): number {
  const normalizer = averagePathLength(sampleSize);
  // ψ = 1 gives c = 0: every tree is a single leaf and nothing can be told apart.
  if (normalizer === 0) return 0.5;
  return 2 ** (-meanPathLength / normalizer);
}

/** Depth limit used by scikit-learn: ceil(log2(max(ψ, 2))). */
export function maxTreeDepth(sampleSize: number): number {
  return Math.ceil(Math.log2(Math.max(sampleSize, 2)));
}
