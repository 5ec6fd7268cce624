import { describe, expect, it } from "vitest";
import { ModelFileError, TrainingError } from "./errors.ts";
import {
  CONTEXT_FEATURE_NAMES,
  describeFeature,
  extractFeatureMatrix,
  FEATURE_COUNT,
  FEATURE_NAMES,
  featurePhrase,
  SPEC_2_FEATURE_COUNT,
  SPEC_2_FEATURE_NAMES,
  usesContextFeatures,
} from "./features.ts";
import { createRandom } from "./forest/prng.ts";
import { type ModelFile, parseModelFile, sealModel, serializeModel } from "./model-file.ts";
import { createScorer } from "./scorer.ts";
import { generateSyntheticTraffic } from "./synthetic-traffic.ts";
import { trainModel } from "./train-model.ts";
import { trainModelFromFeatureRows } from "./training/train-from-rows.ts";
import { trainSpec2FromStoredFeatures } from "./training/train-from-stored-features.ts";

const ctx = (name: string) => SPEC_2_FEATURE_NAMES.indexOf(name);
const log10p = (x: number) => Math.log10(1 + x);

/**
 * Spec-2 rows without @chainwatch/context (the model package must not depend on it): spec 1 from
 * synthetic traffic, context columns drawn around an established sender's values.
 */
function spec2Rows(count: number, seed: number): Float64Array {
  const txs = generateSyntheticTraffic({ count, seed }).transactions;
  const spec1 = extractFeatureMatrix(txs).data;
  const random = createRandom(seed);
  const data = new Float64Array(count * SPEC_2_FEATURE_COUNT);
  for (let row = 0; row < count; row++) {
    const out = row * SPEC_2_FEATURE_COUNT;
    data.set(spec1.subarray(row * FEATURE_COUNT, (row + 1) * FEATURE_COUNT), out);
    const known = random.next() < 0.9;
    const z = (random.next() + random.next() + random.next() - 1.5) * 1.5;
    const context = [
      known ? 1 : 0,
      known ? 5 + 2 * random.next() : 0,
      known ? 2 + 2 * random.next() : 9,
      known ? 0.5 + 2 * random.next() : 0,
      -0.5 + random.next() * 0.6,
      z,
      random.next() < 0.3 ? 1 : 0,
      random.next() < 0.95 ? 1 : 0,
      5 + 2 * random.next(),
      0.5 + 2 * random.next(),
      -1 + random.next(),
      -1 + random.next(),
      known ? 0 : z,
    ];
    data.set(context, out + FEATURE_COUNT);
  }
  return data;
}

const ROWS = 1_500;
const matrix = { data: spec2Rows(ROWS, 7), rows: ROWS, cols: SPEC_2_FEATURE_COUNT };
const options = { seed: 5, nEstimators: 30, contamination: 0.02 as const, createdAt: "2025-01-01T00:00:00Z" };
const model = trainModel(matrix, options);
const clone = (file: ModelFile): ModelFile => JSON.parse(JSON.stringify(file)) as ModelFile;

function errorCode(file: ModelFile): string {
  try {
    parseModelFile(serializeModel(file));
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFileError);
    return (error as ModelFileError).code;
  }
  throw new Error("expected parseModelFile to throw");
}

