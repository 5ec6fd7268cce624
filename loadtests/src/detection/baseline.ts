import { createScorer, extractFeatureMatrix, normalizeTransaction, trainModel } from "@chainwatch/model";
import type { ContextualTraffic } from "./contextual-traffic.ts";
import { type DetectionMetrics, detectionMetrics, type ScoredRow } from "./metrics.ts";

export interface BaselineResult {
  name: string;
  modelVersion: string;
  trainingRows: number;
  /** Share of the training rows above the threshold (the contamination asked for). */
  trainingFlagRate: number;
  threshold: number;
  metrics: DetectionMetrics;
  seconds: number;
}

/** ~1 % of normal traffic flagged: what an analyst queue could absorb, the same order as the target. */
export const BASELINE_CONTAMINATION = 0.01;

/**
 * The stateless reference: an Isolation Forest on the spec-1 features (each transaction alone), trained
 * with @chainwatch/model's own training on the first half of the same day (no anomalies in it), scoring
 * the second half. Whatever context adds is measured against this.
 */
export function runStatelessBaseline(traffic: ContextualTraffic, seed = 42): BaselineResult {
  const started = performance.now();
  const normalized = traffic.transactions.map(({ tx }) => normalizeTransaction(tx));
  const isSecond = traffic.transactions.map(({ tx }) => tx.timestamp >= traffic.secondHalfTimestamp);
  const training = normalized.filter((_, index) => !isSecond[index]);
  const model = trainModel(training, {
    contamination: BASELINE_CONTAMINATION,
    seed,
    nEstimators: 100,
    source: `contextual traffic, first half (seed ${traffic.options.seed}, ${traffic.options.style})`,
  });
  const scorer = createScorer(model);
  const testing = traffic.transactions.filter((_, index) => isSecond[index]);
  const matrix = extractFeatureMatrix(normalized.filter((_, index) => isSecond[index]));
  const scores = scorer.scoreBatch(matrix.data, matrix.rows);
  const rows: ScoredRow[] = testing.map((t, index) => {
    const score = scores[index] as number;
    return { label: t.label, score, isAnomaly: score > scorer.threshold };
  });
  return {
    name: "stateless IF (1st half)",
    modelVersion: model.modelVersion,
    trainingRows: training.length,
    trainingFlagRate: model.content.scoring.trainingAnomalyRate,
    threshold: scorer.threshold,
    metrics: detectionMetrics(rows),
    seconds: (performance.now() - started) / 1_000,
  };
}
