import { SPEC_2_FEATURE_NAMES } from "@chainwatch/model";
import { describe, expect, it } from "vitest";
import { trainBaselineFromServed } from "./train-baseline.ts";

describe("training a baseline from served vectors", () => {
  it("gives the same version for the same rows (a second replica's training is a no-op)", async () => {
    const rows = Array.from({ length: 300 }, (_, i) =>
      Object.fromEntries(SPEC_2_FEATURE_NAMES.map((name, j) => [name, ((i * 31 + j * 17) % 97) / 10])),
    );
    const first = await trainBaselineFromServed(rows);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await trainBaselineFromServed(rows);
    expect(first.featureSpecVersion).toBe(2);
    expect(first.rows).toBe(300);
    expect(second.modelVersion).toBe(first.modelVersion);
    expect(second.modelJson).toBe(first.modelJson);
  });
});
