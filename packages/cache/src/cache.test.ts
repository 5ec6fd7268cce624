import { createCacheMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import { describe, expect, it } from "vitest";
import { createCache } from "./cache.ts";
import { cacheKey, predictionCacheId } from "./cache-types.ts";
import { createMemoryStore } from "./memory-store.ts";
import { instrumentedStore, memoryLogger } from "./test-helpers.ts";

function setup() {
  const registry = createMetricsRegistry({ collectProcessMetrics: false });
  const metrics = createCacheMetrics(registry);
  const instrumented = instrumentedStore(createMemoryStore());
  const { logger, lines } = memoryLogger();
  const cache = createCache({ store: instrumented.store, logger, metrics, ttlSeconds: { query: 30 } });
  return { cache, registry, lines, ...instrumented };
}

describe("cache", () => {
  it("formats versioned keys and keys predictions by model version, hash and content fingerprint", () => {
    expect(cacheKey("prediction", "abc")).toBe("chainwatch:prediction:v3:abc");
    expect(cacheKey("model", "active")).toBe("chainwatch:model:v1:active");
    expect(cacheKey("query", "q")).toBe("chainwatch:query:v1:q");
    expect(cacheKey("query", "q", "staging")).toBe("staging:query:v1:q");
    expect(predictionCacheId("if-1", "0xABC", "fp-a")).toBe("if-1:0xabc:fp-a");
    expect(predictionCacheId("if-1", "0xabc", "fp-a")).not.toBe(predictionCacheId("if-2", "0xabc", "fp-a"));
    expect(predictionCacheId("if-1", "0xabc", "fp-a")).not.toBe(predictionCacheId("if-1", "0xabc", "fp-b"));
  });

  it("counts hits and misses per type and keeps the hit-rate gauge current", async () => {
    const { cache, registry } = setup();
    await cache.set("prediction", "a", { score: 0.7 });
    expect(await cache.get("prediction", "a")).toEqual({ score: 0.7 });
    expect(await cache.get("prediction", "b")).toBeUndefined();
    expect(await cache.get("query", "q")).toBeUndefined();
    const stats = cache.stats();
    expect(stats.byType.prediction).toEqual({ hits: 1, misses: 1, hitRate: 0.5 });
    expect(stats.byType.query).toEqual({ hits: 0, misses: 1, hitRate: 0 });
    expect(stats.hitRate).toBeCloseTo(1 / 3);
    const text = await registry.metrics();
    expect(text).toContain('cache_hits_total{cache_type="prediction"} 1');
    expect(text).toContain('cache_hit_rate{cache_type="prediction"} 0.5');
  });

  it("reads and writes batches in one store call each, aligned with the input", async () => {
    const { cache, calls } = setup();
    await cache.batchSet("prediction", [
      { id: "a", value: 1 },
      { id: "c", value: 3 },
    ]);
    expect(await cache.batchGet("prediction", ["a", "b", "c"])).toEqual([1, undefined, 3]);
    expect(calls).toMatchObject({ mget: 1, mset: 1 });
  });

  it("keeps two deployments apart on one store by their key prefix", async () => {
    const shared = createMemoryStore();
    const production = createCache({ store: shared, logger: memoryLogger().logger, keyPrefix: "production" });
    const staging = createCache({ store: shared, logger: memoryLogger().logger, keyPrefix: "staging" });
    await production.set("query", "page-1", { items: ["production"] });
    expect(await staging.get("query", "page-1")).toBeUndefined();
    expect(await shared.get("production:query:v1:page-1")).toBe('{"items":["production"]}');
  });

  it("uses the per-type TTL overrides", () => {
    const { cache } = setup();
    expect(cache.ttlSeconds("query")).toBe(30);
    expect(cache.ttlSeconds("prediction")).toBe(7_200);
  });

  it("turns store failures into misses and dropped writes, logs once, and recovers", async () => {
    const { cache, breakStore, lines, registry } = setup();
    await cache.set("prediction", "a", 1);
    breakStore(true);
    expect(await cache.get("prediction", "a")).toBeUndefined();
    expect(await cache.batchGet("prediction", ["a", "b"])).toEqual([undefined, undefined]);
    expect(await cache.batchSet("prediction", [{ id: "x", value: 1 }])).toBe(false);
    expect((await cache.health()).status).toBe("degraded");
    expect(cache.stats()).toMatchObject({ errors: 3, droppedWrites: 1 });
    expect(lines().filter((line) => line.msg === "cache store failing; serving misses")).toHaveLength(1);
    expect(await registry.metrics()).toContain('cache_errors_total{operation="mget"} 2');

    breakStore(false);
    expect(await cache.get("prediction", "a")).toBe(1);
    expect((await cache.health()).status).toBe("ok");
    expect(lines().some((line) => line.msg === "cache store recovered")).toBe(true);
  });

  it("warms from an async loader batch by batch and counts failed batches", async () => {
    const { cache, breakStore } = setup();
    async function* batches() {
      yield [{ id: "a", value: 1 }];
      breakStore(true);
      yield [{ id: "b", value: 2 }];
      breakStore(false);
      yield [
        { id: "c", value: 3 },
        { id: "d", value: 4 },
      ];
    }
    expect(await cache.warm("prediction", batches())).toEqual({ written: 3, batches: 3, failedBatches: 1 });
    expect(await cache.batchGet("prediction", ["a", "b", "c", "d"])).toEqual([1, undefined, 3, 4]);
  });
});
