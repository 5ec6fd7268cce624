import { describe, expect, it } from "vitest";
import {
  type AddressState,
  type ContextSnapshot,
  emptyAddressState,
  emptyGlobalState,
} from "./address-state.ts";
import { viewContext } from "./context-view.ts";
import { createMemoryStateStore } from "./memory-state-store.ts";
import { observeSnapshots } from "./testing/observe-snapshots.ts";

const observation = {
  hash: `0x${"1".repeat(64)}`,
  from: `0x${"a".repeat(40)}`,
  to: `0x${"b".repeat(40)}`,
  timestamp: 2_000_000,
  valueLog10Eth: 0,
  isCall: false,
};

/** A snapshot with only the sender known, on a chain that has taught nothing yet. */
const senderOnly = (sender: AddressState): ContextSnapshot => ({
  applied: true,
  sender,
  recipient: null,
  pairSeen: false,
  global: emptyGlobalState(),
  senderIncident: null,
  recipientIncident: null,
});

describe("the amount a sender is judged against", () => {
  it("predicts from its few amounts, the chain's within-address spread and how addresses differ", () => {
    // Three earlier amounts around 0.01 ETH (mean −2, unbiased variance 0.09: stored as the population
    // variance 0.06); the chain has taught nothing yet, so the priors hold: new senders −1 ± 1 decade,
    // within an address 0.6 decades (variance 0.36).
    const sender = {
      ...emptyAddressState(1_000_000),
      outCount: 3,
      valueCount: 3,
      valueMean: -2,
      valueVar: 0.06,
    };
    const snapshot = senderOnly(sender);
    const view = viewContext(observation, snapshot);
    // By hand: σ² = (2·0.09 + 4·0.36)/6 = 0.27; τ² = max(1 − 0.36, 0.25) = 0.64;
    // var(centre) = 1/(1/0.64 + 3/0.27) = 0.078904; centre = 0.078904·(−1/0.64 − 6/0.27) = −1.876712;
    // spread = √(0.27 + 0.078904) + 0.15 = 0.740681; 1 ETH is z = 1.876712/0.740681 = 2.533766.
    expect(view.valueCenter).toBeCloseTo(-1.876712, 5);
    expect(view.valueZ).toBeCloseTo(2.533766, 5);
    // Without history it is the new senders' reference alone: (0 − (−1)) / (1 + 0.15).
    const fresh = viewContext(observation, { ...snapshot, sender: null });
    expect(fresh.valueCenter).toBe(-1);
    expect(fresh.valueZ).toBeCloseTo(1 / 1.15, 12);
  });

  it("marks a fan-in payment unusual for its sender exactly as the store counted it", async () => {
    const store = createMemoryStateStore();
    const [a, b, c, d] = ["a", "b", "c", "d"].map((digit) => `0x${digit.repeat(40)}`) as [
      string,
      string,
      string,
      string,
    ];
    const stream = [
      { ...observation, hash: `0x${"1".repeat(64)}`, from: a, to: b, timestamp: 14_000, valueLog10Eth: 0 },
      { ...observation, hash: `0x${"2".repeat(64)}`, from: a, to: b, timestamp: 14_010, valueLog10Eth: 0 },
      { ...observation, hash: `0x${"3".repeat(64)}`, from: a, to: d, timestamp: 14_020, valueLog10Eth: 2 },
      { ...observation, hash: `0x${"4".repeat(64)}`, from: c, to: d, timestamp: 14_030, valueLog10Eth: null },
    ];
    const snapshots = await observeSnapshots(store, stream);
    const views = stream.map((tx, index) => viewContext(tx, snapshots[index] ?? null));
    // The same 100 ETH payment as the store contract's (z = 2.819): unusual, and counted for D.
    expect(views.map((view) => view.paymentUnusual)).toEqual([false, false, true, false]);
    expect(views[2]?.fanInUnusualCount).toBe(1);
    expect(views[3]?.fanInUnusualCount).toBeCloseTo(Math.exp(-10 / 600), 12);
    // The chain's share so far, with the 10 % prior worth 100 payments: (0.5 · 2 + 0.1 · 100) / 102.
    expect(views[3]?.unusualShare).toBeCloseTo(11 / 102, 12);
  });

  it("counts a jump episode that ended before this transaction as settled, not the current one", () => {
    const sender = {
      ...emptyAddressState(1_000_000),
      outCount: 25,
      valueCount: 24,
      jumpCount: 2,
      jumpPeakZ: 4,
      jumpEpisodeCount: 1,
      jumpEpisodePeakZ: 6,
      jumpLast: observation.timestamp - 1_800,
    };
    const snapshot = senderOnly(sender);
    // 1,800 s after its last jump: still the same episode (the gap must exceed 1,800 s).
    const during = viewContext(observation, snapshot);
    expect([during.senderJumpCount, during.senderJumpPeakZ]).toEqual([2, 4]);
    const after = viewContext({ ...observation, timestamp: observation.timestamp + 1 }, snapshot);
    expect([after.senderJumpCount, after.senderJumpPeakZ]).toEqual([3, 6]);
  });
});
