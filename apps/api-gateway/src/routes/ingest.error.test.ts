import { randomBytes } from "node:crypto";
import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const randomHash = () => `0x${randomBytes(32).toString("hex")}`;
const tx = () => simpleTransaction(1, { hash: randomHash() });

interface ErrorBody {
  code: string;
  message: string;
  details?: { issues: { path: string; message: string }[] };
}

/** Statements that write: a single INSERT, or a WITH whose CTEs insert (recordScored's one statement). */
const isWrite = (sql: string) => /^\s*(INSERT|WITH)\b/i.test(sql) && /\bINSERT\s+INTO\b/i.test(sql);

/**
 * A database whose writes (transactions and inserting statements) fail while `isDown` is set; reads work.
 * `failedWrites` counts the refused attempts.
 */
function switchableDatabase(inner: Database) {
  const state = { isDown: false, failedWrites: 0 };
  const refuse = () => {
    state.failedWrites += 1;
    return Promise.reject(new Error("connection terminated"));
  };
  const database: Database = {
    driver: inner.driver,
    query: (sql, params) => (state.isDown && isWrite(sql) ? refuse() : inner.query(sql, params)),
    exec: (script) => inner.exec(script),
    transaction: (work) => (state.isDown ? refuse() : inner.transaction(work)),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
  return { database, state };
}

describe("ingest routes: errors", () => {
  let app: TestGateway;
  let inner: Database;
  let store: ReturnType<typeof switchableDatabase>;
  beforeAll(async () => {
    inner = await createPgliteDatabase();
    store = switchableDatabase(inner);
    app = await startTestGateway({ BATCH_MAX_ITEMS: "5" }, { database: store.database });
  });
  afterAll(async () => {
    await app.stop();
    await inner.close();
  });

  it("answers 400 VALIDATION_ERROR with every issue for one invalid transaction", async () => {
    const response = await app.send("/api/v1/transactions", {
      method: "POST",
      body: { hash: "0x12", value: -1 },
    });
    expect(response.status).toBe(400);
    const body = response.json as ErrorBody;
    expect(body.code).toBe("VALIDATION_ERROR");
    expect(body.details?.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(["hash", "value", "gas", "gasPrice"]),
    );
  });

  it("answers 400 for a batch with no valid item, naming each item, and for an empty or oversized batch", async () => {
    const none = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: [{ hash: "0x1" }, 42] },
    });
    expect(none.status).toBe(400);
    const paths = (none.json as ErrorBody).details?.issues.map((issue) => issue.path) ?? [];
    expect(paths.some((path) => path.startsWith("transactions.0."))).toBe(true);
    expect(paths.some((path) => path.startsWith("transactions.1"))).toBe(true);

    const empty = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: [] },
    });
    expect(empty.status).toBe(400);
    const oversized = await app.send("/api/v1/batch/transactions", {
      method: "POST",
      body: { transactions: Array.from({ length: 6 }, () => tx()) },
    });
    expect(oversized.status).toBe(400);
    expect((oversized.json as ErrorBody).message).toBe("invalid batch request");
    const wrongShape = await app.send("/api/v1/batch/transactions", { method: "POST", body: [tx()] });
    expect(wrongShape.status).toBe(400);
  });

  it("answers 405 with Allow for other methods", async () => {
    const response = await app.send("/api/v1/batch/transactions", { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe("POST");
    const status = await app.send("/api/v1/stream/status", { method: "POST", body: {} });
    expect(status.status).toBe(405);
  });

  it("answers 503 DATABASE_UNAVAILABLE in embedded mode when the store cannot write, after bounded retries", async () => {
    store.state.isDown = true;
    store.state.failedWrites = 0;
    try {
      // Bounded retries, counted rather than timed: it tried more than once and then answered (an unbounded
      // retry would never answer, and the test would time out).
      const response = await app.send("/api/v1/transactions", { method: "POST", body: tx() });
      expect(response.status).toBe(503);
      expect((response.json as ErrorBody).code).toBe("DATABASE_UNAVAILABLE");
      expect(response.headers["retry-after"]).toBe("5");
      expect(store.state.failedWrites).toBeGreaterThan(1);
    } finally {
      store.state.isDown = false;
    }
    const recovered = await app.send("/api/v1/transactions", { method: "POST", body: tx() });
    expect(recovered.status).toBe(202);
  });
});

describe("ingest routes: Kafka unreachable", () => {
  let app: TestGateway;
  beforeAll(async () => {
    // Nothing listens on port 1: every connection is refused at once.
    app = await startTestGateway({ KAFKA_BROKERS: "127.0.0.1:1", KAFKA_PUBLISH_TIMEOUT_MS: "1500" });
  });
  afterAll(() => app.stop());

  // "Never hangs" is the test's timeout (the publish bound is 1.5 s; the publisher's own timeout is tested
  // exactly in packages/kafka against a broker that never answers). No wall-clock assertion here.
  it("answers 503 KAFKA_UNAVAILABLE as JSON, never hangs", { timeout: 20_000 }, async () => {
    for (const [path, body] of [
      ["/api/v1/transactions", tx()],
      ["/api/v1/batch/transactions", { transactions: [tx(), tx()] }],
    ] as const) {
      const response = await app.send(path, { method: "POST", body });
      expect(response.status).toBe(503);
      expect(response.json).toMatchObject({ code: "KAFKA_UNAVAILABLE", requestId: expect.any(String) });
      expect(response.headers["retry-after"]).toBe("5");
    }
  });

  it("still answers 400 for invalid input without touching Kafka", async () => {
    // Every attempt to reach Kafka from ingest that fails is logged; make one first, so the count is
    // known to move (this test does not rely on what ran before it).
    const publishAttempts = () =>
      app.logLines().filter((line) => line.msg === "ingest publish failed").length;
    const initially = publishAttempts();
    expect((await app.send("/api/v1/transactions", { method: "POST", body: tx() })).status).toBe(503);
    const before = publishAttempts();
    expect(before).toBeGreaterThan(initially); // the reading works
    const response = await app.send("/api/v1/transactions", { method: "POST", body: { hash: "0x1" } });
    expect(response.status).toBe(400);
    expect(publishAttempts()).toBe(before);
  });

  it("answers 503 on the stream status and reports Kafka down in /health", { timeout: 20_000 }, async () => {
    const status = await app.send("/api/v1/stream/status");
    expect(status.status).toBe(503);
    expect(status.json).toMatchObject({ code: "KAFKA_UNAVAILABLE" });
    // Kafka's health is passive (the latest publish decides): fail one here rather than rely on an earlier
    // test having done so.
    expect((await app.send("/api/v1/transactions", { method: "POST", body: tx() })).status).toBe(503);
    const health = await app.send("/health");
    expect(health.json).toMatchObject({ dependencies: { kafka: { status: "down", required: false } } });
  });
});
