import { expect, it } from "vitest";
import { extractFeatureMatrix } from "./features.ts";
import { createScorer } from "./scorer.ts";
import { rocAuc } from "./stats.ts";
import { generateSyntheticTraffic } from "./synthetic-traffic.ts";
import { trainModel } from "./train-model.ts";

it("ranks injected outliers above normal traffic: ROC-AUC >= 0.95 overall and per kind", () => {
  const training = generateSyntheticTraffic({ count: 10_000, seed: 101 });
  const scorer = createScorer(trainModel(training.transactions, { seed: 42, contamination: 0.01 }));
  const test = generateSyntheticTraffic({ count: 4_000, seed: 202, outlierRate: 0.03 });
  const { data, rows } = extractFeatureMatrix(test.transactions);
  const scores = scorer.scoreBatch(data, rows);
  const labels = test.outlierKinds.map((kind) => kind !== null);
  expect(labels.filter(Boolean).length).toBeGreaterThan(60);
  expect(rocAuc(scores, labels)).toBeGreaterThanOrEqual(0.95);

  for (const kind of ["extreme_value", "extreme_gas_price", "unusual_gas_limit"] as const) {
    const keep = test.outlierKinds.map((k) => k === null || k === kind);
    const subsetScores = scores.filter((_, i) => keep[i]);
    const subsetLabels = test.outlierKinds.filter((_, i) => keep[i]).map((k) => k === kind);
    expect(rocAuc(subsetScores, subsetLabels), kind).toBeGreaterThanOrEqual(0.9);
  }
});
