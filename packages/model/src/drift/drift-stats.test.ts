import { describe, expect, it } from "vitest";
import { quantileSorted } from "../stats.ts";
import { binIndex, countAtMost, featureReference } from "./drift-reference.ts";
import {
  binProportions,
  kolmogorovQ,
  ksTwoSample,
  meanShift,
  PSI_EPSILON,
  populationStabilityIndex,
} from "./drift-stats.ts";
import { sampleIndices } from "./sampling.ts";

const EDGES_1_TO_9 = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const repeat = (value: number, times: number) => new Array<number>(times).fill(value);

describe("bins", () => {
  it("put a value equal to an edge in the lower bin and open the ends", () => {
    expect(binIndex(EDGES_1_TO_9, -100)).toBe(0);
    expect(binIndex(EDGES_1_TO_9, 1)).toBe(0);
    expect(binIndex(EDGES_1_TO_9, 1.0001)).toBe(1);
    expect(binIndex(EDGES_1_TO_9, 9)).toBe(8);
    expect(binIndex(EDGES_1_TO_9, 9.5)).toBe(9);
    // tied edges: everything <= 0 is bin 0, anything above is the top bin
    expect(binIndex(repeat(0, 9), 0)).toBe(0);
    expect(binIndex(repeat(0, 9), 1)).toBe(9);
    expect(countAtMost([1, 2, 2, 3], 2)).toBe(3);
    expect(binProportions([0.5], [0, 1, 1, 1])).toEqual([0.25, 0.75]);
  });

  it("build a reference: deciles, proportions, mean and population std", () => {
    // 1..20: decile q at position q·19 (numpy linear) → 2.9, 4.8, 6.7, 8.6, 10.5, 12.4, 14.3, 16.2, 18.1;
    // bins then hold 2 values each (1-2, 3-4, ...): proportions 0.1. Mean 10.5; population variance
    // (20² - 1) / 12 = 33.25, std ≈ 5.766.
    const sorted = Float64Array.from({ length: 20 }, (_, i) => i + 1);
    const reference = featureReference("x", sorted, Float64Array.of(3, 7), quantileSorted);
    expect(reference.binEdges.map((edge) => Number(edge.toFixed(10)))).toEqual([
      2.9, 4.8, 6.7, 8.6, 10.5, 12.4, 14.3, 16.2, 18.1,
    ]);
    expect(reference.binProportions).toEqual(repeat(0.1, 10));
    expect(reference.mean).toBe(10.5);
    expect(reference.std).toBeCloseTo(Math.sqrt(33.25), 12);
    expect(reference.sample).toEqual([3, 7]);
    // a 0/1 flag with 90 % zeros: deciles 1-8 are 0; the 9th sits at position 0.9 · 19 = 17.1, between
    // the last 0 and the first 1, so it is 0.1. Bin 0 holds the zeros, bins 1-8 nothing, the top bin the ones.
    const flag = Float64Array.from([...repeat(0, 18), 1, 1]);
    const flagReference = featureReference("flag", flag, Float64Array.of(0), quantileSorted);
    expect(flagReference.binEdges.map((edge) => Number(edge.toFixed(10)))).toEqual([...repeat(0, 8), 0.1]);
    expect(flagReference.binProportions).toEqual([0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0.1]);
  });
});

