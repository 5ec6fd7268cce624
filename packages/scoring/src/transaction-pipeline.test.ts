import { createCache, createMemoryStore } from "@chainwatch/cache";
import { createContextScorer, createMemoryStateStore } from "@chainwatch/context";
import { loadDefaultModel, normalizeTransaction } from "@chainwatch/model";
import { createLogger, isRetryAbortedError } from "@chainwatch/service-kit";
import {
  createPgliteDatabase,
  createRepositories,
  type Database,
  type RecordScoredResult,
  runMigrations,
  type ScoredTransactionRecord,
} from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { staticModelProvider } from "./model-provider.ts";
import { createScoringService } from "./scoring-service.ts";
import {
  createTransactionPipeline,
  isScoringFailedError,
  type PipelineItem,
} from "./transaction-pipeline.ts";

const scorer = loadDefaultModel();
const hashOf = (index: number) => `0x${index.toString(16).padStart(64, "0")}`;
const simple = (index: number, overrides: Record<string, unknown> = {}) => ({
  hash: hashOf(index),
  value: 1 + (index % 10),
  gas: 21_000,
  gasPrice: 25,
  ...overrides,
});
const anomalous = (index: number) => simple(index, { value: 500_000, gasPrice: 9_000, gas: 7_900_000 });
const items = (payloads: unknown[]): PipelineItem<number>[] =>
  payloads.map((payload, ref) => ({ ref, payload }));

function scoringService() {
  const cache = createCache({
    store: createMemoryStore(),
    logger: createLogger({ name: "t", level: "silent" }),
  });
  const context = createContextScorer({ store: createMemoryStateStore() });
  return { cache, scoring: createScoringService({ models: staticModelProvider(scorer), cache, context }) };
}

/** A store double that records every call and fails the first `failures` of them. */
function flakyStore(failures: number) {
  const calls: ScoredTransactionRecord[][] = [];
  const stored = new Set<string>();
  return {
    calls,
    stored,
    recordScored: async (records: ScoredTransactionRecord[]): Promise<RecordScoredResult> => {
      calls.push(records);
      if (calls.length <= failures) throw new Error("connection refused");
      let inserted = 0;
      for (const record of records) {
        if (!stored.has(record.transaction.hash)) inserted++;
        stored.add(record.transaction.hash);
      }
      return { transactions: inserted, predictions: inserted, anomalies: 0 };
    },
  };
}

