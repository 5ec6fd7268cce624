import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

/**
 * A database whose scored-record writes wait until released: a store that is up (nothing fails) but
 * behind, as an embedded PGlite is under more load than it can write.
 */
function slowWrites(database: Database) {
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const isRecordWrite = (sql: string) => sql.includes("json_to_recordset");
  const wrapped: Database = {
    ...database,
    query: async (sql, params) => {
      if (isRecordWrite(sql)) await gate;
      return database.query(sql, params);
    },
  };
  return {
    database: wrapped,
    release: () => release(),
    block: () => {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  };
}

describe("predict when the store is behind on writes", () => {
  let app: TestGateway;
  let store: ReturnType<typeof slowWrites>;
  const base = 0x5_0000_0000;
  const batch = (from: number, count: number) => ({
    transactions: Array.from({ length: count }, (_, index) => simpleTransaction(base + from + index)),
  });

  beforeAll(async () => {
    store = slowWrites(await createPgliteDatabase());
    app = await startTestGateway(
      { DB_WRITE_QUEUE_MAX: "6", DB_WRITE_BATCH_SIZE: "6", DB_WRITE_FLUSH_INTERVAL_MS: "10" },
      { database: store.database },
    );
  });
  afterAll(async () => {
    store.release();
    await app.stop();
  });

  it("answers 503 STORE_BACKLOGGED with Retry-After when a call's records would not fit the queue, and scores it once there is room", async () => {
    const accepted = await app.send("/api/v1/batch/predict", { method: "POST", body: batch(0, 4) });
    expect(accepted.status).toBe(200);
    // 4 of 6 places taken while the write is stuck: 3 more do not fit.
    const refused = await app.send("/api/v1/batch/predict", { method: "POST", body: batch(10, 3) });
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(refused.json).toMatchObject({
      code: "STORE_BACKLOGGED",
      message: "the store is behind on writes; retry later",
      requestId: refused.headers["x-request-id"],
      details: { capacity: 6, requested: 3 },
    });
    expect(app.logLines().find((line) => line.requestId === refused.headers["x-request-id"])).toMatchObject({
      level: 30,
      msg: "request shed",
      code: "STORE_BACKLOGGED",
    });
    const single = await app.send("/api/v1/predict", { method: "POST", body: simpleTransaction(base + 20) });
    expect(single.status).toBe(200);
    store.release();
    // Once the store catches up the same call goes through, and every answered transaction is stored.
    let retried = refused;
    for (let attempt = 0; attempt < 50 && retried.status === 503; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      retried = await app.send("/api/v1/batch/predict", { method: "POST", body: batch(10, 3) });
    }
    expect(retried.status).toBe(200);
    const metrics = (await app.send("/metrics")).text;
    expect(metrics).toMatch(/^store_write_queue_dropped_total\{service="api-gateway"\} 0$/m);
    for (const index of [0, 3, 10, 12, 20]) {
      const hash = simpleTransaction(base + index).hash;
      let found = 0;
      for (let attempt = 0; attempt < 100 && found !== 200; attempt++) {
        found = (await app.send(`/api/v1/transactions/${hash}`)).status;
        if (found !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(found).toBe(200);
    }
  });
});
