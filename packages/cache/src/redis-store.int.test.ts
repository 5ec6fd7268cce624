import { createCacheMetrics, createMetricsRegistry } from "@chainwatch/metrics";
import { describeWithServices, serviceUrls, uniqueName } from "@chainwatch/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createCache } from "./cache.ts";
import { cacheKey, predictionCacheId } from "./cache-types.ts";
import { createRedisStore, type RedisStore } from "./redis-store.ts";
import { instrumentedStore, memoryLogger } from "./test-helpers.ts";

await describeWithServices("redis cache store (real Redis)", ["redis"], () => {
  const prefix = uniqueName("cachetest");
  let store: RedisStore;

  beforeAll(async () => {
    store = createRedisStore({ url: serviceUrls.redisUrl });
    expect(await store.waitUntilReady(5_000)).toBe(true);
  });

  afterAll(async () => {
    // A plain client for cleanup: the store's 250 ms command timeout is too short for KEYS on a busy Redis.
    const admin = new Redis(serviceUrls.redisUrl);
    const keys = await admin.keys(`chainwatch:*:v*:${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
    await store.close();
  });

  it("smoke: Redis round-trip", async () => {
    await store.mset([{ key: cacheKey("feature", `${prefix}:smoke`), value: "hello", ttlSeconds: 30 }]);
    expect(await store.get(cacheKey("feature", `${prefix}:smoke`))).toBe("hello");
  });

  it("counts hits and misses and sets the per-type TTL on the real keys", async () => {
    const registry = createMetricsRegistry({ collectProcessMetrics: false });
    const cache = createCache({
      store,
      logger: memoryLogger().logger,
      metrics: createCacheMetrics(registry),
    });
    await cache.set("prediction", `${prefix}:a`, { score: 0.9 });
    await cache.set("query", `${prefix}:q`, [1, 2]);
    expect(await cache.get("prediction", `${prefix}:a`)).toEqual({ score: 0.9 });
    expect(await cache.get("prediction", `${prefix}:missing`)).toBeUndefined();
    expect(cache.stats().byType.prediction).toMatchObject({ hits: 1, misses: 1 });
    const predictionTtl = await store.client.ttl(cacheKey("prediction", `${prefix}:a`));
    const queryTtl = await store.client.ttl(cacheKey("query", `${prefix}:q`));
    expect(predictionTtl).toBeGreaterThan(7_100);
    expect(predictionTtl).toBeLessThanOrEqual(7_200);
    expect(queryTtl).toBeGreaterThan(250);
    expect(queryTtl).toBeLessThanOrEqual(300);
  });

  it("never serves one model version's prediction for another, nor one content's for another", async () => {
    const cache = createCache({ store, logger: memoryLogger().logger });
    const hash = `0x${"ab".repeat(32)}`;
    const benign = "dz2mA910NYZ3pwiS0q79mlABDRUhwedPZoYv81heClo";
    const whale = "h5UXLVYEM22xp9eYxg0jJN1gjiPJIloidBbseXK4kcY";
    await cache.set("prediction", predictionCacheId(`${prefix}-m1`, hash, benign), { anomalyScore: 0.8 });
    expect(await cache.get("prediction", predictionCacheId(`${prefix}-m2`, hash, benign))).toBeUndefined();
    expect(await cache.get("prediction", predictionCacheId(`${prefix}-m1`, hash, whale))).toBeUndefined();
    expect(await cache.get("prediction", predictionCacheId(`${prefix}-m1`, hash, benign))).toEqual({
      anomalyScore: 0.8,
    });
    expect(await store.client.exists(`chainwatch:prediction:v3:${prefix}-m1:${hash}:${benign}`)).toBe(1);
  });

  it("reads and writes 500 entries in one round trip each", async () => {
    const instrumented = instrumentedStore(store);
    const cache = createCache({ store: instrumented.store, logger: memoryLogger().logger });
    const entries = Array.from({ length: 500 }, (_, index) => ({ id: `${prefix}:b${index}`, value: index }));
    expect(await cache.batchSet("prediction", entries)).toBe(true);
    const ids = [...entries.map((entry) => entry.id), `${prefix}:absent`];
    const values = await cache.batchGet<number>("prediction", ids);
    expect(values.slice(0, 500)).toEqual(entries.map((entry) => entry.value));
    expect(values[500]).toBeUndefined();
    expect(instrumented.calls).toMatchObject({ mget: 1, mset: 1 });
  });

  it("answers as misses within a bound when Redis is unreachable, and reports degraded", async () => {
    // Port 1 on loopback refuses connections: the same as a Redis that went away.
    const deadStore = createRedisStore({ url: "redis://127.0.0.1:1", commandTimeoutMs: 100 });
    const cache = createCache({ store: deadStore, logger: memoryLogger().logger });
    const startedAt = performance.now();
    for (let attempt = 0; attempt < 20; attempt += 1) {
      expect(await cache.get("prediction", `${prefix}:x`)).toBeUndefined();
      expect(await cache.batchSet("prediction", [{ id: `${prefix}:x`, value: 1 }])).toBe(false);
    }
    const elapsedMs = performance.now() - startedAt;
    expect(elapsedMs).toBeLessThan(20 * 2 * 150);
    expect(cache.stats()).toMatchObject({ errors: 40, droppedWrites: 20 });
    expect((await cache.health()).status).toBe("degraded");
    deadStore.client.disconnect();
  });

  it("recovers automatically after the connection is dropped", async () => {
    const ownStore = createRedisStore({ url: serviceUrls.redisUrl, maxReconnectDelayMs: 100 });
    const cache = createCache({ store: ownStore, logger: memoryLogger().logger });
    expect(await ownStore.waitUntilReady(5_000)).toBe(true);
    await cache.set("prediction", `${prefix}:r`, 7);
    // Kill this client's connection from the server side, as a Redis restart would.
    const clientId = await ownStore.client.client("ID");
    await store.client.client("KILL", "ID", String(clientId));
    let value: number | undefined;
    for (let attempt = 0; attempt < 50 && value === undefined; attempt += 1) {
      value = await cache.get<number>("prediction", `${prefix}:r`);
      if (value === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(value).toBe(7);
    expect((await cache.health()).status).toBe("ok");
    await ownStore.close();
  });
});
