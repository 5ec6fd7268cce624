import { type Contamination, calibrate, validateContamination } from "./calibration.ts";
import {
  DRIFT_REFERENCE_METHOD,
  type DriftReference,
  featureReference,
  REFERENCE_SAMPLE_SIZE,
} from "./drift/drift-reference.ts";
import { REFERENCE_SAMPLE_SALT, saltedSeed, sampleIndices } from "./drift/sampling.ts";
import { extractFeatureMatrix, FEATURE_SPEC_VERSION, FEATURE_SPECS } from "./features.ts";
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

/**
 * Trains on transactions (spec 1) or a feature matrix whose width names its spec: 9 columns are spec 1,
 * 22 are spec 2 (spec 1 then the context features, as @chainwatch/context builds the rows). The file
 * records the spec and its feature names.
 */
export function trainModel(
  input: readonly NormalizedTransaction[] | FeatureMatrix,
  options: TrainOptions = {},
): ModelFile {
  const matrix = Array.isArray(input) ? extractFeatureMatrix(input) : (input as FeatureMatrix);
  const featureSpecVersion = specOfWidth(matrix.cols);
  const featureNames = FEATURE_SPECS[featureSpecVersion] ?? [];
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
  const summary = summariseFeatures(data, rows, featureNames, seed);

  const content: ModelContent = {
    featureSpecVersion,
    featureNames: [...featureNames],
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
  featureNames: readonly string[],
  seed: number,
): { featureStats: ModelContent["featureStats"]; driftReference: DriftReference } {
  const cols = featureNames.length;
  const sampleSeed = saltedSeed(seed, REFERENCE_SAMPLE_SALT);
  const sampleRows = sampleIndices(rows, REFERENCE_SAMPLE_SIZE, sampleSeed);
  const column = new Float64Array(rows);
  const featureStats: ModelContent["featureStats"] = [];
  const references: DriftReference["features"] = [];
  featureNames.forEach((name, j) => {
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

function specOfWidth(cols: number): number {
  for (const [version, names] of Object.entries(FEATURE_SPECS))
    if (names.length === cols) return Number(version);
  const widths = Object.entries(FEATURE_SPECS).map(([version, names]) => `${names.length} (spec ${version})`);
  throw new RangeError(
    `expected ${widths.join(" or ")} feature columns, got ${cols}; transactions alone give spec ${FEATURE_SPEC_VERSION}`,
  );
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
