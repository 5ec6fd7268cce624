import { describe, expect, it } from "vitest";
import { DriftError } from "../errors.ts";
import { extractFeatureMatrix } from "../features.ts";
import { type ModelFile, sealModel } from "../model-file.ts";
import type { NormalizedTransaction } from "../normalize-transaction.ts";
import { loadDefaultModelFile } from "../scorer.ts";
import { generateSyntheticTraffic } from "../synthetic-traffic.ts";
import { trainModel } from "../train-model.ts";
import { DRIFT_THRESHOLDS, detectDrift, driftSeverity, isFeatureDrifted } from "./detect-drift.ts";
import { recentFeatureMatrix } from "./recent-features.ts";

const model = trainModel(generateSyntheticTraffic({ count: 5_000, seed: 11 }).transactions, {
  seed: 5,
  nEstimators: 10,
});

/** Recent traffic from another seed of the same generator, with gas prices (and fee caps) scaled. */
function recentTraffic(count: number, gasPriceFactor = 1): NormalizedTransaction[] {
  const scale = (wei: bigint) => BigInt(Math.round(Number(wei) * gasPriceFactor));
  return generateSyntheticTraffic({ count, seed: 99 }).transactions.map((tx) => ({
    ...tx,
    gasPriceWei: scale(tx.gasPriceWei),
    maxFeePerGasWei: tx.maxFeePerGasWei === null ? null : scale(tx.maxFeePerGasWei),
  }));
}

const drift = (txs: NormalizedTransaction[], target: ModelFile = model) =>
  detectDrift(target, extractFeatureMatrix(txs));

