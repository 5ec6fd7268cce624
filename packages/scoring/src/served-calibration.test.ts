import { describe, expect, it } from "vitest";
import { createServedScoreCalibration } from "./served-calibration.ts";

describe("served score calibration", () => {
  it("answers with the training share before any traffic", () => {
    expect(createServedScoreCalibration({ warmup: 10 }).tailShare(0.5, 0.02)).toBeCloseTo(0.02, 12);
  });

  it("after warm-up, measures a score against the scores served (exponentially forgotten)", () => {
    const typical = createServedScoreCalibration({ horizon: 1_000, warmup: 10 });
    for (let i = 0; i < 100; i++) typical.tailShare(0.3, 0.001);
    // weight of 100 observations kept at 0.999 each: (1 − 0.999^100) / 0.001 = 95.2079; all of them ≥ 0.3
    expect(typical.tailShare(0.3, 1e-6)).toBeCloseTo(96.2079 / 97.2079, 4);

    const rare = createServedScoreCalibration({ horizon: 1_000, warmup: 10 });
    for (let i = 0; i < 100; i++) rare.tailShare(0.3, 0.001);
    // none of them reaches 0.9: (0 + 1) / (95.2079 + 2)
    expect(rare.tailShare(0.9, 1e-6)).toBeCloseTo(1 / 97.2079, 5);
    expect(rare.observed()).toBe(101);
  });
});
