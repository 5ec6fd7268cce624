import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { IngestResponseSchema, StreamStatusSchema } from "../http/schemas.ts";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const randomHash = () => `0x${randomBytes(32).toString("hex")}`;
const tx = (overrides: Record<string, unknown> = {}) =>
  simpleTransaction(1, { hash: randomHash(), ...overrides });
const anomalous = () => tx({ value: 250_000, gasPrice: 9_000, gas: 7_900_000 });

describe("ingest routes in embedded mode (no KAFKA_BROKERS): happy paths", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway({ STREAM_STATUS_SAMPLE_INTERVAL_MS: "200" });
  });
  afterAll(() => app.stop());

  it("accepts one transaction with 202, scored and stored before the answer", async () => {
    const one = tx();
    const response = await app.send("/api/v1/transactions", { method: "POST", body: one });
    expect(response.status).toBe(202);
    expect(IngestResponseSchema.parse(response.json)).toEqual({
      mode: "embedded",
      accepted: [one.hash],
      rejected: [],
    });
    // Stored synchronously: readable at once, with the same score the predict endpoint gives.
    const stored = await app.send(`/api/v1/transactions/${one.hash}`);
    expect(stored.status).toBe(200);
    const predicted = await app.send("/api/v1/predict", { method: "POST", body: one });
    expect(stored.json).toMatchObject({
      hash: one.hash,
      latestPrediction: { anomalyScore: (predicted.json as { anomalyScore: number }).anomalyScore },
    });
  });

  it("accepts a batch: per-item rejections, duplicates once, anomalies visible in the anomaly list at once", async () => {
    const flagged = anomalous();
    const [first, second] = [tx(), tx()];
    const body = {
      transactions: [first, { hash: "0x12", value: 1 }, flagged, first, "not an object", second],
    };
    const response = await app.send("/api/v1/batch/transactions", { method: "POST", body });
    expect(response.status).toBe(202);
    const outcome = IngestResponseSchema.parse(response.json);
    expect(outcome.accepted).toEqual([first?.hash, flagged.hash, second?.hash]);
    expect(outcome.rejected.map((item) => [item.index, item.hash, item.error.code])).toEqual([
      [1, "0x12", "VALIDATION_ERROR"],
      [4, null, "VALIDATION_ERROR"],
    ]);
    expect(outcome.rejected[0]?.error.issues.map((issue) => issue.path)).toContain("gas");

    const lookup = await app.send("/api/v1/batch/transactions/lookup", {
      method: "POST",
      body: { hashes: outcome.accepted },
    });
    expect(lookup.json).toMatchObject({ totalFound: 3 });
    const anomalies = await app.send("/api/v1/anomalies?limit=1000");
    const items = (anomalies.json as { items: { txHash: string }[] }).items;
    expect(items.map((item) => item.txHash)).toContain(flagged.hash);
  });

  it("ingesting the same transaction again is accepted and stores nothing new (idempotent)", async () => {
    const one = tx();
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await app.send("/api/v1/transactions", { method: "POST", body: one });
      expect(response.status).toBe(202);
    }
    const stored = await app.send(`/api/v1/transactions/${one.hash}`);
    expect(stored.status).toBe(200);
  });

  it("reports mode embedded on the stream status, with totals and a throughput once two samples exist", async () => {
    const embeddedStatus = async () => {
      const response = await app.send("/api/v1/stream/status");
      expect(response.status).toBe(200);
      const status = StreamStatusSchema.parse(response.json);
      if (status.mode !== "embedded") throw new Error(`expected mode embedded, got ${status.mode}`);
      return status;
    };
    // Counted from this test's own requests (before/after), so it holds whatever ran before it.
    const before = await embeddedStatus();
    const response = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: [tx(), tx(), { hash: "0x12", value: 1 }, tx(), "not an object", tx(), tx()] },
    });
    expect(response.status).toBe(202);
    const counted = await embeddedStatus();
    expect(counted.totals.accepted - before.totals.accepted).toBe(5);
    expect(counted.totals.rejected - before.totals.rejected).toBe(2);

    await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: Array.from({ length: 50 }, () => tx()) },
    });
    // Polled, not slept: a throughput needs two samples at least a second apart.
    const later = await vi.waitFor(
      async () => {
        const status = await embeddedStatus();
        expect(status.throughput?.windowSeconds).toBeGreaterThanOrEqual(1);
        return status;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(later.throughput?.consumedPerSecond).toBeGreaterThan(0);
  });

  it("documents the ingest and stream status operations in the OpenAPI document", async () => {
    const document = (await app.send("/openapi.json")).json as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.paths["/api/v1/transactions"]?.post?.responses ?? {})).toContain("202");
    expect(Object.keys(document.paths["/api/v1/batch/transactions"]?.post?.responses ?? {})).toContain("503");
    expect(document.paths["/api/v1/stream/status"]?.get).toBeDefined();
  });
});