describe("transaction pipeline", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase();
    await runMigrations(database);
  });
  afterAll(async () => {
    await database.close();
  });

  it("rejects invalid items with their issues, scores and stores the rest once per hash, in input order", async () => {
    const { scoring } = scoringService();
    const repositories = createRepositories(database);
    const pipeline = createTransactionPipeline({ scoring, recordScored: repositories.recordScored });
    const outcome = await pipeline.process(
      items([simple(1), { hash: "0x12", value: 1 }, anomalous(2), simple(1), "not an object"]),
    );
    expect(outcome.scored.map((item) => item.ref)).toEqual([0, 2, 3]);
    expect(outcome.scored[1]?.result).toMatchObject({ hash: hashOf(2), isAnomaly: true });
    expect(outcome.scored[1]?.record.features).toBeDefined();
    expect(outcome.rejected.map((item) => [item.ref, item.reason, item.hash])).toEqual([
      [1, "invalid_transaction", "0x12"],
      [4, "invalid_transaction", null],
    ]);
    expect(outcome.rejected[0]?.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(["hash", "gas"]),
    );
    expect(outcome.stored).toEqual({ transactions: 2, predictions: 2, anomalies: 1, conflicts: [] });
    expect((await repositories.getTransaction(hashOf(2)))?.latestPrediction?.isAnomaly).toBe(true);
  });

  it("has exactly-once effect: processing the same items again inserts nothing", async () => {
    const { scoring } = scoringService();
    const repositories = createRepositories(database);
    const pipeline = createTransactionPipeline({ scoring, recordScored: repositories.recordScored });
    const batch = items([simple(101), anomalous(102), simple(103)]);
    expect((await pipeline.process(batch)).stored).toEqual({
      transactions: 3,
      predictions: 3,
      anomalies: 1,
      conflicts: [],
    });
    const again = await pipeline.process(batch);
    expect(again.scored).toHaveLength(3);
    expect(again.stored).toEqual({ transactions: 0, predictions: 0, anomalies: 0, conflicts: [] });
  });

  it("re-scores a known hash sent with other content, stores it as the latest and reports the conflict with its origin", async () => {
    const { scoring } = scoringService();
    const repositories = createRepositories(database);
    const pipeline = createTransactionPipeline({ scoring, recordScored: repositories.recordScored });
    const hash = hashOf(301);
    const benign = await pipeline.process([
      { ref: 0, payload: simple(301, { value: 0.5 }), origin: { source: "stream", requestId: "req-1" } },
    ]);
    expect(benign.scored[0]?.result).toMatchObject({ isAnomaly: false, cached: false });
    expect(benign.stored.conflicts).toEqual([]);

    const real = await pipeline.process([
      { ref: 0, payload: anomalous(301), origin: { source: "stream", requestId: "req-2" } },
    ]);
    expect(real.scored[0]?.result).toMatchObject({ hash, isAnomaly: true, cached: false });
    expect(real.stored).toMatchObject({ transactions: 1, predictions: 1, anomalies: 1 });
    expect(real.stored.conflicts).toEqual([
      expect.objectContaining({
        hash,
        previousFingerprint: benign.scored[0]?.record.contentFingerprint,
        fingerprint: real.scored[0]?.record.contentFingerprint,
        origin: { source: "stream", requestId: "req-2" },
      }),
    ]);
    expect(real.scored[0]?.record.contentFingerprint).not.toBe(benign.scored[0]?.record.contentFingerprint);
    expect(await repositories.getTransaction(hash)).toMatchObject({
      valueWei: "500000000000000000000000",
      latestPrediction: { isAnomaly: true },
    });
  });

  it("writes both contents of a hash that arrive in one batch, the later one stored", async () => {
    const { scoring } = scoringService();
    const repositories = createRepositories(database);
    const pipeline = createTransactionPipeline({ scoring, recordScored: repositories.recordScored });
    const outcome = await pipeline.process(items([simple(302, { value: 0.5 }), anomalous(302)]));
    expect(outcome.scored.map((item) => item.result.isAnomaly)).toEqual([false, true]);
    expect(outcome.stored).toMatchObject({ transactions: 2, predictions: 2, anomalies: 1 });
    expect(outcome.stored.conflicts).toHaveLength(1);
    expect((await repositories.getTransaction(hashOf(302)))?.valueWei).toBe("500000000000000000000000");
  });

  it("stores results served from the cache too: a cache hit does not prove an earlier store write", async () => {
    const { scoring } = scoringService();
    await (await scoring.scoreBatch([simple(201), simple(202)].map((tx) => normalizeTransaction(tx))))
      .cacheWrite;
    const store = flakyStore(0);
    const pipeline = createTransactionPipeline({ scoring, recordScored: store.recordScored });
    const outcome = await pipeline.process(items([simple(201), simple(202)]));
    expect(outcome.scored.every((item) => item.result.cached)).toBe(true);
    expect([...store.stored]).toEqual([hashOf(201), hashOf(202)]);
  });

  it("retries a failing store write with backoff until it succeeds, reporting each retry", async () => {
    const { scoring } = scoringService();
    const store = flakyStore(2);
    const retries: number[] = [];
    const pipeline = createTransactionPipeline({
      scoring,
      recordScored: store.recordScored,
      storeRetry: { initialDelayMs: 1 },
    });
    const outcome = await pipeline.process(items([simple(301), simple(302)]), {
      onStoreRetry: (_error, attempt) => void retries.push(attempt),
    });
    expect(retries).toEqual([1, 2]);
    expect(store.calls).toHaveLength(3);
    expect(outcome.stored.predictions).toBe(2);
  });

  it("gives up when aborted, so a stopping worker commits nothing for the batch", async () => {
    const { scoring } = scoringService();
    const store = flakyStore(Number.POSITIVE_INFINITY);
    const controller = new AbortController();
    const pipeline = createTransactionPipeline({
      scoring,
      recordScored: store.recordScored,
      storeRetry: { initialDelayMs: 5 },
    });
    setTimeout(() => controller.abort(), 50);
    const error = await pipeline
      .process(items([simple(401)]), { signal: controller.signal })
      .catch((caught: unknown) => caught);
    expect(isRetryAbortedError(error)).toBe(true);
    expect(store.stored.size).toBe(0);
  });

  it("gives up after maxAttempts when bounded (the API answers instead of hanging)", async () => {
    const { scoring } = scoringService();
    const store = flakyStore(Number.POSITIVE_INFINITY);
    const pipeline = createTransactionPipeline({
      scoring,
      recordScored: store.recordScored,
      storeRetry: { initialDelayMs: 1, maxAttempts: 3 },
    });
    await expect(pipeline.process(items([simple(501)]))).rejects.toThrow("connection refused");
    expect(store.calls).toHaveLength(3);
  });

  it("dead-letters a transaction only the model fails on, but treats a model failing on everything as an outage", async () => {
    const { scoring } = scoringService();
    const poisonHash = hashOf(701);
    const failing = (predicate: (hash: string) => boolean) => ({
      ...scoring,
      scoreBatch: async (transactions: Parameters<typeof scoring.scoreBatch>[0]) => {
        if (transactions.some((tx) => predicate(tx.hash))) throw new Error("model exploded");
        return scoring.scoreBatch(transactions);
      },
    });
    const store = flakyStore(0);
    const oneBad = createTransactionPipeline({
      scoring: failing((hash) => hash === poisonHash),
      recordScored: store.recordScored,
    });
    const outcome = await oneBad.process(items([simple(700), simple(701), simple(702)]));
    expect(outcome.rejected.map((item) => [item.ref, item.reason])).toEqual([[1, "unscoreable"]]);
    expect(outcome.scored.map((item) => item.ref)).toEqual([0, 2]);

    const allBad = createTransactionPipeline({
      scoring: failing(() => true),
      recordScored: store.recordScored,
    });
    const error = await allBad.process(items([simple(703), simple(704)])).catch((caught: unknown) => caught);
    expect(isScoringFailedError(error)).toBe(true);
    expect(store.stored.has(hashOf(703))).toBe(false);
  });

  it("marks a transaction the store refuses as unscoreable and stores the others", async () => {
    const { scoring } = scoringService();
    const repositories = createRepositories(database);
    const pipeline = createTransactionPipeline({ scoring, recordScored: repositories.recordScored });
    // A JSON-RPC transaction with a type the store's smallint column cannot hold: valid input, unstorable.
    const unstorable = {
      hash: hashOf(601),
      value: "0x1",
      gas: "0x5208",
      gasPrice: "0x3b9aca00",
      type: "0xffffff",
    };
    const outcome = await pipeline.process(items([simple(600), unstorable, simple(602)]));
    expect(outcome.rejected).toEqual([
      expect.objectContaining({ ref: 1, reason: "unscoreable", hash: hashOf(601) }),
    ]);
    expect(outcome.rejected[0]?.message).toMatch(/store rejected/);
    expect(outcome.scored.map((item) => item.ref)).toEqual([0, 2]);
    expect(await repositories.getTransaction(hashOf(601))).toBeNull();
    expect(await repositories.getTransaction(hashOf(602))).not.toBeNull();
  });
});

