import { describe, expect, it } from "vitest";
import { extractFeatureMatrix, FEATURE_NAMES } from "./features.ts";
import type { NormalizedTransaction } from "./normalize-transaction.ts";
import { createScorer, loadDefaultModel } from "./scorer.ts";
import { generateSyntheticTraffic } from "./synthetic-traffic.ts";
import { trainModel } from "./train-model.ts";

const traffic = generateSyntheticTraffic({ count: 5_000, seed: 9 }).transactions;
const model = trainModel(traffic, { seed: 1, contamination: 0.01 });
const scorer = createScorer(model);
const typical = traffic[0] as NormalizedTransaction;

describe("createScorer", () => {
  it("exposes the model identity and threshold", () => {
    expect(scorer.modelVersion).toBe(model.modelVersion);
    expect(scorer.featureSpecVersion).toBe(1);
    expect(scorer.threshold).toBe(model.content.scoring.threshold);
  });

  it("explains a whale transfer by its value", () => {
    const whale = { ...typical, input: "0x", gas: 21000n, valueWei: 250_000n * 10n ** 18n };
    const [prediction] = scorer.scoreTransactions([whale]);
    if (prediction === undefined) throw new Error("no prediction");
    // One extreme feature out of nine lifts the score into the training tail; see docs/model.md on why
    // Isolation Forest does not extrapolate beyond the largest training value.
    expect(prediction.anomalyScore).toBeGreaterThan(model.content.scoring.scoreQuantiles.p75);
    expect(prediction.explanation).toHaveLength(3);
    const [top, second] = prediction.explanation;
    expect(top?.feature).toBe("value_log10_wei");
    expect(top?.direction).toBe("high");
    expect(top?.reason).toBe("value 250,000 ETH, above the 99th percentile of training traffic (7.332 ETH)");
    expect(second?.feature).toBe("value_per_gas_log10_wei");
    const contributions = prediction.explanation.map((entry) => entry.contribution);
    expect(contributions).toEqual([...contributions].sort((a, b) => b - a));
  });

  it("flags a transaction extreme on several features with high severity and confidence", () => {
    const outlier = {
      ...typical,
      valueWei: 250_000n * 10n ** 18n,
      gasPriceWei: 5_000n * 10n ** 9n,
      maxPriorityFeePerGasWei: 4_990n * 10n ** 9n,
      gas: 25_000_000n,
    };
    const [prediction] = scorer.scoreTransactions([outlier]);
    expect(prediction?.isAnomaly).toBe(true);
    expect(["high", "critical"]).toContain(prediction?.severity);
    expect(prediction?.confidence).toBeGreaterThan(0.8);
  });

  it("keeps ordinary traffic below the threshold and scoreBatch consistent with scoreFeatures", () => {
    const sample = traffic.slice(0, 200);
    const predictions = scorer.scoreTransactions(sample);
    expect(predictions.filter((p) => p.isAnomaly).length).toBeLessThan(10);
    for (const p of predictions) {
      expect(p.anomalyScore).toBeGreaterThan(0);
      expect(p.anomalyScore).toBeLessThan(1);
      expect(p.confidence).toBeGreaterThanOrEqual(0);
      expect(p.confidence).toBeLessThanOrEqual(1);
      expect(p.severity === "low").toBe(!p.isAnomaly);
      expect(FEATURE_NAMES).toContain(p.explanation[0]?.feature);
    }
    const fast = scorer.scoreBatch(extractFeatureMatrix(sample).data, sample.length);
    predictions.forEach((p, i) => {
      expect(p.anomalyScore).toBeCloseTo(fast[i] as number, 12);
    });
  });

  it("rejects a feature buffer that is too short", () => {
    expect(() => scorer.scoreFeatures(new Float64Array(3), 1)).toThrow(RangeError);
  });
});

describe("loadDefaultModel", () => {
  it("loads and verifies the shipped model", () => {
    const shipped = loadDefaultModel();
    expect(shipped.modelVersion).toMatch(/^if-[0-9a-f]{12}$/);
    expect(loadDefaultModel()).toBe(shipped);
    const legacy = { ...typical, maxFeePerGasWei: null, maxPriorityFeePerGasWei: null, txType: null };
    const [normal, whale] = shipped.scoreTransactions([
      { ...legacy, valueWei: 10n ** 18n, gasPriceWei: 20n * 10n ** 9n },
      { ...legacy, valueWei: 10n ** 24n, gasPriceWei: 5_000n * 10n ** 9n },
    ]);
    expect(normal?.isAnomaly).toBe(false);
    expect(whale?.isAnomaly).toBe(true);
  });
});
