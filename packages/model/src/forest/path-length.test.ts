import { describe, expect, it } from "vitest";
import { anomalyScoreFromPathLength, averagePathLength, EULER_GAMMA, maxTreeDepth } from "./path-length.ts";

describe("averagePathLength c(n)", () => {
  it("matches the closed form and scikit-learn's special cases", () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    // c(3) = 2(ln 2 + γ) - 4/3
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.LN2 + EULER_GAMMA) - 4 / 3, 12);
    expect(averagePathLength(3)).toBeCloseTo(1.2073924, 6);
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 4);
  });

  it("grows like 2 ln n", () => {
    expect(averagePathLength(1e6) - averagePathLength(1e5)).toBeCloseTo(2 * Math.log(10), 4);
  });
});

describe("anomalyScoreFromPathLength", () => {
  it("maps E[h] = c(ψ) to 0.5, 0 to 1 and long paths towards 0", () => {
    expect(anomalyScoreFromPathLength(averagePathLength(256), 256)).toBeCloseTo(0.5, 12);
    expect(anomalyScoreFromPathLength(0, 256)).toBe(1);
    expect(anomalyScoreFromPathLength(4 * averagePathLength(256), 256)).toBeCloseTo(1 / 16, 12);
  });
});

it("limits depth to ceil(log2 ψ)", () => {
  expect(maxTreeDepth(256)).toBe(8);
  expect(maxTreeDepth(257)).toBe(9);
  expect(maxTreeDepth(2)).toBe(1);
  expect(maxTreeDepth(1)).toBe(1);
});
