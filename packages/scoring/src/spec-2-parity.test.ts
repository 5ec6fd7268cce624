import { createCache, createMemoryStore } from "@chainwatch/cache";
import {
  createContextScorer,
  createMemoryStateStore,
  streamSpec2Rows,
  trainSpec2Model,
} from "@chainwatch/context";
import {
  createScorer,
  generateSyntheticTraffic,
  loadDefaultModel,
  type NormalizedTransaction,
  type Scorer,
  SPEC_2_FEATURE_NAMES,
} from "@chainwatch/model";
import { createLogger } from "@chainwatch/service-kit";
import { beforeAll, describe, expect, it } from "vitest";
import { staticModelProvider } from "./model-provider.ts";
import { createScoringService } from "./scoring-service.ts";

/*
 * Train/serve parity (issue #17 item 3): for one time-ordered stream, the feature vectors the scoring
 * service stores equal, per transaction and exactly, the rows the spec-2 trainer computes, whatever the
 * batching on either side and whichever spec the served model has.
 */

const stream = generateSyntheticTraffic({ count: 700, seed: 77, addresses: 50 }).transactions;

async function served(scorer: Scorer, batchSize: number, txs: readonly NormalizedTransaction[] = stream) {
  const scoring = createScoringService({
    models: staticModelProvider(scorer),
    cache: createCache({ store: createMemoryStore(), logger: createLogger({ name: "t", level: "silent" }) }),
    context: createContextScorer({ store: createMemoryStateStore() }),
  });
  const features: Record<string, number>[] = [];
  const anomalyScores: number[] = [];
  // What the store would hold: one vector per content, recorded when first computed.
  const store = new Map<string, Record<string, number>>();
  for (let start = 0; start < txs.length; start += batchSize) {
    const batch = txs.slice(start, start + batchSize);
    const outcome = await scoring.scoreBatch(batch);
    await outcome.cacheWrite;
    for (const [fingerprint, values] of outcome.features) store.set(fingerprint, values);
    batch.forEach((_, index) => {
      const stored = store.get(outcome.fingerprints[index] as string);
      if (!stored) throw new Error(`no stored features for ${batch[index]?.hash}`);
      features.push(stored);
      anomalyScores.push(outcome.results[index]?.anomalyScore ?? Number.NaN);
    });
  }
  return { features, anomalyScores };
}

async function trainerRows(batchSize: number, txs: readonly NormalizedTransaction[] = stream) {
  const rows: Record<string, number>[] = [];
  for await (const row of streamSpec2Rows(txs, { batchSize }).rows) {
    rows.push(
      Object.fromEntries(SPEC_2_FEATURE_NAMES.map((name, index) => [name, row.values[index] as number])),
    );
  }
  return rows;
}

describe("train/serve parity of spec-2 features", () => {
  let spec2: Scorer;
  beforeAll(async () => {
    spec2 = createScorer((await trainSpec2Model(stream.slice(0, 400), { seed: 1, nEstimators: 25 })).model);
  });

  it("stores, per transaction, exactly the features the trainer computes (spec-1 model served)", async () => {
    const trainer = await trainerRows(100);
    const { features } = await served(loadDefaultModel(), 100);
    expect(features).toHaveLength(stream.length);
    features.forEach((stored, index) => {
      expect(stored).toEqual(trainer[index]);
    });
  });

  it("does not depend on batching: server batches of 7, trainer batches of 100", async () => {
    const trainer = await trainerRows(100);
    for (const scorer of [loadDefaultModel(), spec2]) {
      const { features } = await served(scorer, 7);
      expect(features).toEqual(trainer);
    }
  });

  it("serves a spec-2 model with the very rows it stores and the trainer computes", async () => {
    const trainer = await trainerRows(100);
    const { features, anomalyScores } = await served(spec2, 7);
    expect(features).toEqual(trainer);
    // the scores are the model's on those rows: what was stored is what was scored
    const data = Float64Array.from(
      trainer.flatMap((row) => SPEC_2_FEATURE_NAMES.map((name) => row[name] as number)),
    );
    const direct = spec2.scoreFeatures(data, trainer.length).map((prediction) => prediction.anomalyScore);
    expect(anomalyScores).toEqual(direct);
  });

  it("keeps parity when a transaction repeats (scored and stored once)", async () => {
    const repeated = [...stream.slice(0, 30), stream[3] as NormalizedTransaction, ...stream.slice(30, 60)];
    const trainer = await trainerRows(100, repeated);
    const { features } = await served(spec2, 7, repeated);
    // the repeat is answered from the cache with the first verdict: the same stored vector, one row
    expect(trainer).toHaveLength(60);
    expect([...features.slice(0, 30), ...features.slice(31)]).toEqual(trainer);
    expect(features[30]).toEqual(features[3]);
  });
});
