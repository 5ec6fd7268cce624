import { binIndex } from "./drift-reference.ts";

/*
 * Pure drift statistics: no I/O, no model. docs/model.md ("Drift detection") states the formulas and the
 * reasons for each constant; the tests check them against hand-computed values.
 */

/**
 * Floor for a bin proportion in PSI. PSI has ln(a/e) terms, infinite for an empty bin; the usual fix is a
 * small floor on both sides. 1e-4 = 0.01 %: a bin the reference never filled but 10 % of recent rows do
 * contributes (0.1 - 0.0001) * ln(0.1 / 0.0001) ≈ 0.69 (drifted on its own), and a bin empty on both
 * sides contributes exactly 0. Proportions are not renormalised after flooring.
 */
export const PSI_EPSILON = 1e-4;

/** Share of `values` in each bin defined by ascending interior `edges` (edges.length + 1 bins). */
export function binProportions(edges: readonly number[], values: ArrayLike<number>): number[] {
  if (values.length === 0) throw new RangeError("no values to bin");
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const bin = binIndex(edges, values[i] as number);
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts.map((count) => count / values.length);
}

/**
 * Population Stability Index of `recentValues` against reference bins:
 * PSI = Σ_k (a_k - e_k) · ln(a_k / e_k), a = recent share, e = reference share, both floored at
 * PSI_EPSILON. Bin k holds edges[k-1] < x <= edges[k]. `referenceProportions` defaults to equal shares
 * (1 / bins), right for decile edges of a feature without ties; model files store the actual shares.
 * Rule of thumb: < 0.1 stable, 0.1–0.2 a moderate shift, > 0.2 a significant one.
 */
export function populationStabilityIndex(
  referenceEdges: readonly number[],
  referenceProportions: readonly number[] | undefined,
  recentValues: ArrayLike<number>,
): number {
  const bins = referenceEdges.length + 1;
  const expected = referenceProportions ?? new Array<number>(bins).fill(1 / bins);
  if (expected.length !== bins) {
    throw new RangeError(
      `${referenceEdges.length} edges make ${bins} bins, got ${expected.length} proportions`,
    );
  }
  for (let k = 1; k < referenceEdges.length; k++) {
    if ((referenceEdges[k] as number) < (referenceEdges[k - 1] as number))
      throw new RangeError("reference edges must be ascending");
  }
  const actual = binProportions(referenceEdges, recentValues);
  let psi = 0;
  for (let k = 0; k < bins; k++) {
    const a = Math.max(actual[k] as number, PSI_EPSILON);
    const e = Math.max(expected[k] as number, PSI_EPSILON);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

export type KsResult = {
  /** D = sup_x |F_a(x) - F_b(x)|, in [0, 1]. */
  statistic: number;
  /** Asymptotic two-sided p-value with the small-sample correction (see kolmogorovQ). */
  pValue: number;
};

/**
 * Two-sample Kolmogorov–Smirnov test (Numerical Recipes' kstwo): D is the largest gap between the two
 * empirical CDFs, evaluated after each distinct value so ties move both CDFs together; the p-value is
 * Q_KS(λ) with λ = (√nₑ + 0.12 + 0.11/√nₑ) · D and nₑ = n·m / (n + m) (Stephens' correction, accurate
 * for nₑ >= 4). Finite values only.
 */
export function ksTwoSample(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  return ksTwoSampleSorted(Float64Array.from(a).sort(), Float64Array.from(b).sort());
}

/** ksTwoSample for inputs already sorted ascending (the reference sample in a model file is). */
export function ksTwoSampleSorted(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  const n = a.length;
  const m = b.length;
  if (n === 0 || m === 0) throw new RangeError("KS needs two non-empty samples");
  let i = 0;
  let j = 0;
  let statistic = 0;
  while (i < n && j < m) {
    const x = Math.min(a[i] as number, b[j] as number);
    while (i < n && (a[i] as number) <= x) i++;
    while (j < m && (b[j] as number) <= x) j++;
    statistic = Math.max(statistic, Math.abs(i / n - j / m));
  }
  // Once one sample is exhausted its CDF is 1 and the other's only rises towards 1: no larger gap.
  const effective = Math.sqrt((n * m) / (n + m));
  const lambda = (effective + 0.12 + 0.11 / effective) * statistic;
  return { statistic, pValue: kolmogorovQ(lambda) };
}

/**
 * Kolmogorov distribution tail Q_KS(λ) = P(K > λ) = 2 Σ_{j>=1} (-1)^(j-1) exp(-2 j² λ²). That series
 * converges fast for large λ but not for small; below λ = 1.18 the equivalent Jacobi-theta form
 * 1 - (√(2π) / λ) Σ_{j>=1} exp(-(2j-1)² π² / (8 λ²)) converges fast instead (Numerical Recipes 3rd ed.,
 * KSdist). Both are summed to double precision. Q(0) = 1; Q(1.36) ≈ 0.0495; Q(1.63) ≈ 0.0098.
 */
export function kolmogorovQ(lambda: number): number {
  if (!(lambda >= 0)) throw new RangeError(`lambda must be >= 0, got ${lambda}`);
  if (lambda === 0) return 1;
  if (lambda < 1.18) {
    const y = (Math.PI * Math.PI) / (8 * lambda * lambda);
    let sum = 0;
    for (let j = 1; j <= 100; j++) {
      const term = Math.exp(-(2 * j - 1) * (2 * j - 1) * y);
      sum += term;
      if (term <= 1e-17 * sum) break;
    }
    return clamp01(1 - (Math.sqrt(2 * Math.PI) / lambda) * sum);
  }
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += sign * term;
    if (term <= 1e-17 * Math.abs(sum)) break;
    sign = -sign;
  }
  return clamp01(2 * sum);
}

/** Smallest reference standard deviation used as the unit of a mean shift (a constant training feature). */
export const MIN_REFERENCE_STD = 1e-6;

/**
 * (mean(recent) - referenceMean) / referenceStd: how many training standard deviations the mean moved.
 * A feature constant in training (std 0) uses MIN_REFERENCE_STD, so any move reads as enormous but stays
 * finite (JSON has no Infinity).
 */
export function meanShift(
  referenceMean: number,
  referenceStd: number,
  recentValues: ArrayLike<number>,
): number {
  if (recentValues.length === 0) throw new RangeError("no recent values");
  let sum = 0;
  for (let i = 0; i < recentValues.length; i++) sum += recentValues[i] as number;
  return (sum / recentValues.length - referenceMean) / Math.max(referenceStd, MIN_REFERENCE_STD);
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}
