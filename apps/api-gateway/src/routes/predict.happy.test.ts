import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface ScoreBody {
  hash: string;
  isAnomaly: boolean;
  anomalyScore: number;
  severity: string;
  confidence: number;
  explanation: { feature: string }[];
  modelVersion: string;
  cached: boolean;
}

interface BatchBody {
  totalProcessed: number;
  totalAnomalies: number;
  totalErrors: number;
  fromCache: number;
  computed: number;
  processingTimeMs: number;
  results: (ScoreBody | { index: number; error: { code: string } })[];
}

describe("predict routes: happy paths", () => {
  let app: TestGateway;
  beforeAll(async () => {
    app = await startTestGateway();
  });
  afterAll(() => app.stop());

  it("scores one simple-shape transaction and caches the result", async () => {
    const tx = simpleTransaction(1);
    const first = await app.send("/api/v1/predict", { method: "POST", body: tx });
    expect(first.status).toBe(200);
    const body = first.json as ScoreBody;
    expect(body).toMatchObject({ hash: tx.hash, cached: false });
    expect(body.anomalyScore).toBeGreaterThan(0);
    expect(body.anomalyScore).toBeLessThan(1);
    expect(["low", "medium", "high", "critical"]).toContain(body.severity);
    expect(body.modelVersion).toMatch(/\S/);
    expect(body.explanation.length).toBeGreaterThan(0);

    const second = await app.send("/api/v1/predict", { method: "POST", body: tx });
    expect(second.json).toEqual({ ...body, cached: true });
  });

  it("scores a JSON-RPC transaction object", async () => {
    const response = await app.send("/api/v1/predict", {
      method: "POST",
      body: {
        hash: `0x${"c".repeat(64)}`,
        from: `0x${"a".repeat(40)}`,
        to: `0x${"b".repeat(40)}`,
        value: "0xde0b6b3a7640000",
        gas: "0x5208",
        gasPrice: "0x6fc23ac00",
        maxFeePerGas: "0x77359400",
        maxPriorityFeePerGas: "0x3b9aca00",
        nonce: "0x1",
        input: "0x",
        type: "0x2",
        blockNumber: "0x10",
        chainId: "0x1",
        v: "0x1",
        r: `0x${"1".repeat(64)}`,
        s: `0x${"2".repeat(64)}`,
      },
    });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ hash: `0x${"c".repeat(64)}`, cached: false });
  });

  it("flags an extreme transaction with a higher score than an ordinary one", async () => {
    const ordinary = await app.send("/api/v1/predict", { method: "POST", body: simpleTransaction(2) });
    const extreme = await app.send("/api/v1/predict", {
      method: "POST",
      body: simpleTransaction(3, { value: 250_000, gasPrice: 9_000, gas: 7_900_000 }),
    });
    const extremeBody = extreme.json as ScoreBody;
    expect(extremeBody.anomalyScore).toBeGreaterThan((ordinary.json as ScoreBody).anomalyScore);
    expect(extremeBody.isAnomaly).toBe(true);
  });

  it("scores a batch in input order, answers a repeated batch from the cache, and reports counts", async () => {
    const transactions = Array.from({ length: 50 }, (_, index) => simpleTransaction(1_000 + index));
    const first = await app.send("/api/v1/batch/predict", { method: "POST", body: { transactions } });
    expect(first.status).toBe(200);
    const firstBody = first.json as BatchBody;
    expect(firstBody).toMatchObject({ totalProcessed: 50, totalErrors: 0, fromCache: 0, computed: 50 });
    expect(firstBody.results.map((result) => (result as ScoreBody).hash)).toEqual(
      transactions.map((tx) => tx.hash),
    );
    expect(firstBody.totalAnomalies).toBe(
      firstBody.results.filter((result) => (result as ScoreBody).isAnomaly).length,
    );

    const second = await app.send("/api/v1/batch/predict", { method: "POST", body: { transactions } });
    const secondBody = second.json as BatchBody;
    expect(secondBody).toMatchObject({ totalProcessed: 50, fromCache: 50, computed: 0 });
    expect(secondBody.results.every((result) => (result as ScoreBody).cached)).toBe(true);
    expect(secondBody.results.map((result) => (result as ScoreBody).anomalyScore)).toEqual(
      firstBody.results.map((result) => (result as ScoreBody).anomalyScore),
    );
  });

  it("explanations=false: the same verdicts without explanations; anything else for it is a 400", async () => {
    const transactions = Array.from({ length: 20 }, (_, index) => simpleTransaction(1_500 + index));
    const full = (await app.send("/api/v1/batch/predict", { method: "POST", body: { transactions } }))
      .json as BatchBody;
    const lean = await app.send("/api/v1/batch/predict?explanations=false", {
      method: "POST",
      body: { transactions },
    });
    expect(lean.status).toBe(200);
    const leanResults = (lean.json as BatchBody).results as ScoreBody[];
    expect(leanResults.every((result) => !("explanation" in result))).toBe(true);
    expect(leanResults).toEqual(
      (full.results as ScoreBody[]).map(({ explanation: _explanation, ...rest }) => ({
        ...rest,
        cached: true,
      })),
    );
    const bad = await app.send("/api/v1/batch/predict?explanations=no", {
      method: "POST",
      body: { transactions },
    });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: "VALIDATION_ERROR" });
  });

  it("scores duplicate hashes once and returns the result at every index", async () => {
    const tx = simpleTransaction(2_000);
    const response = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions: [tx, tx, tx] },
    });
    const body = response.json as BatchBody;
    expect(body).toMatchObject({ totalProcessed: 3, computed: 1, fromCache: 0 });
    expect(new Set(body.results.map((result) => (result as ScoreBody).anomalyScore)).size).toBe(1);
  });

  it("returns per-item errors with their index and still scores the valid items", async () => {
    const response = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: {
        transactions: [simpleTransaction(3_000), { hash: "nope", value: -1 }, simpleTransaction(3_001)],
      },
    });
    expect(response.status).toBe(200);
    const body = response.json as BatchBody;
    expect(body).toMatchObject({ totalProcessed: 2, totalErrors: 1 });
    expect(body.results[1]).toMatchObject({ index: 1, hash: "nope", error: { code: "VALIDATION_ERROR" } });
    expect((body.results[2] as ScoreBody).hash).toBe(simpleTransaction(3_001).hash);
  });

  it("serves liveness, readiness, health with the cache hit rate, OpenAPI and the docs page", async () => {
    expect((await app.send("/health/live")).status).toBe(200);
    const ready = await app.send("/health/ready");
    expect(ready.status).toBe(200);
    const health = await app.send("/health");
    expect(health.json).toMatchObject({
      status: "ok",
      dependencies: { cache: { status: "up", backend: "memory" }, model: { status: "up" } },
      cache: { backend: "memory" },
    });
    expect((health.json as { cache: { hitRate: number } }).cache.hitRate).toBeGreaterThan(0);
    const openApi = await app.send("/openapi.json");
    expect(openApi.json).toMatchObject({ openapi: "3.1.0" });
    const paths = Object.keys((openApi.json as { paths: object }).paths);
    expect(paths).toEqual(
      expect.arrayContaining(["/api/v1/predict", "/api/v1/batch/predict", "/health/ready"]),
    );
    const docs = await app.send("/docs");
    expect(docs.headers["content-type"]).toMatch(/text\/html/);
    // Swagger UI renders the operations from /openapi.json in the browser (routes/docs.test.ts).
    expect(docs.text).toContain("/docs/assets/swagger-ui-bundle.js");
  });
});
