import { describe, expect, it } from "vitest";
import {
  AUTO_THRESHOLD,
  calibrate,
  confidenceOf,
  scoreTailProbability,
  severityBands,
  severityOf,
  validateContamination,
} from "./calibration.ts";

const scores = Float64Array.from({ length: 1000 }, (_, i) => 0.3 + (0.4 * i) / 999);

describe("calibrate", () => {
  it("uses 0.5 for contamination auto", () => {
    const scoring = calibrate(scores, "auto", 10);
    expect(scoring.threshold).toBe(AUTO_THRESHOLD);
    expect(scoring.normalizer).toBe(10);
    expect(scoring.trainingAnomalyRate).toBeCloseTo(0.5, 2);
  });

  it("puts the threshold at the (1 - contamination) percentile so that fraction scores above it", () => {
    for (const contamination of [0.01, 0.1, 0.5]) {
      const scoring = calibrate(scores, contamination, 10);
      expect(scoring.threshold).toBeCloseTo(0.3 + 0.4 * (1 - contamination), 10);
      expect(scoring.trainingAnomalyRate).toBeCloseTo(contamination, 2);
    }
  });

  it("records quantiles and a robust spread", () => {
    const scoring = calibrate(scores, "auto", 10);
    expect(scoring.scoreQuantiles.min).toBeCloseTo(0.3, 12);
    expect(scoring.scoreQuantiles.max).toBeCloseTo(0.7, 12);
    expect(scoring.scoreQuantiles.p50).toBeCloseTo(0.5, 12);
    expect(scoring.scoreSpread).toBeCloseTo(0.2 / 1.349, 6);
  });

  it("validates contamination", () => {
    expect(() => validateContamination(0)).toThrow(RangeError);
    expect(() => validateContamination(0.6)).toThrow(RangeError);
    expect(() => validateContamination(Number.NaN)).toThrow(RangeError);
    expect(() => validateContamination(0.5)).not.toThrow();
  });
});

describe("severity and confidence", () => {
  it("bands at t, t^0.75 and t^0.5", () => {
    const bands = severityBands(0.5);
    expect(bands.high).toBeCloseTo(0.5946, 4);
    expect(bands.critical).toBeCloseTo(Math.SQRT1_2, 12);
    expect(severityOf(0.5, bands)).toBe("low");
    expect(severityOf(0.55, bands)).toBe("medium");
    expect(severityOf(0.6, bands)).toBe("high");
    expect(severityOf(0.9, bands)).toBe("critical");
  });

  it("is 0 at the threshold and grows with distance on either side", () => {
    expect(confidenceOf(0.5, 0.5, 0.05)).toBe(0);
    expect(confidenceOf(0.55, 0.5, 0.05)).toBeCloseTo(1 - Math.exp(-1), 12);
    expect(confidenceOf(0.45, 0.5, 0.05)).toBeCloseTo(confidenceOf(0.55, 0.5, 0.05), 12);
    expect(confidenceOf(0.95, 0.5, 0.05)).toBeGreaterThan(0.99);
  });
});

describe("scoreTailProbability", () => {
  const quantiles = {
    min: 0.3,
    p01: 0.32,
    p05: 0.34,
    p25: 0.38,
    p50: 0.4,
    p75: 0.42,
    p95: 0.46,
    p99: 0.5,
    p999: 0.56,
    max: 0.6,
  };
  it("reads the training quantiles back as tail shares", () => {
    expect(scoreTailProbability(0.4, quantiles, 10_000)).toBeCloseTo(0.5, 9);
    expect(scoreTailProbability(0.46, quantiles, 10_000)).toBeCloseTo(0.05, 9);
    expect(scoreTailProbability(0.5, quantiles, 10_000)).toBeCloseTo(0.01, 9);
    expect(scoreTailProbability(0.56, quantiles, 10_000)).toBeCloseTo(0.001, 9);
    expect(scoreTailProbability(0.6, quantiles, 10_000)).toBeCloseTo(0.0001, 9);
  });
  it("interpolates in log space and extrapolates past the maximum", () => {
    // halfway between p99 (0.01) and p999 (0.001) in score: 10^-2.5
    expect(scoreTailProbability(0.53, quantiles, 10_000)).toBeCloseTo(0.0031623, 6);
    // 0.04 past the maximum continues the last segment's slope (one decade per 0.04): 1e-5
    expect(scoreTailProbability(0.64, quantiles, 10_000)).toBeCloseTo(0.00001, 9);
    expect(scoreTailProbability(0.3, quantiles, 10_000)).toBe(1);
  });
});