describe("detectDrift on seeded traffic", () => {
  it("reports none for an unchanged distribution, at any sample size", () => {
    for (const count of [500, 2_000, 20_000]) {
      const report = drift(recentTraffic(count));
      expect(report.severity).toBe("none");
      expect(report.driftedFeatures).toEqual([]);
      expect(report.maxPsi).toBeLessThan(0.05);
      expect(report.recentRows).toBe(count);
      expect(report.ksRecentRows).toBe(Math.min(count, 1_000));
      for (const feature of report.features) expect(Math.abs(feature.meanShift)).toBeLessThan(0.1);
    }
  });

  it("flags gas prices ×10 on the gas-price features only, as critical", () => {
    const report = drift(recentTraffic(2_000, 10));
    // ×10 is +1 in log10 wei, about 7 training standard deviations of this traffic's gas price: every
    // recent row lands above the top decile edge, so a = (0, …, 0, 1) against e ≈ 0.1 each:
    // PSI ≈ 9 · (ε - 0.1) · ln(ε / 0.1) + (1 - 0.1) · ln 10 = 6.21 + 2.07 = 8.28.
    expect(report.driftedFeatures).toEqual(["gas_price_log10_wei", "fee_cap_log10_wei"]);
    const gasPrice = report.features.find((feature) => feature.feature === "gas_price_log10_wei");
    expect(gasPrice?.psi).toBeCloseTo(8.28, 1);
    expect(gasPrice?.ksStatistic).toBe(1);
    expect(gasPrice?.ksPValue).toBeLessThan(1e-100);
    expect(gasPrice?.meanShift).toBeGreaterThan(5);
    // the priority fee is its own field (EIP-1559) and did not move
    const priority = report.features.find((feature) => feature.feature === "priority_fee_log10_wei");
    expect(priority?.isDrifted).toBe(false);
    expect(report.severity).toBe("critical");
  });

  it("grades smaller shifts: ×1.2 moderate; ×1.05 significant for KS alone, so not drifted", () => {
    const moderate = drift(recentTraffic(2_000, 1.2));
    expect(moderate.driftedFeatures).toEqual(["gas_price_log10_wei", "fee_cap_log10_wei"]);
    // the gas price by PSI (0.29 > 0.2); the fee cap, diluted by gas-limit variety, by KS confirmed by PSI
    const [gasPrice, feeCap] = moderate.features.filter((feature) => feature.isDrifted);
    expect(gasPrice?.psi).toBeGreaterThan(DRIFT_THRESHOLDS.psiDrifted);
    expect(feeCap?.psi).toBeGreaterThan(DRIFT_THRESHOLDS.psiConfirm);
    expect(feeCap?.psi).toBeLessThan(DRIFT_THRESHOLDS.psiDrifted);
    expect(feeCap?.ksPValue).toBeLessThan(DRIFT_THRESHOLDS.ksAlpha);
    expect(moderate.severity).toBe("moderate");
    const slight = drift(recentTraffic(2_000, 1.05));
    const slightGasPrice = slight.features.find((feature) => feature.feature === "gas_price_log10_wei");
    // KS notices a 5 % price rise (p < 0.05) but PSI stays far below 0.1: harmless, and not reported
    expect(slightGasPrice?.ksPValue).toBeLessThan(DRIFT_THRESHOLDS.ksAlpha);
    expect(slightGasPrice?.psi).toBeLessThan(DRIFT_THRESHOLDS.psiConfirm);
    expect(slight.severity).toBe("none");
  });

  it("gives the same report for the same input, and judges nothing below the minimum rows", () => {
    const txs = recentTraffic(3_000, 10);
    expect(drift(txs)).toEqual(drift(txs));
    const few = detectDrift(model, extractFeatureMatrix(txs.slice(0, 100)));
    expect(few.insufficientData).toBe(true);
    expect(few.severity).toBe("none");
    expect(few.features.find((feature) => feature.feature === "gas_price_log10_wei")?.psi).toBeGreaterThan(1);
    expect(detectDrift(model, extractFeatureMatrix(txs.slice(0, 100)), { minRows: 50 }).severity).toBe(
      "critical",
    );
  });

  it("sees that modern call-data traffic is foreign to the shipped default model", () => {
    // The default model was trained on 2017–2019 plain transfers (no call data); synthetic traffic is
    // 55 % contract calls, so has_selector alone moves from all-0 to mostly 1.
    const report = detectDrift(loadDefaultModelFile(), extractFeatureMatrix(recentTraffic(1_000)));
    expect(report.driftedFeatures).toContain("has_selector");
    expect(report.severity).toBe("critical");
  });

  it("takes recent stored-transaction summaries through recentFeatureMatrix, bounded", async () => {
    const txs = recentTraffic(1_000, 10);
    const summaries = txs.map((tx) => ({ ...tx, input: undefined, inputSize: (tx.input.length - 2) / 2 }));
    const matrix = await recentFeatureMatrix(summaries);
    expect(matrix).toEqual(extractFeatureMatrix(txs));
    expect(detectDrift(model, matrix).severity).toBe("critical");
    await expect(recentFeatureMatrix(summaries, { maxRows: 999 })).rejects.toThrow(RangeError);
  });

  it("refuses a model without a reference and a matrix of the wrong shape", () => {
    const { driftReference: _, ...content } = model.content;
    const old = sealModel(content);
    expect(old.formatVersion).toBe(1);
    expect(() => drift(recentTraffic(10), old)).toThrow(DriftError);
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return (error as DriftError).code;
      }
      return undefined;
    };
    expect(code(() => drift(recentTraffic(10), old))).toBe("DRIFT_REFERENCE_MISSING");
    expect(code(() => detectDrift(model, { data: new Float64Array(8), rows: 1, cols: 8 }))).toBe(
      "DRIFT_INPUT_INVALID",
    );
    expect(code(() => detectDrift(model, { data: new Float64Array(0), rows: 0, cols: 9 }))).toBe(
      "DRIFT_INPUT_INVALID",
    );
    expect(
      code(() =>
        detectDrift(model, { data: Float64Array.of(...new Array(9).fill(Number.NaN)), rows: 1, cols: 9 }),
      ),
    ).toBe("DRIFT_INPUT_INVALID");
  });
});

describe("drift rules", () => {
  it("drifts on PSI > 0.2, or on KS p < 0.05 confirmed by PSI > 0.1", () => {
    expect(isFeatureDrifted(0.21, 0.9)).toBe(true);
    expect(isFeatureDrifted(0.2, 0.9)).toBe(false);
    expect(isFeatureDrifted(0.15, 0.01)).toBe(true);
    expect(isFeatureDrifted(0.05, 1e-12)).toBe(false);
  });

  it("grades severity by the worst PSI, one level up when three or more features drift", () => {
    expect(driftSeverity([])).toBe("none");
    expect(driftSeverity([{ psi: 0.15 }])).toBe("low");
    expect(driftSeverity([{ psi: 0.3 }])).toBe("moderate");
    expect(driftSeverity([{ psi: 0.8 }, { psi: 0.3 }])).toBe("high");
    expect(driftSeverity([{ psi: 1.5 }])).toBe("critical");
    expect(driftSeverity([{ psi: 0.15 }, { psi: 0.12 }, { psi: 0.11 }])).toBe("moderate");
    expect(driftSeverity([{ psi: 0.8 }, { psi: 0.3 }, { psi: 0.3 }])).toBe("critical");
    expect(driftSeverity([{ psi: 5 }, { psi: 5 }, { psi: 5 }])).toBe("critical");
  });
});
