import { z } from "zod";

/*
 * What a model file keeps about each feature's training distribution so that recent traffic can be
 * compared with it later (docs/model.md, "Drift detection"): decile bin edges with the training
 * proportion in each bin (for PSI), mean and standard deviation (for the mean shift), and a seeded sample
 * of training values (for the two-sample KS test). All of it is derived from the training matrix and the
 * seed, so the same data and seed still give a byte-identical file.
 */

/** PSI bins: the 9 interior training deciles split the line into 10 bins. */
export const DRIFT_BIN_COUNT = 10;
/** Training values kept per feature for KS. 1,000 resolves D ≈ 0.06 at p = 0.05 against 1,000 recent. */
export const REFERENCE_SAMPLE_SIZE = 1_000;
export const DRIFT_REFERENCE_METHOD = "deciles-v1";

export const FeatureReferenceSchema = z.strictObject({
  name: z.string(),
  /** Training deciles (numpy-style linear interpolation), non-decreasing; repeated where values tie. */
  binEdges: z.array(z.number()).length(DRIFT_BIN_COUNT - 1),
  /**
   * Share of training rows per bin, bin k holding edges[k-1] < x <= edges[k] (open-ended at both ends).
   * 0.1 each for a continuous feature; ties make it uneven (a 0/1 flag puts everything in bins 0 and 9),
   * which is why it is stored rather than assumed.
   */
  binProportions: z.array(z.number().min(0).max(1)).length(DRIFT_BIN_COUNT),
  /** Mean and population standard deviation over all training rows. */
  mean: z.number(),
  std: z.number().min(0),
  /** Training values of the sampled rows (the same rows for every feature), ascending. */
  sample: z.array(z.number()).min(1),
});

export const DriftReferenceSchema = z.strictObject({
  method: z.literal(DRIFT_REFERENCE_METHOD),
  /** Seed of the row sample: the training seed XOR a fixed salt, so the forest's stream is untouched. */
  sampleSeed: z.number().int().min(0).max(0xffffffff),
  features: z.array(FeatureReferenceSchema),
});

export type FeatureReference = z.infer<typeof FeatureReferenceSchema>;
export type DriftReference = z.infer<typeof DriftReferenceSchema>;

/** Bin of x given ascending edges: the first k with x <= edges[k], else edges.length (the top bin). */
export function binIndex(edges: readonly number[], x: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (x <= (edges[mid] as number)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** Number of values <= x in an ascending array. */
export function countAtMost(sorted: ArrayLike<number>, x: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) <= x) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The reference for one feature from its training column sorted ascending and the values of the sampled
 * rows (ascending too). Edges use the same interpolation as every other quantile in the model file.
 */
export function featureReference(
  name: string,
  sorted: Float64Array,
  sample: Float64Array,
  quantile: (sorted: Float64Array, q: number) => number,
): FeatureReference {
  const rows = sorted.length;
  if (rows === 0) throw new RangeError("feature reference of an empty column");
  const binEdges = Array.from({ length: DRIFT_BIN_COUNT - 1 }, (_, i) =>
    quantile(sorted, (i + 1) / DRIFT_BIN_COUNT),
  );
  const binProportions: number[] = [];
  let below = 0;
  for (let k = 0; k < DRIFT_BIN_COUNT; k++) {
    const upTo = k < binEdges.length ? countAtMost(sorted, binEdges[k] as number) : rows;
    binProportions.push((upTo - below) / rows);
    below = upTo;
  }
  // Two passes (mean, then squared deviations): no catastrophic cancellation on log-scale values near 20.
  let sum = 0;
  for (const x of sorted) sum += x;
  const mean = sum / rows;
  let squares = 0;
  for (const x of sorted) squares += (x - mean) * (x - mean);
  return { name, binEdges, binProportions, mean, std: Math.sqrt(squares / rows), sample: Array.from(sample) };
}
