import { describe, expect, it } from "vitest";
import { detectionMetrics, rocAuc, type ScoredRow } from "./metrics.ts";
import { createRandom } from "./random.ts";

describe("rocAuc", () => {
  it("matches hand-counted pairs", () => {
    // scikit-learn's example: positives 0.35, 0.8; negatives 0.1, 0.4 → pairs won 1 + 2 = 3 of 4.
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(rocAuc([0.9, 0.8, 0.1, 0.2], [true, true, false, false])).toBe(1);
    expect(rocAuc([0.1, 0.2, 0.9, 0.8], [true, true, false, false])).toBe(0);
  });

  it("counts a tie between a positive and a negative as one half (average ranks)", () => {
    // positives 0.8, 0.5; negatives 0.5, 0.2: 1 + 1 + ½ + 1 = 3.5 of 4.
    expect(rocAuc([0.8, 0.5, 0.5, 0.2], [true, true, false, false])).toBe(0.875);
    // Everything tied: chance, not 0 or 1 by the sort's whim.
    expect(rocAuc([0.5, 0.5, 0.5, 0.5], [true, false, true, false])).toBe(0.5);
    // A tie among positives only changes nothing.
    expect(rocAuc([0.7, 0.7, 0.1], [true, true, false])).toBe(1);
  });

  it("equals brute-force pair counting on random scores with many ties", () => {
    const random = createRandom(3, "auc");
    const scores = Array.from({ length: 400 }, () => random.int(0, 20) / 20);
    const labels = scores.map((score) => random.chance(0.2 + 0.5 * score));
    let won = 0;
    let pairs = 0;
    scores.forEach((positive, i) => {
      if (!labels[i]) return;
      scores.forEach((negative, j) => {
        if (labels[j]) return;
        pairs++;
        won += positive > negative ? 1 : positive === negative ? 0.5 : 0;
      });
    });
    expect(rocAuc(scores, labels)).toBeCloseTo(won / pairs, 12);
  });

  it("is NaN without positives or negatives, and refuses mismatched or NaN input", () => {
    expect(rocAuc([0.1, 0.2], [false, false])).toBeNaN();
    expect(rocAuc([0.1, 0.2], [true, true])).toBeNaN();
    expect(() => rocAuc([0.1], [true, false])).toThrow(RangeError);
    expect(() => rocAuc([Number.NaN, 0.1], [true, false])).toThrow(RangeError);
  });
});

describe("detectionMetrics", () => {
  const normal = (score: number, isAnomaly = false): ScoredRow => ({ label: null, score, isAnomaly });
  const rows: ScoredRow[] = [
    normal(0.1),
    normal(0.2),
    normal(0.3, true),
    normal(0.5),
    { label: "quiet_burst", score: 0.4, isAnomaly: false },
    { label: "quiet_burst", score: 0.6, isAnomaly: true },
    { label: "value_spike", score: 0.5, isAnomaly: true },
    { label: "value_spike", score: 0.9, isAnomaly: true },
  ];
  const metrics = detectionMetrics(rows);

  it("scores each kind against every normal transaction", () => {
    // 0.4 beats 3 of the 4 normals, 0.6 all 4: 7 / 8.
    expect(metrics.perKind.quiet_burst).toEqual({ transactions: 2, rocAuc: 0.875, flagged: 1, recall: 0.5 });
    // 0.5 beats 3 and ties 1 (3.5), 0.9 beats 4: 7.5 / 8.
    expect(metrics.perKind.value_spike).toEqual({ transactions: 2, rocAuc: 0.9375, flagged: 2, recall: 1 });
  });

  it("pools every kind for the overall figures", () => {
    // 3 + 4 + 3.5 + 4 = 14.5 of 16 pairs; 3 of 4 anomalies flagged.
    expect(metrics.overall).toEqual({ transactions: 4, rocAuc: 0.90625, flagged: 3, recall: 0.75 });
    expect(metrics.precision).toBe(0.75);
  });

  it("reports the share of normal traffic flagged", () => {
    expect(metrics.normals).toBe(4);
    expect(metrics.normalsFlagged).toBe(1);
    expect(metrics.normalFlaggedShare).toBe(0.25);
  });

  it("leaves kinds that did not occur unmeasured (NaN), not zero", () => {
    expect(metrics.perKind.dust_spray.transactions).toBe(0);
    expect(metrics.perKind.dust_spray.rocAuc).toBeNaN();
    expect(metrics.perKind.dust_spray.recall).toBeNaN();
  });
});