describe("scoreDeferred when the store falls behind", () => {
  const logger = createLogger({ name: "t", level: "silent" });
  /** Records are queued on the turn after the answer, as a request's would be before the next one arrives. */
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
  const txs = (from: number, count: number) =>
    Array.from({ length: count }, (_, index) => normalizeTransaction(simple(from + index)));

  it("refuses a call whose records would not fit the write-behind queue, before scoring it: nothing answered is dropped", async () => {
    const { scoring } = scoringService();
    let scoredBatches = 0;
    const counting = {
      ...scoring,
      scoreBatch: (transactions: Parameters<typeof scoring.scoreBatch>[0]) => {
        scoredBatches += 1;
        return scoring.scoreBatch(transactions);
      },
    };
    let dropped = 0;
    const written: string[] = [];
    let releaseWrites: () => void = () => {};
    const writesMayGo = new Promise<void>((resolve) => {
      releaseWrites = resolve;
    });
    const pipeline = createTransactionPipeline({
      scoring: counting,
      // The database is stuck until the test lets it go: the queue only fills.
      recordScored: async (records) => {
        await writesMayGo;
        for (const record of records) written.push(record.transaction.hash);
        return { transactions: records.length, predictions: records.length, anomalies: 0 };
      },
      deferredWrites: {
        logger,
        maxQueueSize: 5,
        batchSize: 5,
        flushIntervalMs: 5,
        metrics: { depth() {}, dropped: (items) => (dropped += items), written() {}, failures() {} },
      },
    });
    pipeline.start();
    const first = await pipeline.scoreDeferred(txs(1, 3));
    expect(first.results).toHaveLength(3);
    await nextTurn();
    // 3 of 5 places are taken (queued or about to be): a call of 3 does not fit, a call of 2 does.
    await expect(pipeline.scoreDeferred(txs(10, 3))).rejects.toMatchObject({
      code: "STORE_BACKLOGGED",
      details: { capacity: 5, requested: 3 },
    });
    expect(scoredBatches).toBe(1);
    const second = await pipeline.scoreDeferred(txs(20, 2));
    expect(second.results).toHaveLength(2);
    await nextTurn();
    await expect(pipeline.scoreDeferred(txs(30, 1))).rejects.toMatchObject({ code: "STORE_BACKLOGGED" });
    expect(scoredBatches).toBe(2);
    releaseWrites();
    await pipeline.stop();
    expect(dropped).toBe(0);
    expect(written.sort()).toEqual([hashOf(1), hashOf(2), hashOf(3), hashOf(20), hashOf(21)]);
  });

  it("keeps answering while the store's writes fail (a database outage): what does not fit is dropped and counted", async () => {
    const { scoring } = scoringService();
    let dropped = 0;
    let failures = 0;
    const pipeline = createTransactionPipeline({
      scoring,
      recordScored: async () => {
        throw new Error("connection refused");
      },
      deferredWrites: {
        logger,
        maxQueueSize: 5,
        batchSize: 5,
        flushIntervalMs: 5,
        stopTimeoutMs: 50,
        metrics: {
          depth() {},
          dropped: (items) => (dropped += items),
          written() {},
          failures: () => (failures += 1),
        },
      },
    });
    pipeline.start();
    expect((await pipeline.scoreDeferred(txs(50, 3))).results).toHaveLength(3);
    await nextTurn();
    await vi.waitFor(() => expect(failures).toBeGreaterThan(0));
    expect((await pipeline.scoreDeferred(txs(60, 3))).results).toHaveLength(3);
    await vi.waitFor(() => expect(dropped).toBe(1));
    await pipeline.stop();
  });

  it("gives the room back when scoring fails, so a failed call does not shrink the queue", async () => {
    const { scoring } = scoringService();
    let fail = true;
    const pipeline = createTransactionPipeline({
      scoring: {
        ...scoring,
        scoreBatch: (transactions) =>
          fail ? Promise.reject(new Error("model crashed")) : scoring.scoreBatch(transactions),
      },
      recordScored: async (records) => ({
        transactions: records.length,
        predictions: records.length,
        anomalies: 0,
      }),
      deferredWrites: { logger, maxQueueSize: 4, batchSize: 4, flushIntervalMs: 5 },
    });
    for (let attempt = 0; attempt < 3; attempt++)
      await expect(pipeline.scoreDeferred(txs(40, 4))).rejects.toThrow("model crashed");
    fail = false;
    expect((await pipeline.scoreDeferred(txs(40, 4))).results).toHaveLength(4);
    await pipeline.stop();
  });
});
