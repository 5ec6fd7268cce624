import { createCache, createMemoryStore, predictionCacheId } from "@chainwatch/cache";
import { createContextScorer, createMemoryStateStore } from "@chainwatch/context";
import { createMetricsRegistry, createScoringMetrics } from "@chainwatch/metrics";
import {
  contentFingerprint,
  loadDefaultModel,
  type NormalizedTransaction,
  normalizeTransaction,
  type Scorer,
} from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import type { ScoredTransactionRecord } from "@chainwatch/store";
import { describe, expect, it } from "vitest";
import {
  mutableModelProvider,
  routeTransaction,
  routingBucket,
  type ServingModels,
} from "./model-provider.ts";
import { shadowRecords } from "./scored-record.ts";
import { createScoringService } from "./scoring-service.ts";
import { createTransactionPipeline } from "./transaction-pipeline.ts";

const active = loadDefaultModel();
const renamed = (version: string): Scorer => ({ ...active, modelVersion: version });
const canary = renamed("if-canary00001");
const shadow = renamed("if-shadow00001");

const hashOf = (index: number) => `0x${(index * 2654435761).toString(16).padStart(64, "0")}`;
const tx = (index: number): NormalizedTransaction =>
  normalizeTransaction({ hash: hashOf(index), value: 1 + (index % 7), gas: 21_000, gasPrice: 25 });

function setup(models: ServingModels) {
  const cache = createCache({
    store: createMemoryStore(),
    logger: createLogger({ name: "t", level: "silent" }),
  });
  const registry = createMetricsRegistry({ collectProcessMetrics: false });
  const provider = mutableModelProvider(models);
  const scoring = createScoringService({
    models: provider,
    cache,
    metrics: createScoringMetrics(registry),
    context: createContextScorer({ store: createMemoryStateStore() }),
  });
  return { cache, registry, provider, scoring };
}

describe("model routing", () => {
  it("buckets a hash stably in 0..99", () => {
    const hash = hashOf(42);
    expect(routingBucket(hash)).toBe(routingBucket(hash.toUpperCase().replace("0X", "0x")));
    for (let i = 0; i < 500; i++) {
      const bucket = routingBucket(hashOf(i));
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(100);
    }
  });

  it("routes ~10 % of 2,000 hashes to a 10 % canary, the same hash always to the same version", () => {
    const models: ServingModels = { active, canary: { scorer: canary, percent: 10 }, shadows: [] };
    const hashes = Array.from({ length: 2_000 }, (_, i) => hashOf(i));
    const first = hashes.map((hash) => routeTransaction(models, hash).scorer.modelVersion);
    const share = first.filter((version) => version === canary.modelVersion).length / hashes.length;
    // Binomial(2000, 0.1): sd 0.67 %; 6..14 % is ±6 sd.
    expect(share).toBeGreaterThan(0.06);
    expect(share).toBeLessThan(0.14);
    for (let round = 0; round < 3; round++) {
      expect(hashes.map((hash) => routeTransaction(models, hash).scorer.modelVersion)).toEqual(first);
    }
    // Growing the canary only adds transactions to it: nobody already on the canary moves back.
    const wider: ServingModels = { ...models, canary: { scorer: canary, percent: 30 } };
    hashes.forEach((hash, i) => {
      if (first[i] === canary.modelVersion) expect(routeTransaction(wider, hash).strategy).toBe("canary");
    });
  });

  it("scores each transaction with its routed version and counts model_predictions_total per strategy", async () => {
    const { scoring, registry, cache } = setup({
      active,
      canary: { scorer: canary, percent: 10 },
      shadows: [],
    });
    const transactions = Array.from({ length: 300 }, (_, i) => tx(i));
    const outcome = await scoring.scoreBatch(transactions);
    await outcome.cacheWrite;
    outcome.results.forEach((result, i) => {
      const hash = transactions[i]?.hash ?? "";
      const version = routingBucket(hash) < 10 ? canary.modelVersion : active.modelVersion;
      expect(result.hash).toBe(hash);
      expect(result.modelVersion).toBe(version);
      expect(result.cached).toBe(false);
    });
    const onCanary = outcome.results.filter((r) => r.modelVersion === canary.modelVersion).length;
    expect(onCanary).toBeGreaterThan(0);
    const first = outcome.results.find((r) => r.modelVersion === canary.modelVersion);
    const firstTx = transactions.find((t) => t.hash === first?.hash);
    if (!firstTx) throw new Error("no transaction routed to the canary");
    expect(
      await cache.get(
        "prediction",
        predictionCacheId(canary.modelVersion, firstTx.hash, contentFingerprint(firstTx)),
      ),
    ).toBeDefined();
    const text = await registry.metrics();
    expect(text).toContain(
      `model_predictions_total{version="${canary.modelVersion}",strategy="canary"} ${onCanary}`,
    );
    expect(text).toContain(
      `model_predictions_total{version="${active.modelVersion}",strategy="active"} ${300 - onCanary}`,
    );
  });

  it("never returns shadow results; scoreShadows gives them for storage with served false", async () => {
    const { scoring, registry } = setup({ active, canary: null, shadows: [shadow] });
    const transactions = [tx(1), tx(2), tx(2)];
    const outcome = await scoring.scoreBatch(transactions);
    expect(outcome.results.every((r) => r.modelVersion === active.modelVersion)).toBe(true);
    expect(scoring.hasShadows()).toBe(true);
    const shadows = await scoring.scoreShadows(transactions);
    expect(shadows.map((s) => s.modelVersion)).toEqual([shadow.modelVersion]);
    const records = shadowRecords(transactions, shadows);
    expect(records).toHaveLength(2);
    expect(
      records.every((r) => r.served === false && r.prediction.modelVersion === shadow.modelVersion),
    ).toBe(true);
    expect(await registry.metrics()).toContain(
      `model_predictions_total{version="${shadow.modelVersion}",strategy="shadow"} 2`,
    );
  });

  it("the pipeline stores served results, then shadow results (served false) without waiting for them", async () => {
    const { scoring, provider } = setup({ active, canary: null, shadows: [] });
    const writes: ScoredTransactionRecord[][] = [];
    const pipeline = createTransactionPipeline({
      scoring,
      recordScored: async (records) => {
        writes.push(records);
        return { transactions: records.length, predictions: records.length, anomalies: 0 };
      },
    });
    await pipeline.process([{ ref: 0, payload: { hash: hashOf(5), value: 1, gas: 21_000, gasPrice: 25 } }]);
    expect(writes).toHaveLength(1);
    provider.set({ active, canary: null, shadows: [shadow] });
    const outcome = await pipeline.process([
      { ref: 0, payload: { hash: hashOf(6), value: 1, gas: 21_000, gasPrice: 25 } },
    ]);
    expect(outcome.scored[0]?.result.modelVersion).toBe(active.modelVersion);
    await expect.poll(() => writes.length).toBe(3);
    expect(writes[1]?.every((r) => r.served !== false)).toBe(true);
    expect(writes[2]?.map((r) => [r.prediction.modelVersion, r.served])).toEqual([
      [shadow.modelVersion, false],
    ]);
  });
});
