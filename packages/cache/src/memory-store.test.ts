import { describe, expect, it } from "vitest";
import { createMemoryStore } from "./memory-store.ts";

describe("memory store", () => {
  it("evicts the least recently used entry when over the entry bound", async () => {
    let evictions = 0;
    const store = createMemoryStore({ maxEntries: 2, onEvict: () => (evictions += 1) });
    await store.mset([
      { key: "a", value: "1", ttlSeconds: 60 },
      { key: "b", value: "2", ttlSeconds: 60 },
    ]);
    expect(await store.get("a")).toBe("1"); // a is now the most recently used
    await store.mset([{ key: "c", value: "3", ttlSeconds: 60 }]);
    expect(await store.mget(["a", "b", "c"])).toEqual(["1", null, "3"]);
    expect(evictions).toBe(1);
  });

  it("stays within its byte bound", async () => {
    const store = createMemoryStore({ maxBytes: 100 });
    for (let index = 0; index < 20; index += 1) {
      await store.mset([{ key: `k${index}`, value: "x".repeat(10), ttlSeconds: 60 }]);
    }
    expect(store.sizeBytes()).toBeLessThanOrEqual(100);
    expect(await store.get("k19")).toBe("x".repeat(10));
    expect(await store.get("k0")).toBeNull();
  });

  it("expires entries after their TTL", async () => {
    let nowMs = 1_000;
    const store = createMemoryStore({ now: () => nowMs });
    await store.mset([{ key: "a", value: "1", ttlSeconds: 10 }]);
    nowMs += 9_999;
    expect(await store.get("a")).toBe("1");
    nowMs += 1;
    expect(await store.get("a")).toBeNull();
    expect(store.sizeBytes()).toBe(0);
  });

  it("replaces a value without double-counting its bytes and deletes keys", async () => {
    const store = createMemoryStore();
    await store.mset([{ key: "a", value: "1", ttlSeconds: 60 }]);
    await store.mset([{ key: "a", value: "22", ttlSeconds: 60 }]);
    expect(store.sizeBytes()).toBe((1 + 2) * 2);
    expect(await store.del(["a", "missing"])).toBe(1);
    expect(store.sizeBytes()).toBe(0);
  });

  it("a large cache over its bound evicts the least recently used down to 90 % in one pass", async () => {
    let evictions = 0;
    const store = createMemoryStore({ maxEntries: 1_000, onEvict: () => (evictions += 1) });
    await store.mset(Array.from({ length: 1_000 }, (_, i) => ({ key: `k${i}`, value: "v", ttlSeconds: 60 })));
    expect(await store.get("k0")).toBe("v"); // k0 becomes the most recently used
    expect(evictions).toBe(0);
    await store.mset([{ key: "new", value: "v", ttlSeconds: 60 }]);
    expect(evictions).toBe(101);
    const survivors = await store.mget(["k0", "k1", "k101", "k102", "k999", "new"]);
    expect(survivors).toEqual(["v", null, null, "v", "v", "v"]);
    const kept = ["k0", "new", ...Array.from({ length: 898 }, (_, i) => `k${i + 102}`)];
    expect(store.sizeBytes()).toBe(kept.reduce((sum, key) => sum + (key.length + 1) * 2, 0));
  });

  it("keeps an entry just written even when it alone is above the 90 % watermark", async () => {
    const maxBytes = 2 * 1_048_576;
    const store = createMemoryStore({ maxBytes });
    await store.mset([{ key: "small", value: "x".repeat(maxBytes / 20), ttlSeconds: 60 }]); // 10 %
    const big = "y".repeat(Math.floor((maxBytes * 0.95) / 2) - 3); // 95 %: together over maxBytes
    await store.mset([{ key: "big", value: big, ttlSeconds: 60 }]);
    expect(await store.get("small")).toBeNull();
    expect(await store.get("big")).toBe(big);
  });
});
