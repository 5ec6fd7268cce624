import { type PgliteThread, startPgliteThread } from "@chainwatch/store/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

describe("gateway whose embedded database thread dies", () => {
  let thread: PgliteThread;
  let app: TestGateway;

  beforeAll(async () => {
    thread = await startPgliteThread();
    app = await startTestGateway({}, { database: thread.database });
  });

  afterAll(async () => {
    await app.stop();
    await thread.database.close();
  });

  it("answers 503 DATABASE_UNAVAILABLE and reports the database down instead of hanging", async () => {
    const stored = simpleTransaction(7_001);
    expect((await app.send("/api/v1/predict", { method: "POST", body: stored })).status).toBe(200);
    expect((await app.send("/health")).json).toMatchObject({ dependencies: { database: { status: "up" } } });

    await thread.worker.terminate();

    const lookup = await app.send(`/api/v1/transactions/${stored.hash}`);
    expect(lookup.status).toBe(503);
    expect(lookup.json).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(lookup.text).not.toContain("thread");
    expect((await app.send("/health")).json).toMatchObject({
      status: "degraded",
      dependencies: { database: { status: "down" } },
    });
    // Scoring does not need the database.
    expect(
      (await app.send("/api/v1/predict", { method: "POST", body: simpleTransaction(7_002) })).status,
    ).toBe(200);
  });
});
