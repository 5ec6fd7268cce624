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
    const modelVersion = (cold.json as { results: { modelVersion: string }[] }).results[0]?.modelVersion;
    /** This run's prediction keys in Redis (hashes are unique to the run), one per transaction once written. */
    const writtenKeys = async () => {
      const keys = await redis.keys(`chainwatch:prediction:*${modelVersion}:*`);
      return transactions.flatMap((tx) => keys.filter((key) => key.includes(tx.hash)));
    };
    // The write-back is off the response path: wait (bounded) until all 20 entries are in Redis, rather
    // than for a fixed time, then ask the other gateway.
    await expect.poll(async () => (await writtenKeys()).length, { timeout: 10_000, interval: 20 }).toBe(20);
    const warm = await second.send("/api/v1/batch/predict", { method: "POST", body: { transactions } });
    expect(warm.json).toMatchObject({ computed: 0, fromCache: 20 });
    const ttl = await redis.ttl((await writtenKeys())[0] ?? "");
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

  // The bound is the test's timeout: each request must not wait on the unreachable Redis (ioredis fails
  // commands at once while disconnected; REDIS_COMMAND_TIMEOUT_MS caps the rest). No wall-clock assertion:
  // how fast 20 requests run on a busy CI machine is the benchmarks' business.
  it("keeps scoring as cache misses, without waiting on it, when Redis is unreachable, and reports degraded", {
    timeout: 30_000,
  }, async () => {
    const app = await startTestGateway({
      REDIS_URL: "redis://127.0.0.1:1",
      REDIS_COMMAND_TIMEOUT_MS: "100",
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_RPM: "1000",
    });
    started.push(app);
    for (let index = 0; index < 20; index += 1) {
      const response = await app.send("/api/v1/predict", {
        method: "POST",
        body: simpleTransaction(base + 200 + index),
      });
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ cached: false });
    }
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
