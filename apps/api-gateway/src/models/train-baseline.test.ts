import { SPEC_2_FEATURE_NAMES } from "@chainwatch/model";
import { describe, expect, it } from "vitest";
import { trainBaselineFromServed, trainBaselineInThread } from "./train-baseline.ts";

/** Served vectors with every spec-2 feature, a deterministic pattern per row. */
const servedRows = (count: number) =>
  Array.from({ length: count }, (_, i) =>
    Object.fromEntries(SPEC_2_FEATURE_NAMES.map((name, j) => [name, ((i * 31 + j * 17) % 97) / 10])),
  );

describe("training a baseline from served vectors", () => {
  it("gives the same version for the same rows (a second replica's training is a no-op)", async () => {
    const rows = servedRows(300);
    const first = await trainBaselineFromServed(rows);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await trainBaselineFromServed(rows);
    expect(first.featureSpecVersion).toBe(2);
    expect(first.rows).toBe(300);
    expect(second.modelVersion).toBe(first.modelVersion);
    expect(second.modelJson).toBe(first.modelJson);
  });

  it("trains the same model in its thread as on the calling thread", async () => {
    const rows = servedRows(300);
    const [inThread, here] = await Promise.all([trainBaselineInThread(rows), trainBaselineFromServed(rows)]);
    expect(inThread.rows).toBe(300);
    expect(inThread.featureSpecVersion).toBe(2);
    expect(inThread.modelVersion).toBe(here.modelVersion);
    expect(inThread.modelJson).toBe(here.modelJson);
    expect(inThread.metadata.skippedWithoutContext).toBe(0);
  });

  it("leaves the event loop free while it trains", { timeout: 120_000 }, async () => {
    const rows = servedRows(20_000);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const baseline = await trainBaselineInThread(rows);
      expect(baseline.rows).toBe(20_000);
    } finally {
      clearInterval(timer);
    }
    // On the calling thread no timer fires until the fit is over (0 ticks); 20,000 rows take ~1 s.
    expect(ticks).toBeGreaterThanOrEqual(5);
  });

  it("rejects with the training error's message, from the thread", async () => {
    const withoutContext = [{ value_log10: 1, gas_log10: 4 }];
    await expect(trainBaselineInThread(withoutContext)).rejects.toThrow(
      /no stored feature vector with context features \(0 without context, 1 invalid\)/,
    );
  });
});
