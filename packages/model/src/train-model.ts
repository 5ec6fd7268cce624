import { type Contamination, calibrate, validateContamination } from "./calibration.ts";
import {
  DRIFT_REFERENCE_METHOD,
  type DriftReference,
  featureReference,
  REFERENCE_SAMPLE_SIZE,
} from "./drift/drift-reference.ts";
import { REFERENCE_SAMPLE_SALT, saltedSeed, sampleIndices } from "./drift/sampling.ts";
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
  /**
   * Called at each phase boundary, synchronously (training is CPU-bound; a worker thread forwards these
   * as messages). Phases after reading: fitting → scoring (calibration over every training row) →
   * summarising (feature statistics and drift reference).
   */
  onProgress?: (progress: TrainingProgress) => void;
};

export type TrainingPhase = "reading" | "fitting" | "scoring" | "summarising" | "done";

export type TrainingProgress = {
  phase: TrainingPhase;
  /** Rows read so far (reading) or being trained on. */
  rows: number;
  /** Set with phase "done". */
  modelVersion?: string;
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
  const report = (phase: TrainingPhase) => options.onProgress?.({ phase, rows });
  report("fitting");
  const forest = fitIsolationForest(data, rows, cols, {
    seed,
    ...(options.nEstimators === undefined ? {} : { nEstimators: options.nEstimators }),
    ...(options.maxSamples === undefined ? {} : { maxSamples: options.maxSamples }),
  });
  report("scoring");
  const scores = compileForest(forest.trees, cols, forest.sampleSize).scoreBatch(data, rows);
  const scoring = calibrate(scores, contamination, averagePathLength(forest.sampleSize));
  report("summarising");
  const summary = summariseFeatures(data, rows, cols, seed);

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
    featureStats: summary.featureStats,
    trees: forest.trees,
    driftReference: summary.driftReference,
  };
  const model = sealModel(content);
  options.onProgress?.({ phase: "done", rows, modelVersion: model.modelVersion });
  return model;
}

/**
 * Per-feature percentiles for explanations and the drift reference, from one sort of each column. The
 * reference sample is the same REFERENCE_SAMPLE_SIZE rows for every feature, drawn with the training seed
 * salted (the forest's random stream is untouched, so adding the reference changed no tree).
 */
function summariseFeatures(
  data: Float64Array,
  rows: number,
  cols: number,
  seed: number,
): { featureStats: ModelContent["featureStats"]; driftReference: DriftReference } {
  const sampleSeed = saltedSeed(seed, REFERENCE_SAMPLE_SALT);
  const sampleRows = sampleIndices(rows, REFERENCE_SAMPLE_SIZE, sampleSeed);
  const column = new Float64Array(rows);
  const featureStats: ModelContent["featureStats"] = [];
  const references: DriftReference["features"] = [];
  FEATURE_NAMES.forEach((name, j) => {
    for (let r = 0; r < rows; r++) column[r] = data[r * cols + j] as number;
    const sample = Float64Array.from(sampleRows, (r) => column[r] as number).sort();
    column.sort();
    featureStats.push({
      name,
      p01: quantileSorted(column, 0.01),
      p50: quantileSorted(column, 0.5),
      p99: quantileSorted(column, 0.99),
    });
    references.push(featureReference(name, column, sample, quantileSorted));
  });
  return {
    featureStats,
    driftReference: { method: DRIFT_REFERENCE_METHOD, sampleSeed, features: references },
  };
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
