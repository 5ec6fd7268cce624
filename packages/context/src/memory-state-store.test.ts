import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import type { Observation } from "./address-state.ts";
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

describe("memory address state bounds, at scale", () => {
  /** Transactions that touch only the applied-hash set (no addresses): `count` of them from `start`. */
  const hashesOnly = (start: number, count: number): Observation[] =>
    Array.from({ length: count }, (_, offset) => ({
      hash: `0x${(start + offset).toString(16).padStart(64, "0")}`,
      from: null,
      to: null,
      timestamp: start + offset,
      valueLog10Eth: null,
      isCall: false,
    }));

  it("evicts a large set down to 10 % under its bound in one pass, counting every entry", async () => {
    const store = createMemoryStateStore({ maxAppliedHashes: 10_000 });
    await store.observe(hashesOnly(0, 10_000));
    expect(store.evictions()).toBe(0);
    await store.observe(hashesOnly(10_000, 1));
    // 10,001 → 9,000: the 1,001 oldest at once.
    expect(store.evictions()).toBe(1_001);
    await store.observe(hashesOnly(10_001, 1_000));
    expect(store.evictions()).toBe(1_001);
    await store.observe(hashesOnly(11_001, 1));
    expect(store.evictions()).toBe(2_002);
    // The oldest kept is hash 2,002: hash 2,001 counts as new again, hash 2,002 does not.
    const [forgotten, remembered] = await store.observe(hashesOnly(2_001, 2));
    expect(forgotten?.applied).toBe(true);
    expect(remembered?.applied).toBe(false);
  });

  it("keeps at most maxEpisodeMembers episode members over all addresses, least recently written first", async () => {
    const store = createMemoryStateStore({ maxEpisodeMembers: 1_000 });
    const sender = (index: number) => `0x${index.toString(16).padStart(40, "0")}`;
    // 100 senders, 20 transactions each, one sender after the other: 2,000 sender-side members. At 1,001
    // the oldest lists go, whole, down to 900 (six lists: 881); that repeats every 120 members, so 54 lists
    // are gone at the end and 46 × 20 = 920 members are kept.
    for (let index = 0; index < 100; index++) {
      await store.observe(
        Array.from({ length: 20 }, (_, offset) => ({
          hash: `0x${(index * 20 + offset).toString(16).padStart(64, "0")}`,
          from: sender(index),
          to: null,
          timestamp: index * 20 + offset,
          valueLog10Eth: null,
          isCall: false,
        })),
      );
    }
    const marker = { id: "inc_test", triggerTimestamp: 2_000, surprise: 4 };
    const lists = await store.openIncidents(
      Array.from({ length: 100 }, (_, index) => ({
        side: "sender" as const,
        address: sender(index),
        marker,
      })),
    );
    expect(lists.reduce((total, list) => total + list.length, 0)).toBe(920);
    expect(lists[53]).toEqual([]);
    expect(lists[54]?.length).toBe(20);
    expect(store.evictions()).toBe(54);
  });
});

describe("memory address state footprint", () => {
  setFlagsFromString("--expose-gc");
  const collectGarbage = runInNewContext("gc") as () => void;
  const ADDRESSES = 300;
  const pool = Array.from({ length: ADDRESSES }, (_, index) => `0x${index.toString(16).padStart(40, "0")}`);
  const address = (index: number) => pool[index % ADDRESSES] as string;
  /** Transaction i: sender i mod 300, recipient ⌊i / 300⌋ mod 300, so every pair below 90,000 is new. */
  const observation = (index: number, copy: (text: string) => string): Observation => ({
    hash: `0x${index.toString(16).padStart(64, "0")}`,
    from: copy(address(index)),
    to: copy(address(Math.floor(index / ADDRESSES))),
    timestamp: index,
    valueLog10Eth: -1,
    isCall: false,
  });

  /**
   * Heap bytes a store grows by over 2,000 transactions after 1,000 of warm-up (every address seen), with
   * each transaction's addresses made by `copy`.
   */
  async function bytesGrown(copy: (text: string) => string): Promise<number> {
    const store = createMemoryStateStore();
    const batch = (start: number, size: number) =>
      store.observe(Array.from({ length: size }, (_, offset) => observation(start + offset, copy)));
    await batch(0, 1_000);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let start = 1_000; start < 3_000; start += 500) await batch(start, 500);
    collectGarbage();
    const grown = process.memoryUsage().heapUsed - before;
    expect(store.evictions()).toBe(0);
    return grown;
  }

  it("keeps one copy of each address, however many copies the transactions bring", async () => {
    // The worker decodes each message on its own, so its transactions carry their own copies of the same
    // addresses; holding on to them cost ~128 bytes per transaction (docs/benchmarks.md, "Scoring worker
    // memory"). A heap measurement of that size is at the mercy of the collector (it varied by ~90 bytes per
    // transaction from run to run), so here each copy is a slice of a 16 KB string of its own, which V8 keeps
    // whole for as long as the slice lives: a transaction's copies kept would be 32 KB each, 64 MB over the
    // window, against ~1 MB for the state itself.
    const padding = "x".repeat(16_384);
    const heavyCopy = (text: string) => (padding + text).slice(padding.length);
    const grown = await bytesGrown(heavyCopy);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });
});
