import { normalizeTransaction } from "@chainwatch/model";
import { describe, expect, it } from "vitest";
import { createContextScorer } from "./context-scorer.ts";
import { createMemoryStateStore } from "./memory-state-store.ts";
import type { AddressStateStore } from "./state-store.ts";

const A = `0x${"a".repeat(40)}`;
const B = `0x${"b".repeat(40)}`;
const payment = (n: number, timestamp: number) =>
  normalizeTransaction({
    hash: `0x${n.toString(16).padStart(64, "0")}`,
    from: A,
    to: B,
    value: 1,
    gas: 21_000,
    gasPrice: 25,
    timestamp,
  });

describe("context scorer, views needed for some transactions only", () => {
  it("gives null where no view is needed, still applies those, and lists what was applied before", async () => {
    const store = createMemoryStateStore();
    const context = createContextScorer({ store });
    await context.observe([payment(1, 1_000)]);
    const { views, appliedBefore } = await context.observeBatch(
      [payment(1, 1_000), payment(2, 1_010), payment(3, 1_020), payment(1, 1_000)],
      [false, false, true, true],
    );
    expect(views.map((view) => view === null)).toEqual([true, true, false, false]);
    // The 2nd had no view but counted: the 3rd is A's third payment, the repeated 1st its fourth look.
    expect(views[2]?.senderOutCount).toBe(2);
    expect(views[2]?.applied).toBe(true);
    expect(views[3]?.senderOutCount).toBe(3);
    expect(views[3]?.applied).toBe(false);
    expect(appliedBefore).toEqual([payment(1, 1_000).hash, payment(1, 1_000).hash]);
    expect((await store.peek(A))?.outCount).toBe(3);
  });

  it("fails open: no context where a view was needed, nothing where none was, nothing applied before", async () => {
    const failures: unknown[] = [];
    const failing: AddressStateStore = {
      kind: "redis",
      observe: async () => {
        throw new Error("down");
      },
      peek: async () => null,
      openIncidents: async () => [],
      roundTrips: () => 0,
      evictions: () => 0,
    };
    const context = createContextScorer({ store: failing, onUnavailable: (error) => failures.push(error) });
    const { views, appliedBefore } = await context.observeBatch(
      [payment(1, 1_000), payment(2, 1_010)],
      [true, false],
    );
    expect(views[0]?.available).toBe(false);
    expect(views[1]).toBeNull();
    expect(appliedBefore).toEqual([]);
    expect(failures).toHaveLength(1);
  });
});
