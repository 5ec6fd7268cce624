import { createCache, createMemoryStore, predictionCacheId } from "@chainwatch/cache";
import { createContextScorer, createMemoryStateStore } from "@chainwatch/context";
import { createMetricsRegistry, createScoringMetrics } from "@chainwatch/metrics";
import {
  contentFingerprint,
  loadDefaultModel,
  type NormalizedTransaction,
  normalizeTransaction,
} from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import { describe, expect, it } from "vitest";
import { staticModelProvider } from "./model-provider.ts";
import { newlyScoredRecords } from "./scored-record.ts";
import { createScoringService } from "./scoring-service.ts";

const tx = (index: number, overrides: Record<string, unknown> = {}): NormalizedTransaction =>
  normalizeTransaction({
    hash: `0x${index.toString(16).padStart(64, "0")}`,
    value: 1 + index,
    gas: 21_000,
    gasPrice: 25,
    ...overrides,
  });

function setup() {
  const scorer = loadDefaultModel();
  const cache = createCache({
    store: createMemoryStore(),
    logger: createLogger({ name: "t", level: "silent" }),
  });
  const registry = createMetricsRegistry({ collectProcessMetrics: false });
  const scoring = createScoringService({
    models: staticModelProvider(scorer),
    cache,
    metrics: createScoringMetrics(registry),
    context: createContextScorer({ store: createMemoryStateStore() }),
  });
  return { scorer, cache, registry, scoring };
}

describe("scoring service", () => {
  it("returns the model's predictions in input order, tagged with the model version", async () => {
    const { scorer, scoring } = setup();
    const transactions = [tx(1), tx(2), tx(3, { value: 500_000, gasPrice: 9_000, gas: 7_900_000 })];
    const outcome = await scoring.scoreBatch(transactions);
    const direct = scorer.scoreTransactions(transactions);
    expect(outcome.results.map((result) => result.hash)).toEqual(transactions.map((t) => t.hash));
    expect(outcome.results.map((result) => result.anomalyScore)).toEqual(direct.map((p) => p.anomalyScore));
    expect(outcome.results.every((result) => result.modelVersion === scorer.modelVersion)).toBe(true);
    expect(outcome).toMatchObject({ computed: 3, fromCache: 0 });
    expect(await outcome.cacheWrite).toBe(true);
  });

  it("serves repeats from the cache under the model version's key and counts only computed work", async () => {
    const { scorer, cache, registry, scoring } = setup();
    await (await scoring.scoreBatch([tx(1), tx(2)])).cacheWrite;
    expect(
      await cache.get(
        "prediction",
        predictionCacheId(scorer.modelVersion, tx(1).hash, contentFingerprint(tx(1))),
      ),
    ).toBeDefined();
    const outcome = await scoring.scoreBatch([tx(2), tx(1), tx(4)]);
    expect(outcome).toMatchObject({ computed: 1, fromCache: 2 });
    expect(outcome.results.map((result) => result.cached)).toEqual([true, true, false]);
    expect(await registry.metrics()).toMatch(/transactions_scored_total 3/);
  });

  it("scores a hash that appears twice in one batch once", async () => {
    const { scoring } = setup();
    const outcome = await scoring.scoreBatch([tx(7), tx(7), tx(8)]);
    expect(outcome).toMatchObject({ computed: 2, fromCache: 0 });
    expect(outcome.results[0]).toEqual(outcome.results[1]);
  });

  it("scores a known hash sent with other content afresh, never with the first content's cached verdict", async () => {
    const { scoring } = setup();
    const benign = tx(11, { value: 0.5 });
    const whale = tx(11, { value: 250_000, gasPrice: 9_000, gas: 7_900_000 });
    const first = await scoring.scoreBatch([benign]);
    await first.cacheWrite;
    expect(first.results[0]).toMatchObject({ hash: benign.hash, isAnomaly: false, cached: false });
    const second = await scoring.scoreBatch([whale]);
    expect(second).toMatchObject({ computed: 1, fromCache: 0 });
    expect(second.results[0]).toMatchObject({
      hash: whale.hash,
      isAnomaly: true,
      severity: "high",
      cached: false,
    });
    await second.cacheWrite;
    // both contents are cached, each under its own key; the benign one is still served for the benign content
    expect((await scoring.scoreBatch([benign])).results[0]).toMatchObject({ isAnomaly: false, cached: true });
    expect((await scoring.scoreBatch([whale])).results[0]).toMatchObject({ isAnomaly: true, cached: true });
  });

  it("scores two contents under one hash in one batch separately, and records each", async () => {
    const { scoring } = setup();
    const benign = tx(12, { value: 0.5 });
    const whale = tx(12, { value: 250_000, gasPrice: 9_000, gas: 7_900_000 });
    const outcome = await scoring.scoreBatch([benign, whale, benign]);
    expect(outcome).toMatchObject({ computed: 2, fromCache: 0 });
    expect(outcome.results.map((result) => result.isAnomaly)).toEqual([false, true, false]);
    const records = newlyScoredRecords([benign, whale, benign], outcome);
    expect(records.map((record) => record.transaction.valueWei)).toEqual([
      500_000_000_000_000_000n,
      250_000_000_000_000_000_000_000n,
    ]);
    expect(records.map((record) => record.contentFingerprint)).toEqual([
      contentFingerprint(benign),
      contentFingerprint(whale),
    ]);
  });

  it("builds store records only for newly computed, distinct results, each with its features and context", async () => {
    const { scoring } = setup();
    const anomalous = tx(9, { value: 500_000, gasPrice: 9_000, gas: 7_900_000 });
    await (await scoring.scoreBatch([tx(1)])).cacheWrite;
    const transactions = [tx(1), anomalous, anomalous];
    const outcome = await scoring.scoreBatch(transactions);
    const records = newlyScoredRecords(transactions, outcome);
    expect(records.map((record) => record.transaction.hash)).toEqual([anomalous.hash]);
    expect(records[0]?.prediction.isAnomaly).toBe(true);
    expect(Object.keys(records[0]?.features ?? {})).toContain("value_log10_wei");
    expect(records[0]?.features?.ctx_sender_known).toBe(0);
    expect(records[0]?.prediction.riskLevel).toBe("critical");
    expect(records[0]?.prediction.reasons?.map((reason) => (reason as { code: string }).code)).toEqual([
      "new_sender_large_value",
      "model_outlier",
    ]);
  });
});

