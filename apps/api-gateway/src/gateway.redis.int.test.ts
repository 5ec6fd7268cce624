import { describeWithServices, serviceUrls } from "@chainwatch/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { simpleTransaction, startTestGateway, type TestGateway } from "./testing/test-gateway.ts";

await describeWithServices("gateway with the real Redis", ["redis"], () => {
  let redis: Redis;
  const started: TestGateway[] = [];
  // A fresh hash range per run, so cached entries from earlier runs cannot answer this run's requests.
  const base = Date.now() * 1_000;
  const start = async (env: Record<string, string> = {}) => {
    const app = await startTestGateway({ REDIS_URL: serviceUrls.redisUrl, ...env });
    started.push(app);
    return app;
  };

  beforeAll(() => {
    redis = new Redis(serviceUrls.redisUrl);
  });
  afterAll(async () => {
    await Promise.all(started.map((app) => app.stop()));
    await redis.quit();
  });

  it("shares predictions between two gateways through Redis, keyed by model version", async () => {
    const first = await start();
    const second = await start();
    const transactions = Array.from({ length: 20 }, (_, index) => simpleTransaction(base + index));
    const cold = await first.send("/api/v1/batch/predict", { method: "POST", body: { transactions } });
    expect(cold.json).toMatchObject({ computed: 20, fromCache: 0 });
    // The write-back is off the response path; give it a moment to land.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const warm = await second.send("/api/v1/batch/predict", { method: "POST", body: { transactions } });
    expect(warm.json).toMatchObject({ computed: 0, fromCache: 20 });
    const modelVersion = (cold.json as { results: { modelVersion: string }[] }).results[0]?.modelVersion;
    const ttl = await redis.ttl(`chainwatch:prediction:v1:${modelVersion}:${transactions[0]?.hash}`);
    expect(ttl).toBeGreaterThan(7_000);
    expect((await second.send("/health")).json).toMatchObject({
      status: "ok",
      dependencies: { cache: { status: "up", backend: "redis" } },
    });
  });

  it("enforces one rate limit across two gateways sharing Redis", async () => {
    // One principal calling both replicas: the limit is per principal, shared through Redis.
    const env = {
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_RPM: "4",
      RATE_LIMIT_BURST: "0",
      BOOTSTRAP_ADMIN_API_KEY: `cw_${"5".repeat(64)}`,
    };
    const first = await start(env);
    const second = await start(env);
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      const app = index % 2 === 0 ? first : second;
      statuses.push(
        (await app.send("/api/v1/predict", { method: "POST", body: simpleTransaction(base + 100 + index) }))
          .status,
      );
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it("keeps scoring as cache misses, within a bound, when Redis is unreachable, and reports degraded", async () => {
    const app = await startTestGateway({
      REDIS_URL: "redis://127.0.0.1:1",
      REDIS_COMMAND_TIMEOUT_MS: "100",
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_RPM: "1000",
    });
    started.push(app);
    const startedAt = performance.now();
    for (let index = 0; index < 20; index += 1) {
      const response = await app.send("/api/v1/predict", {
        method: "POST",
        body: simpleTransaction(base + 200 + index),
      });
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ cached: false });
    }
    expect(performance.now() - startedAt).toBeLessThan(20 * 500);
    const health = await app.send("/health");
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ status: "degraded", dependencies: { cache: { status: "down" } } });
    expect((await app.send("/health/ready")).status).toBe(200);
    const metrics = (await app.send("/metrics")).text;
    expect(metrics).toMatch(/cache_errors_total\{[^}]*operation="mget"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/rate_limit_store_errors_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/dependency_up\{[^}]*dependency="cache"[^}]*\} 0/);
  });

  it("fails readiness while a required Redis is down", async () => {
    const app = await startTestGateway({ REDIS_URL: "redis://127.0.0.1:1", REDIS_REQUIRED: "true" });
    started.push(app);
    expect((await app.send("/health/ready")).status).toBe(503);
    expect((await app.send("/health/live")).status).toBe(200);
  });
});