describe("populationStabilityIndex", () => {
  it("matches a hand computation with equal reference shares and empty recent bins", () => {
    // 20 recent values over edges 1..9: four in bin 0 (0.5) and bin 1 (1.5), two in each of bins 2-7,
    // none in bins 8 and 9. Shares a = 0.2, 0.2, 0.1 × 6, 0, 0 against e = 0.1 each:
    //   bins 0, 1:  (0.2 - 0.1) · ln(0.2 / 0.1)          = 0.1 · 0.693147     = 0.0693147 each
    //   bins 2-7:   (0.1 - 0.1) · ln 1                    = 0
    //   bins 8, 9:  (ε - 0.1) · ln(ε / 0.1), ε = 0.0001   = -0.0999 · -6.907755 = 0.6900848 each
    //   PSI = 2 · 0.0693147 + 2 · 0.6900848 = 1.5187989
    const recent = [
      ...repeat(0.5, 4),
      ...repeat(1.5, 4),
      ...[2.5, 3.5, 4.5, 5.5, 6.5, 7.5].flatMap((x) => repeat(x, 2)),
    ];
    expect(PSI_EPSILON).toBe(1e-4);
    expect(populationStabilityIndex(EDGES_1_TO_9, undefined, recent)).toBeCloseTo(1.5187989, 6);
    expect(populationStabilityIndex(EDGES_1_TO_9, repeat(0.1, 10), recent)).toBeCloseTo(1.5187989, 6);
  });

  it("uses stored proportions for tied edges (a 0/1 flag)", () => {
    // reference: 90 % zeros (bin 0), 10 % ones (bin 9). Recent: 6 zeros, 4 ones → a = 0.6, 0.4.
    //   bin 0: (0.6 - 0.9) · ln(0.6 / 0.9) = -0.3 · -0.405465 = 0.1216395
    //   bin 9: (0.4 - 0.1) · ln(0.4 / 0.1) =  0.3 ·  1.386294 = 0.4158883
    //   bins 1-8 are empty on both sides: (ε - ε) · ln 1 = 0.   PSI = 0.5375278
    const reference = [0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0.1];
    const recent = [...repeat(0, 6), ...repeat(1, 4)];
    expect(populationStabilityIndex(repeat(0, 9), reference, recent)).toBeCloseTo(0.5375278, 6);
  });

  it("is 0 for a recent sample with the reference shares, and refuses bad input", () => {
    const recent = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5];
    expect(populationStabilityIndex(EDGES_1_TO_9, undefined, recent)).toBe(0);
    expect(() => populationStabilityIndex(EDGES_1_TO_9, undefined, [])).toThrow(RangeError);
    expect(() => populationStabilityIndex(EDGES_1_TO_9, [0.5, 0.5], recent)).toThrow(RangeError);
    expect(() => populationStabilityIndex([2, 1], undefined, recent)).toThrow(/ascending/);
  });
});

describe("ksTwoSample", () => {
  it("finds D for samples without ties", () => {
    // a = 0.1, 0.4, 0.7 (steps of 1/3); b = 0.2, 0.3, 0.5, 0.6, 0.8, 0.9 (steps of 1/6).
    //   x:     0.1  0.2  0.3  0.4  0.5  0.6  0.7  0.8  0.9
    //   F_a:   1/3  1/3  1/3  2/3  2/3  2/3   1    1    1
    //   F_b:    0   1/6  2/6  2/6  3/6  4/6  4/6  5/6   1
    //   |gap|: 1/3  1/6   0   1/3  1/6   0   1/3  1/6   0      → D = 1/3
    // nₑ = 3·6/9 = 2, λ = (√2 + 0.12 + 0.11/√2) · 1/3 = (1.414214 + 0.12 + 0.077782) / 3 = 0.537332,
    // below 1.18 so the theta series: π²/(8λ²) = 4.272920, y = e^-4.272920 = 0.0139410, √(2π)/λ = 4.664955,
    // Q = 1 - 4.664955 · (y + y⁹ + …) = 1 - 0.0650342 = 0.9349658
    const result = ksTwoSample([0.7, 0.1, 0.4], [0.2, 0.3, 0.5, 0.6, 0.8, 0.9]);
    expect(result.statistic).toBeCloseTo(1 / 3, 12);
    expect(result.pValue).toBeCloseTo(0.9349658, 6);
  });

  it("moves both CDFs together at tied values", () => {
    // a = 1..5, b = 4..8; values 4 and 5 are in both.
    //   x:    1    2    3    4    5    6    7    8
    //   F_a: 0.2  0.4  0.6  0.8  1.0  1.0  1.0  1.0
    //   F_b:  0    0    0   0.2  0.4  0.6  0.8  1.0
    //   gap: 0.2  0.4  0.6  0.6  0.6  0.4  0.2   0     → D = 0.6
    // nₑ = 25/10 = 2.5, √nₑ = 1.581139, 0.11/√nₑ = 0.069570 → λ = 1.770709 · 0.6 = 1.062425. By the
    // alternating series (the code uses the equivalent theta series below 1.18): 2λ² = 2.257495,
    // e^-2.257495 = 0.1046122, e^-8λ² = e^-9.029981 = 0.0001198, e^-18λ² = 1.5e-9
    // → Q = 2 · (0.1046122 - 0.0001198 + 0.0000000015) = 0.2089848
    const result = ksTwoSample([1, 2, 3, 4, 5], [4, 5, 6, 7, 8]);
    expect(result.statistic).toBeCloseTo(0.6, 12);
    expect(result.pValue).toBeCloseTo(0.2089848, 6);
    // identical samples: D = 0, p = 1; disjoint ones: D = 1
    expect(ksTwoSample([1, 2, 2, 3], [3, 2, 1, 2])).toEqual({ statistic: 0, pValue: 1 });
    expect(ksTwoSample([1, 2], [3, 4, 5]).statistic).toBe(1);
    expect(() => ksTwoSample([], [1])).toThrow(RangeError);
  });
});

