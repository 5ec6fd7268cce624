import { describe, expect, it } from "vitest";
import { createFixedWindowCounter } from "./fixed-window-counter.ts";

describe("createFixedWindowCounter", () => {
  it("counts hits per key within a window and starts a new window after it ends", () => {
    let nowMs = 1_000;
    const counter = createFixedWindowCounter(60_000, () => nowMs);
    try {
      expect(counter.increment("a")).toEqual({ totalHits: 1, resetAtMs: 61_000 });
      expect(counter.increment("a").totalHits).toBe(2);
      expect(counter.increment("b").totalHits).toBe(1);
      nowMs = 60_999;
      expect(counter.increment("a").totalHits).toBe(3);
      nowMs = 61_000;
      expect(counter.increment("a")).toEqual({ totalHits: 1, resetAtMs: 121_000 });
    } finally {
      counter.stop();
    }
  });
});
