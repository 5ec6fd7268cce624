import { describe, expect, it } from "vitest";
import { quantileSorted, rocAuc } from "./stats.ts";

describe("rocAuc", () => {
  it("is 1 for a perfect ranking, 0 for a reversed one, 0.5 when all scores tie", () => {
    expect(rocAuc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])).toBe(1);
    expect(rocAuc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1])).toBe(0);
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
  });

  it("counts pairs: 3 of 4 positive-negative pairs ordered correctly is 0.75", () => {
    // positives 0.6, 0.9; negatives 0.1, 0.7 → pairs (0.6>0.1 yes, 0.6>0.7 no, 0.9>0.1, 0.9>0.7) = 3/4
    expect(rocAuc([0.1, 0.6, 0.7, 0.9], [false, true, false, true])).toBe(0.75);
    // a tie between a positive and a negative counts one half
    expect(rocAuc([0.5, 0.5, 0.1], [1, 0, 0])).toBe(0.75);
  });

  it("needs both classes", () => {
    expect(() => rocAuc([0.1, 0.2], [1, 1])).toThrow(RangeError);
  });
});

it("interpolates quantiles linearly like numpy.percentile", () => {
  const sorted = [1, 2, 3, 4];
  expect(quantileSorted(sorted, 0)).toBe(1);
  expect(quantileSorted(sorted, 1)).toBe(4);
  expect(quantileSorted(sorted, 0.5)).toBe(2.5);
  expect(quantileSorted(sorted, 0.9)).toBeCloseTo(3.7, 12);
});