describe("feature spec 2 definitions", () => {
  it("define every context feature after spec 1, under the names the context package writes", () => {
    expect(SPEC_2_FEATURE_NAMES.slice(0, FEATURE_COUNT)).toEqual(FEATURE_NAMES);
    expect(SPEC_2_FEATURE_NAMES.slice(FEATURE_COUNT)).toEqual(CONTEXT_FEATURE_NAMES);
    expect(SPEC_2_FEATURE_COUNT).toBe(22);
    SPEC_2_FEATURE_NAMES.forEach((name, index) => {
      expect(describeFeature(index).name).toBe(name);
      expect(describeFeature(index).description.length).toBeGreaterThan(10);
    });
    expect(() => describeFeature(SPEC_2_FEATURE_COUNT)).toThrow(RangeError);
    expect([1, "1", 2, "2"].map(usesContextFeatures)).toEqual([false, false, true, true]);
  });

  it("render context values as people read them", () => {
    expect(featurePhrase(ctx("ctx_sender_age_log10_s"), log10p(180))).toBe("sender first seen 3 min ago");
    expect(featurePhrase(ctx("ctx_sender_age_log10_s"), 0)).toBe("sender first seen just now");
    expect(featurePhrase(ctx("ctx_recipient_age_log10_s"), log10p(3 * 86_400))).toBe(
      "recipient first seen 3 days ago",
    );
    expect(featurePhrase(ctx("ctx_value_z"), 6.1)).toBe("value 6.1 sd above this sender's usual");
    expect(featurePhrase(ctx("ctx_value_z"), -2)).toBe("value 2 sd below this sender's usual");
    expect(featurePhrase(ctx("ctx_new_sender_value_z"), 4.25)).toBe(
      "value 4.25 sd above what new senders move",
    );
    expect(featurePhrase(ctx("ctx_sender_gap_log10_s"), 9)).toBe("no previous transaction from this sender");
    expect(featurePhrase(ctx("ctx_sender_gap_log10_s"), log10p(40))).toBe(
      "sender's previous transaction 40 s earlier",
    );
    expect(featurePhrase(ctx("ctx_sender_out_count_log10"), log10p(1))).toBe("sender had sent 1 transaction");
    expect(featurePhrase(ctx("ctx_recipient_in_count_log10"), log10p(12))).toBe(
      "recipient had received 12 transactions",
    );
    expect(featurePhrase(ctx("ctx_burst_log_ratio"), Math.log10(8.3))).toBe(
      "sender's activity in the last ~10 min 8.3× expected",
    );
    expect(featurePhrase(ctx("ctx_sender_known"), 0)).toBe("sender's first transaction");
    expect(featurePhrase(ctx("ctx_recipient_new_for_sender"), 1)).toBe(
      "sender never paid this recipient before",
    );
    // spec 1 phrases are unchanged: label then value, flags by their display
    expect(featurePhrase(2, Math.log10(2e10 + 1))).toBe("gas price 20 gwei");
    expect(featurePhrase(6, 1)).toBe("calls a function");
  });
});

describe("spec-2 model files", () => {
  it("train from a 22-column matrix, record spec 2 and its names, and load", () => {
    expect(model.content.featureSpecVersion).toBe(2);
    expect(model.content.featureNames).toEqual(SPEC_2_FEATURE_NAMES);
    expect(model.content.featureStats.map((feature) => feature.name)).toEqual(SPEC_2_FEATURE_NAMES);
    expect(model.content.driftReference?.features).toHaveLength(22);
    const parsed = parseModelFile(serializeModel(model));
    expect(serializeModel(parsed)).toBe(serializeModel(model));
    expect(serializeModel(trainModel(matrix, options))).toBe(serializeModel(model));
  });

  it("are refused when the names do not match the spec, or the spec is unknown", () => {
    const spec1Names = clone(model);
    spec1Names.content.featureNames = [...FEATURE_NAMES, ...CONTEXT_FEATURE_NAMES.map((name) => `${name}_x`)];
    expect(errorCode(sealModel(spec1Names.content))).toBe("MODEL_FEATURE_SPEC_MISMATCH");
    const reordered = clone(model);
    reordered.content.featureNames.reverse();
    expect(errorCode(sealModel(reordered.content))).toBe("MODEL_FEATURE_SPEC_MISMATCH");
    const spec3 = clone(model);
    spec3.content.featureSpecVersion = 3;
    expect(errorCode(sealModel(spec3.content))).toBe("MODEL_FEATURE_SPEC_MISMATCH");
    const claimsSpec1 = clone(model);
    claimsSpec1.content.featureSpecVersion = 1;
    expect(errorCode(sealModel(claimsSpec1.content))).toBe("MODEL_FEATURE_SPEC_MISMATCH");
  });

  it("refuse a matrix whose width is no spec's", () => {
    expect(() => trainModel({ data: new Float64Array(100), rows: 10, cols: 10 }, options)).toThrow(
      /9 \(spec 1\) or 22 \(spec 2\) feature columns, got 10/,
    );
  });
});

