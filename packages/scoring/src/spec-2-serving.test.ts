import { createCache, createMemoryStore } from "@chainwatch/cache";
import {
  type AddressStateStore,
  type ContextScorer,
  createContextScorer,
  createMemoryStateStore,
  streamSpec2Rows,
  trainSpec2Model,
} from "@chainwatch/context";
import {
  CONTEXT_FEATURE_NAMES,
  createScorer,
  FEATURE_NAMES,
  generateSyntheticTraffic,
  loadDefaultModel,
  type NormalizedTransaction,
  type Prediction,
  type Scorer,
  SPEC_2_FEATURE_COUNT,
} from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { type ServingModels, staticModelProvider } from "./model-provider.ts";
import { newlyScoredRecords } from "./scored-record.ts";
import { createScoringService } from "./scoring-service.ts";

const stream = generateSyntheticTraffic({ count: 400, seed: 5, addresses: 40 }).transactions;
const last = stream[stream.length - 1] as NormalizedTransaction;
const hash = (i: number) => `0x${(0xbeef0000 + i).toString(16).padStart(64, "0")}`;
const address = (i: number) => `0x${(0xfeed0000 + i).toString(16).padStart(40, "0")}`;

/** A sender from the stream paying 25 never-seen recipients within 25 seconds, each payment ordinary. */
const burst: NormalizedTransaction[] = Array.from({ length: 25 }, (_, i) => ({
  ...(stream[0] as NormalizedTransaction),
  hash: hash(i),
  from: (stream[0] as NormalizedTransaction).from,
  to: address(i),
  timestamp: (last.timestamp ?? 0) + 1 + i,
}));

function service(models: ServingModels | Scorer, context: ContextScorer | undefined) {
  return createScoringService({
    models:
      "active" in models
        ? { current: () => models.active, serving: () => models }
        : staticModelProvider(models),
    cache: createCache({ store: createMemoryStore(), logger: createLogger({ name: "t", level: "silent" }) }),
    ...(context ? { context } : {}),
  });
}

const memoryContext = () => createContextScorer({ store: createMemoryStateStore() });
const failingStore: AddressStateStore = {
  kind: "memory",
  observe: async () => {
    throw new Error("down");
  },
  peek: async () => null,
  openIncidents: async () => [],
  roundTrips: () => 0,
  evictions: () => 0,
};

async function inBatches(
  scoring: ReturnType<typeof service>,
  txs: readonly NormalizedTransaction[],
  size = 50,
) {
  const outcomes = [];
  for (let start = 0; start < txs.length; start += size)
    outcomes.push(await scoring.scoreBatch(txs.slice(start, start + size)));
  return outcomes;
}

describe("serving a spec-2 model", () => {
  let spec2: Scorer;
  beforeAll(async () => {
    // a tiny model: a few hundred rows of the stream, through the trainer
    const { model } = await trainSpec2Model(stream, { seed: 2, nEstimators: 100, contamination: 0.02 });
    spec2 = createScorer(model);
  });

  it("scores with the transaction's context and explains by context features", async () => {
    const scoring = service(spec2, memoryContext());
    await inBatches(scoring, stream);
    const outcome = await scoring.scoreBatch(burst);
    const result = outcome.results[burst.length - 1];
    expect(result?.modelVersion).toBe(spec2.modelVersion);
    // in the top 5 % of its training traffic, for its context: the transaction itself is ordinary
    expect(spec2.tailProbability(result?.anomalyScore ?? 0)).toBeLessThan(0.05);
    const contextual = result?.explanation.filter((entry) => entry.feature.startsWith("ctx_")) ?? [];
    expect(contextual.length).toBeGreaterThan(0);
    for (const entry of contextual) expect(entry.reason).toMatch(/^(sender|recipient|value|no previous)/);
    expect(result?.reasons.find((reason) => reason.code === "model_outlier")?.message).toContain(
      result?.explanation[0]?.reason,
    );
    // served on the very row the trainer builds for it
    const rows = [];
    for await (const row of streamSpec2Rows([...stream, ...burst]).rows) rows.push(row.values);
    const row = rows[rows.length - 1] as Float64Array;
    expect(spec2.scoreFeatures(row, 1)[0]).toMatchObject({
      anomalyScore: result?.anomalyScore,
      explanation: result?.explanation,
    });
    const [record] = newlyScoredRecords(burst.slice(-1), {
      results: outcome.results.slice(-1),
      fingerprints: outcome.fingerprints.slice(-1),
      features: outcome.features,
    });
    expect(Object.keys(record?.features ?? {})).toHaveLength(SPEC_2_FEATURE_COUNT);
  });

  it("without context scores at the training medians, says so, and stores spec 1 only", async () => {
    const direct = spec2.scoreTransactions(burst);
    for (const context of [createContextScorer({ store: failingStore }), undefined]) {
      const outcome = await service(spec2, context).scoreBatch(burst);
      outcome.results.forEach((result, index) => {
        expect(result.anomalyScore).toBe(direct[index]?.anomalyScore);
        expect(result.explanation).toEqual(direct[index]?.explanation);
        const unavailable = result.reasons.filter((reason) => reason.code === "context_unavailable");
        expect(unavailable).toHaveLength(1);
        expect(unavailable[0]?.message).toContain("training medians");
      });
      for (const values of outcome.features.values()) expect(Object.keys(values)).toEqual(FEATURE_NAMES);
    }
  });

  it("scores a spec-2 shadow with the context the served (spec-1) result saw", async () => {
    const scoring = service({ active: loadDefaultModel(), canary: null, shadows: [spec2] }, memoryContext());
    const alone = service(spec2, memoryContext());
    const txs = [...stream.slice(0, 120), ...burst];
    for (let start = 0; start < txs.length; start += 40) {
      const batch = txs.slice(start, start + 40);
      const outcome = await scoring.scoreBatch(batch);
      const [shadow] = await scoring.scoreShadows(batch, outcome.contexts);
      const reference = await alone.scoreBatch(batch);
      expect(shadow?.results.map((result) => result.anomalyScore)).toEqual(
        reference.results.map((result) => result.anomalyScore),
      );
      for (const [fingerprint, values] of shadow?.features ?? []) {
        expect(values).toEqual(reference.features.get(fingerprint));
        expect(Object.keys(values)).toEqual([...FEATURE_NAMES, ...CONTEXT_FEATURE_NAMES]);
      }
    }
  });
});

describe("serving a spec-1 model", () => {
  it("gives exactly what the scorer gives for the transactions alone, with or without context", async () => {
    const scorer = loadDefaultModel();
    for (const context of [memoryContext(), createContextScorer({ store: failingStore }), undefined]) {
      const outcomes = await inBatches(service(scorer, context), [...stream, ...burst], 37);
      const results = outcomes.flatMap((outcome) => outcome.results);
      // the model's own fields; isAnomaly is the combined verdict's
      const modelFields = (prediction: Omit<Prediction, "isAnomaly">) => ({
        anomalyScore: prediction.anomalyScore,
        severity: prediction.severity,
        confidence: prediction.confidence,
        explanation: prediction.explanation,
      });
      const direct = scorer.scoreTransactions([...stream, ...burst]);
      expect(results.map(modelFields)).toEqual(direct.map(modelFields));
      if (context === undefined)
        for (const result of results)
          expect(result.reasons.map((reason) => reason.code)).not.toContain("context_unavailable");
    }
  });
});
