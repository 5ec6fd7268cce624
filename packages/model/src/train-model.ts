import { type Contamination, calibrate, validateContamination } from "./calibration.ts";
import { extractFeatureMatrix, FEATURE_COUNT, FEATURE_NAMES, FEATURE_SPEC_VERSION } from "./features.ts";
import { compileForest } from "./forest/compiled-forest.ts";
import { type FitOptions, fitIsolationForest } from "./forest/fit-isolation-forest.ts";
import { averagePathLength } from "./forest/path-length.ts";
import type { ModelContent, ModelFile } from "./model-file.ts";
import { sealModel } from "./model-file.ts";
import type { NormalizedTransaction } from "./normalize-transaction.ts";
import { quantileSorted } from "./stats.ts";

export type FeatureMatrix = { data: Float64Array; rows: number; cols: number };

export type TrainOptions = FitOptions & {
  /** "auto" (threshold 0.5, the default) or the expected anomaly fraction in (0, 0.5]. */
  contamination?: Contamination;
  /**
   * Recorded as metadata. Defaults to the latest transaction timestamp in the data (or the epoch when
   * there is none), never the clock, so training stays reproducible byte for byte.
   */
  createdAt?: string | Date;
  /** Free text naming the training data, e.g. the input file. */
  source?: string;
};

export function trainModel(
  input: readonly NormalizedTransaction[] | FeatureMatrix,
  options: TrainOptions = {},
): ModelFile {
  const matrix = Array.isArray(input) ? extractFeatureMatrix(input) : (input as FeatureMatrix);
  if (matrix.cols !== FEATURE_COUNT) {
    throw new RangeError(
      `expected ${FEATURE_COUNT} feature columns (spec ${FEATURE_SPEC_VERSION}), got ${matrix.cols}`,
    );
  }
  const contamination = options.contamination ?? "auto";
  validateContamination(contamination);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
    throw new RangeError(`seed must be a uint32, got ${seed}`);

  const { data, rows, cols } = matrix;
  const forest = fitIsolationForest(data, rows, cols, { ...options, seed });
  const scores = compileForest(forest.trees, cols, forest.sampleSize).scoreBatch(data, rows);
  const scoring = calibrate(scores, contamination, averagePathLength(forest.sampleSize));

  const content: ModelContent = {
    featureSpecVersion: FEATURE_SPEC_VERSION,
    featureNames: [...FEATURE_NAMES],
    createdAt: resolveCreatedAt(options.createdAt, Array.isArray(input) ? input : []),
    training: {
      rows,
      seed,
      nEstimators: forest.trees.length,
      maxSamples: options.maxSamples ?? "auto",
      sampleSize: forest.sampleSize,
      maxDepth: forest.maxDepth,
      contamination,
      source: options.source ?? null,
    },
    scoring,
    featureStats: featureStats(data, rows, cols),
    trees: forest.trees,
  };
  return sealModel(content);
}

function featureStats(data: Float64Array, rows: number, cols: number): ModelContent["featureStats"] {
  const column = new Float64Array(rows);
  return FEATURE_NAMES.map((name, j) => {
    for (let r = 0; r < rows; r++) column[r] = data[r * cols + j] as number;
    column.sort();
    return {
      name,
      p01: quantileSorted(column, 0.01),
      p50: quantileSorted(column, 0.5),
      p99: quantileSorted(column, 0.99),
    };
  });
}

function resolveCreatedAt(
  createdAt: string | Date | undefined,
  txs: readonly NormalizedTransaction[],
): string {
  if (createdAt !== undefined) {
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime())) throw new RangeError(`createdAt is not a date: ${String(createdAt)}`);
    return date.toISOString();
  }
  let latest = 0;
  for (const tx of txs) if (tx.timestamp !== null && tx.timestamp > latest) latest = tx.timestamp;
  return new Date(latest * 1000).toISOString();
}
