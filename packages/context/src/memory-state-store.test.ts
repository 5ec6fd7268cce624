import { describe, expect, it } from "vitest";
import { createMemoryStateStore } from "./memory-state-store.ts";
import { observeSnapshots } from "./testing/observe-snapshots.ts";
import { describeStateStoreContract } from "./testing/state-store-contract.ts";

describeStateStoreContract("memory", async () => createMemoryStateStore());

describe("memory address state bounds", () => {
  it("evicts the least recently active address and counts it", async () => {
    const evicted: string[] = [];
    const store = createMemoryStateStore({ maxAddresses: 2, onEvict: (kind) => evicted.push(kind) });
    const address = (digit: string) => `0x${digit.repeat(40)}`;
    await store.observe([
      {
        hash: `0x${"1".repeat(64)}`,
        from: address("1"),
        to: null,
        timestamp: 1,
        valueLog10Eth: null,
        isCall: false,
      },
      {
        hash: `0x${"2".repeat(64)}`,
        from: address("2"),
        to: null,
        timestamp: 2,
        valueLog10Eth: null,
        isCall: false,
      },
      {
        hash: `0x${"3".repeat(64)}`,
        from: address("1"),
        to: null,
        timestamp: 3,
        valueLog10Eth: null,
        isCall: false,
      },
      {
        hash: `0x${"4".repeat(64)}`,
        from: address("3"),
        to: null,
        timestamp: 4,
        valueLog10Eth: null,
        isCall: false,
      },
    ]);
    expect(evicted).toEqual(["address"]);
    expect(store.evictions()).toBe(1);
    const [one, two] = await observeSnapshots(store, [
      {
        hash: `0x${"5".repeat(64)}`,
        from: address("1"),
        to: null,
        timestamp: 5,
        valueLog10Eth: null,
        isCall: false,
      },
      {
        hash: `0x${"6".repeat(64)}`,
        from: address("2"),
        to: null,
        timestamp: 6,
        valueLog10Eth: null,
        isCall: false,
      },
    ]);
    expect(one?.sender?.outCount).toBe(2);
    expect(two?.sender).toBeNull();
  });
});