describe("a spec-2 scorer", () => {
  const scorer = createScorer(model);

  it("explains over 22 columns, naming context features in sentences", () => {
    expect(scorer.featureNames).toEqual(SPEC_2_FEATURE_NAMES);
    // The most typical training row, made extreme on two context features.
    const scores = scorer.scoreBatch(matrix.data, ROWS);
    const typical = scores.indexOf(Math.min(...scores));
    const row = matrix.data.slice(typical * SPEC_2_FEATURE_COUNT, (typical + 1) * SPEC_2_FEATURE_COUNT);
    row[ctx("ctx_value_z")] = 9;
    row[ctx("ctx_burst_log_ratio")] = 2;
    const [prediction] = scorer.scoreFeatures(row, 1);
    if (prediction === undefined) throw new Error("no prediction");
    expect(prediction.explanation).toHaveLength(3);
    const byName = new Map(prediction.explanation.map((entry) => [entry.feature, entry]));
    expect(byName.get("ctx_value_z")?.reason).toMatch(
      /^value 9 sd above this sender's usual, above the 99th percentile of training traffic \([\d.]+ sd above this sender's usual\)$/,
    );
    expect(byName.get("ctx_burst_log_ratio")?.reason).toMatch(
      /^sender's activity in the last ~10 min 100× expected, above the 99th percentile/,
    );
    expect(prediction.anomalyScore).toBeGreaterThan((scores[typical] as number) + 0.05);
  });

  it("scores transactions alone with its context columns at their training medians", () => {
    const txs = generateSyntheticTraffic({ count: 20, seed: 3 }).transactions;
    const medians = model.content.featureStats.map((feature) => feature.p50);
    expect(scorer.featureMedians).toEqual(medians);
    const spec1 = extractFeatureMatrix(txs).data;
    const rows = new Float64Array(txs.length * SPEC_2_FEATURE_COUNT);
    txs.forEach((_, row) => {
      rows.set(spec1.subarray(row * FEATURE_COUNT, (row + 1) * FEATURE_COUNT), row * SPEC_2_FEATURE_COUNT);
      rows.set(medians.slice(FEATURE_COUNT), row * SPEC_2_FEATURE_COUNT + FEATURE_COUNT);
    });
    expect(scorer.scoreTransactions(txs)).toEqual(scorer.scoreFeatures(rows, txs.length));
  });
});

describe("training spec-2 rows", () => {
  const featureRows = Array.from({ length: ROWS }, (_, row) => ({
    values: matrix.data.subarray(row * SPEC_2_FEATURE_COUNT, (row + 1) * SPEC_2_FEATURE_COUNT),
    timestamp: null,
  }));
  const codeOf = async (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => (error instanceof TrainingError ? error.code : String(error)),
    );

  it("streamed as feature rows gives the bytes of trainModel on the matrix", async () => {
    const { model: streamed, rows } = await trainModelFromFeatureRows(featureRows, {
      ...options,
      featureSpecVersion: 2,
    });
    expect(rows).toBe(ROWS);
    expect(serializeModel(streamed)).toBe(serializeModel(model));
  });

  it("refuses rows of the wrong width or with non-finite values", async () => {
    const narrow = [{ values: new Float64Array(FEATURE_COUNT), timestamp: null }];
    expect(await codeOf(trainModelFromFeatureRows(narrow, { featureSpecVersion: 2 }))).toBe(
      "TRAINING_BAD_ROW",
    );
    const nan = [
      { values: Float64Array.from(featureRows[0]?.values ?? []).fill(Number.NaN, 12, 13), timestamp: 1 },
    ];
    expect(await codeOf(trainModelFromFeatureRows(nan, { featureSpecVersion: 2 }))).toBe("TRAINING_BAD_ROW");
    await expect(trainModelFromFeatureRows(featureRows, { featureSpecVersion: 7 })).rejects.toThrow(
      RangeError,
    );
  });

  it("from stored feature vectors: skips and counts records without context, trains on the rest", async () => {
    const record = (values: ArrayLike<number>, names: readonly string[]) =>
      Object.fromEntries(names.map((name, index) => [name, values[index] as number]));
    const stored: Record<string, number>[] = [];
    featureRows.forEach((row, index) => {
      stored.push(record(row.values, SPEC_2_FEATURE_NAMES));
      // scored while the address state was unavailable: spec 1 only
      if (index % 100 === 0) stored.push(record(row.values, FEATURE_NAMES));
    });
    stored.push(
      { value_log10_wei: 1 },
      { ...record(featureRows[0]?.values ?? [], SPEC_2_FEATURE_NAMES), ctx_value_z: Number.NaN },
    );
    const result = await trainSpec2FromStoredFeatures(stored, options);
    expect(result).toMatchObject({ rows: ROWS, skippedWithoutContext: ROWS / 100, skippedInvalid: 2 });
    expect(serializeModel(result.model)).toBe(serializeModel(model));
    const { createdAt: _, ...withoutDate } = options;
    expect(
      (await trainSpec2FromStoredFeatures(stored.slice(0, 300), withoutDate)).model.content.createdAt,
    ).toBe("1970-01-01T00:00:00.000Z");
    expect(
      await codeOf(trainSpec2FromStoredFeatures([record(featureRows[0]?.values ?? [], FEATURE_NAMES)])),
    ).toBe("TRAINING_NO_ROWS");
  });
});
