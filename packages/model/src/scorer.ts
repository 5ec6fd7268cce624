import { readFileSync } from "node:fs";
import { confidenceOf, type Severity, scoreTailProbability, severityOf } from "./calibration.ts";
import {
  displayFeatureValue,
  extractFeatureMatrix,
  FEATURE_COUNT,
  featurePhrase,
  isFlagFeature,
  usesContextFeatures,
  writeFeatures,
} from "./features.ts";
import { type CompiledForest, compileForest } from "./forest/compiled-forest.ts";
import { anomalyScoreFromPathLength } from "./forest/path-length.ts";
import { type ModelFile, parseModelFile } from "./model-file.ts";
import type { NormalizedTransaction } from "./normalize-transaction.ts";

export type FeatureContribution = {
  feature: string;
  /** The feature value as extracted (see docs/model.md for units). */
  value: number;
  /**
   * Mean over trees of how many edges sooner splits on this feature isolated the transaction than a typical
   * point (c(n) - 1 - c(n_child) per split). Summed over all features it equals c(ψ) - E[h(x)], which is
   * positive exactly when the score exceeds 0.5.
   */
  contribution: number;
  direction?: "high" | "low";
  reason: string;
};

export type Prediction = {
  anomalyScore: number;
  isAnomaly: boolean;
  severity: Severity;
  confidence: number;
  explanation: FeatureContribution[];
};

export interface Scorer {
  modelVersion: string;
  featureSpecVersion: number | string;
  /** The model's columns, in order: FEATURE_NAMES (spec 1) or SPEC_2_FEATURE_NAMES (spec 2). */
  featureNames: readonly string[];
  /**
   * Each column's training median (the model file's featureStats p50). A spec-2 model scores a transaction
   * without address context with its context columns at these values: the forest then sees the context of
   * a typical training transaction, and the score rests on the transaction's own features.
   */
  featureMedians: readonly number[];
  threshold: number;
  /**
   * Scores transactions from their own fields. A spec-2 model has no address context here: its context
   * columns get `featureMedians` (the scoring service passes the real context through scoreFeatures).
   */
  scoreTransactions(txs: NormalizedTransaction[]): Prediction[];
  /** Row-major rows of `featureNames.length` values, in the model's column order. */
  scoreFeatures(data: Float64Array, rows: number): Prediction[];
  /** The share of training transactions scoring at least this high (the model's p-value for a score). */
  tailProbability(anomalyScore: number): number;
  /** Scores only, no explanations: the fast path (ranked perfect-tree walk, ~1M rows/s/core; docs/benchmarks.md). */
  scoreBatch(data: Float64Array, rows: number): Float64Array;
}

const EXPLAINED_FEATURES = 3;

/** Validates nothing itself: pass a ModelFile from parseModelFile/trainModel, which are already checked. */
export function createScorer(model: ModelFile): Scorer {
  const { content } = model;
  const cols = content.featureNames.length;
  const forest: CompiledForest = compileForest(content.trees, cols, content.training.sampleSize);
  const { threshold, severityBands, scoreSpread } = content.scoring;
  const stats = content.featureStats;
  const featureNames: readonly string[] = Object.freeze([...content.featureNames]);
  const featureMedians: readonly number[] = Object.freeze(stats.map((feature) => feature.p50));
  const contributions = new Float64Array(cols);

  function predictRow(data: Float64Array, row: number): Prediction {
    const meanPath = forest.explainRow(data, row, contributions);
    const anomalyScore = anomalyScoreFromPathLength(meanPath, forest.sampleSize);
    const ranked = Array.from({ length: cols }, (_, j) => j).sort(
      (a, b) => (contributions[b] as number) - (contributions[a] as number) || a - b,
    );
    const explanation = ranked.slice(0, EXPLAINED_FEATURES).map((j) => {
      const value = data[row * cols + j] as number;
      const featureStats = stats[j] ?? { p01: value, p50: value, p99: value };
      return explainFeature(
        featureNames[j] ?? `feature_${j}`,
        j,
        value,
        contributions[j] as number,
        featureStats,
      );
    });
    return {
      anomalyScore,
      isAnomaly: anomalyScore > threshold,
      severity: severityOf(anomalyScore, severityBands),
      confidence: confidenceOf(anomalyScore, threshold, scoreSpread),
      explanation,
    };
  }

  function scoreFeatures(data: Float64Array, rows: number): Prediction[] {
    if (!Number.isInteger(rows) || rows < 0 || data.length < rows * cols) {
      throw new RangeError(`expected ${rows} rows of ${cols} features, got ${data.length} values`);
    }
    const predictions: Prediction[] = new Array(rows);
    for (let r = 0; r < rows; r++) predictions[r] = predictRow(data, r);
    return predictions;
  }

  function withoutContext(txs: readonly NormalizedTransaction[]): Float64Array {
    const data = new Float64Array(txs.length * cols);
    txs.forEach((tx, row) => {
      writeFeatures(tx, data, row * cols);
      for (let j = FEATURE_COUNT; j < cols; j++) data[row * cols + j] = featureMedians[j] as number;
    });
    return data;
  }

  const isContextModel = usesContextFeatures(content.featureSpecVersion);
  return {
    modelVersion: model.modelVersion,
    featureSpecVersion: content.featureSpecVersion,
    featureNames,
    featureMedians,
    threshold,
    scoreFeatures,
    scoreTransactions(txs) {
      if (isContextModel) return scoreFeatures(withoutContext(txs), txs.length);
      const matrix = extractFeatureMatrix(txs);
      return scoreFeatures(matrix.data, matrix.rows);
    },
    scoreBatch(data, rows) {
      return forest.scoreBatch(data, rows);
    },
    tailProbability: (anomalyScore) =>
      scoreTailProbability(anomalyScore, content.scoring.scoreQuantiles, content.training.rows),
  };
}

function explainFeature(
  feature: string,
  index: number,
  value: number,
  contribution: number,
  stats: { p01: number; p50: number; p99: number },
): FeatureContribution {
  const shown = featurePhrase(index, value);
  const direction = value > stats.p50 ? "high" : value < stats.p50 ? "low" : undefined;
  let reason: string;
  if (isFlagFeature(index)) {
    reason =
      direction === undefined
        ? `${shown}, like most training transactions`
        : `${shown}; most training transactions: ${displayFeatureValue(index, stats.p50)}`;
  } else if (value > stats.p99) {
    reason = `${shown}, above the 99th percentile of training traffic (${displayFeatureValue(index, stats.p99)})`;
  } else if (value < stats.p01) {
    reason = `${shown}, below the 1st percentile of training traffic (${displayFeatureValue(index, stats.p01)})`;
  } else if (direction !== undefined) {
    reason = `${shown}, ${direction === "high" ? "above" : "below"} the training median (${displayFeatureValue(index, stats.p50)})`;
  } else {
    reason = `${shown}, the training median`;
  }
  return direction === undefined
    ? { feature, value, contribution, reason }
    : { feature, value, contribution, direction, reason };
}

let defaultModel: ModelFile | undefined;
let defaultScorer: Scorer | undefined;

/** The shipped model file (models/default.model.json), parsed and verified on first use, then shared. */
export function loadDefaultModelFile(): ModelFile {
  if (defaultModel === undefined) {
    const json = readFileSync(new URL("../models/default.model.json", import.meta.url), "utf8");
    defaultModel = parseModelFile(json);
  }
  return defaultModel;
}

/** The shipped model (models/default.model.json), verified on first use and then shared. */
export function loadDefaultModel(): Scorer {
  defaultScorer ??= createScorer(loadDefaultModelFile());
  return defaultScorer;
}