describe("kolmogorovQ", () => {
  it("matches the Kolmogorov tail at known points", () => {
    // Q(λ) = 2 Σ (-1)^(j-1) e^(-2 j² λ²):
    //   λ = 1.36: 2λ² = 3.6992, e^-3.6992 = 0.0247433; j = 2 term e^-14.7968 = 3.7e-7
    //             Q = 2 · (0.0247433 - 0.0000004) = 0.0494859   (the classic 5 % critical value)
    //   λ = 1.63: 2λ² = 5.3138, e^-5.3138 = 0.0049232; j = 2 term 5.9e-10 → Q = 0.0098464 (1 %)
    expect(kolmogorovQ(1.36)).toBeCloseTo(0.0494859, 6);
    expect(kolmogorovQ(1.36)).toBeCloseTo(0.0495, 4);
    expect(kolmogorovQ(1.63)).toBeCloseTo(0.0098464, 6);
    expect(kolmogorovQ(1.63)).toBeCloseTo(0.0098, 4);
    // tabulated: P(K <= 1) = 0.7300003, P(K <= 0.5) = 0.0360548
    expect(kolmogorovQ(1)).toBeCloseTo(0.2699997, 6);
    expect(kolmogorovQ(0.5)).toBeCloseTo(0.9639452, 6);
    expect(kolmogorovQ(0)).toBe(1);
    expect(kolmogorovQ(10)).toBeLessThan(1e-80);
  });

  it("is continuous where it switches series (λ = 1.18) and decreasing", () => {
    expect(kolmogorovQ(1.18 - 1e-12)).toBeCloseTo(kolmogorovQ(1.18), 10);
    expect(kolmogorovQ(1.18)).toBeCloseTo(0.1234538, 6);
    let previous = 1;
    for (let lambda = 0.05; lambda < 3; lambda += 0.05) {
      const q = kolmogorovQ(lambda);
      expect(q).toBeLessThanOrEqual(previous);
      previous = q;
    }
    expect(() => kolmogorovQ(-1)).toThrow(RangeError);
  });
});

describe("meanShift and sampling", () => {
  it("measures the mean move in reference standard deviations, finite for a constant feature", () => {
    // recent mean (3 + 5) / 2 = 4; (4 - 2) / 0.5 = 4 standard deviations
    expect(meanShift(2, 0.5, [3, 5])).toBe(4);
    expect(meanShift(0, 0, [0, 0])).toBe(0);
    expect(meanShift(0, 0, [1, 0])).toBe(0.5 / 1e-6);
  });

  it("draws k distinct sorted indices, deterministically per seed", () => {
    const draw = sampleIndices(1_000, 100, 7);
    expect(draw).toHaveLength(100);
    expect(new Set(draw).size).toBe(100);
    expect([...draw]).toEqual([...draw].sort((a, b) => a - b));
    expect(draw.every((i) => i < 1_000)).toBe(true);
    expect(sampleIndices(1_000, 100, 7)).toEqual(draw);
    expect(sampleIndices(1_000, 100, 8)).not.toEqual(draw);
    expect([...sampleIndices(3, 10, 1)]).toEqual([0, 1, 2]);
  });
});
