import { describe, expect, it } from "vitest";
import { backfillReader, formatBackfillProgress } from "./backfill.ts";

describe("backfill progress line", () => {
  it("shows done/total, percent, rates and the ETA", () => {
    expect(
      formatBackfillProgress({
        from: 100,
        to: 5_099,
        blocksDone: 1_234,
        blocksTotal: 5_000,
        transactions: 60_000,
        blocksPerSecond: 56,
        transactionsPerSecond: 1_200.4,
        etaSeconds: 67.25,
        startedAt: 100,
      }),
    ).toBe("backfill 100..5099: 1234/5000 blocks (24.7 %), 56.0 blocks/s, 1200 tx/s, ETA 1m07s");
  });

  it("says ? before a rate is known, and names each range's checkpoint", () => {
    const line = formatBackfillProgress({
      from: 1,
      to: 10,
      blocksDone: 0,
      blocksTotal: 10,
      transactions: 0,
      blocksPerSecond: 0,
      transactionsPerSecond: 0,
      etaSeconds: null,
      startedAt: 1,
    });
    expect(line).toBe("backfill 1..10: 0/10 blocks (0.0 %), 0.0 blocks/s, 0 tx/s, ETA ?");
    expect(backfillReader(1, 10)).toBe("backfill:1-10");
  });
});
