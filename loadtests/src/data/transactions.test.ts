import { describe, expect, it } from "vitest";
import {
  createWorkload,
  createZipfSampler,
  freshHash,
  poolHash,
  seededRandom,
  transactionFor,
} from "./transactions.ts";

const HASH = /^0x[0-9a-f]{64}$/;

describe("transactions for load", () => {
  it("derives the same valid transaction from the same hash", () => {
    const hash = poolHash("abc", 42);
    expect(hash).toMatch(HASH);
    expect(transactionFor(hash)).toEqual(transactionFor(hash));
    expect(transactionFor(hash).hash).toBe(hash);
    expect(transactionFor(poolHash("abc", 43))).not.toEqual(transactionFor(hash));
  });

  it("makes fresh hashes that no pool entry can have", () => {
    const random = seededRandom(7);
    for (let i = 0; i < 1_000; i++) {
      const hash = freshHash(random);
      expect(hash).toMatch(HASH);
      // Pool hashes have index digits that start with 0 after the 8 salt digits; fresh ones start 8..f.
      expect(Number.parseInt(hash.slice(2, 3), 16)).toBeGreaterThanOrEqual(8);
    }
    expect(poolHash("0", 5).slice(2, 3)).toBe("0");
  });

  it("keeps amounts in the ranges the API accepts", () => {
    for (let i = 0; i < 2_000; i++) {
      const tx = transactionFor(poolHash("1", i));
      expect(tx.value).toBeGreaterThanOrEqual(0);
      expect(tx.gasPrice).toBeGreaterThan(0);
      expect(Number.isInteger(tx.gas)).toBe(true);
      expect(tx.from).toMatch(/^0x[0-9a-f]{40}$/);
    }
  });

  it("samples Zipf ranks: rank 0 most often, every rank in range", () => {
    const sample = createZipfSampler(1_000, 1);
    const random = seededRandom(1);
    const counts = new Map<number, number>();
    for (let i = 0; i < 50_000; i++) {
      const rank = sample(random);
      expect(rank).toBeGreaterThanOrEqual(0);
      expect(rank).toBeLessThan(1_000);
      counts.set(rank, (counts.get(rank) ?? 0) + 1);
    }
    const top = counts.get(0) ?? 0;
    // P(0) = 1 / H(1000) ≈ 0.134 for exponent 1.
    expect(top / 50_000).toBeGreaterThan(0.11);
    expect(top / 50_000).toBeLessThan(0.16);
    expect(top).toBeGreaterThan(counts.get(10) ?? 0);
  });

  it("draws the repeat share from the pool", () => {
    const workload = createWorkload(
      { repeatShare: 0.75, poolSize: 100, zipfExponent: 1, salt: "5" },
      seededRandom(3),
    );
    const batch = workload.batch(4_000);
    const repeats = batch.filter((tx) => tx.hash.startsWith("0x00000005")).length;
    expect(repeats / batch.length).toBeGreaterThan(0.72);
    expect(repeats / batch.length).toBeLessThan(0.78);
  });
});