describe("scoring with screening lists", () => {
  const PHISHER = `0x${"f".repeat(40)}`;
  const hitFor = (address: string) =>
    address === PHISHER
      ? [{ listId: "forta-phishing-scams", listKind: "deny" as const, category: "phishing" }]
      : [];
  const screening = {
    screen: (from: string | null, to: string | null) =>
      [
        ...(from ? hitFor(from).map((hit) => ({ ...hit, role: "from" as const, address: from })) : []),
        ...(to ? hitFor(to).map((hit) => ({ ...hit, role: "to" as const, address: to })) : []),
      ].map((hit) => ({ ...hit, chainId: 1, source: "forta", confidence: 1, expiresAt: null })),
  };

  it("flags an ordinary transfer to a deny-listed address, naming the list", async () => {
    const cache = createCache({
      store: createMemoryStore(),
      logger: createLogger({ name: "t", level: "silent" }),
    });
    const scoring = createScoringService({
      models: staticModelProvider(loadDefaultModel()),
      cache,
      context: createContextScorer({ store: createMemoryStateStore() }),
      screening,
    });
    const ordinary = tx(41, { to: `0x${"2".repeat(40)}` });
    const toPhisher = tx(42, { to: PHISHER });
    const { results } = await scoring.scoreBatch([ordinary, toPhisher]);
    expect(results[0]?.isAnomaly).toBe(false);
    expect(results[1]).toMatchObject({ isAnomaly: true, riskLevel: "critical" });
    expect(results[1]?.reasons[0]).toMatchObject({
      kind: "label",
      code: "deny_listed",
      message: "the recipient is on deny list forta-phishing-scams (phishing; source forta)",
    });
  });
});
