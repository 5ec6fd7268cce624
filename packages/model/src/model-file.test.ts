import { describe, expect, it } from "vitest";
import { ModelFileError } from "./errors.ts";
import { type ModelFile, parseModelFile, sealModel, serializeModel } from "./model-file.ts";
import { generateSyntheticTraffic } from "./synthetic-traffic.ts";
import { trainModel } from "./train-model.ts";

const traffic = generateSyntheticTraffic({ count: 2_000, seed: 5 }).transactions;
const train = (seed = 42) => trainModel(traffic, { seed, nEstimators: 20, contamination: 0.02 });
const model = train();

function errorCode(json: string): string {
  try {
    parseModelFile(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFileError);
    return (error as ModelFileError).code;
  }
  throw new Error("expected parseModelFile to throw");
}

const clone = (file: ModelFile): ModelFile => JSON.parse(JSON.stringify(file)) as ModelFile;

describe("model files", () => {
  it("are byte-identical when trained twice with the same data and seed", () => {
    expect(serializeModel(train())).toBe(serializeModel(model));
    expect(train(43).modelVersion).not.toBe(model.modelVersion);
  });

  it("record training metadata and a checksum-derived version", () => {
    expect(model.modelVersion).toBe(`if-${model.checksum.value.slice(0, 12)}`);
    expect(model.content.training).toMatchObject({
      rows: 2_000,
      seed: 42,
      nEstimators: 20,
      sampleSize: 256,
      maxDepth: 8,
    });
    // createdAt comes from the data (latest timestamp), not the clock.
    const latest = Math.max(...traffic.map((tx) => tx.timestamp ?? 0));
    expect(model.content.createdAt).toBe(new Date(latest * 1000).toISOString());
    expect(
      trainModel(traffic, { seed: 1, nEstimators: 2, createdAt: "2025-01-02T00:00:00Z" }).content.createdAt,
    ).toBe("2025-01-02T00:00:00.000Z");
  });

  it("round-trip through serialise and parse", () => {
    const parsed = parseModelFile(serializeModel(model));
    expect(parsed).toEqual(model);
    expect(serializeModel(parsed)).toBe(serializeModel(model));
  });

  it("detect tampering", () => {
    const tampered = clone(model);
    tampered.content.scoring.threshold = 0.99;
    expect(errorCode(serializeModel(tampered))).toBe("MODEL_CHECKSUM_MISMATCH");
    const renamed = clone(model);
    renamed.modelVersion = "if-000000000000";
    expect(errorCode(serializeModel(renamed))).toBe("MODEL_CHECKSUM_MISMATCH");
  });

  it("refuse another feature spec even with a valid checksum", () => {
    const other = clone(model);
    other.content.featureSpecVersion = 2;
    expect(errorCode(serializeModel(sealModel(other.content)))).toBe("MODEL_FEATURE_SPEC_MISMATCH");
    const reordered = clone(model);
    reordered.content.featureNames.reverse();
    expect(errorCode(serializeModel(sealModel(reordered.content)))).toBe("MODEL_FEATURE_SPEC_MISMATCH");
  });

  it("refuse bad JSON, bad shapes and malformed trees", () => {
    expect(errorCode("{not json")).toBe("MODEL_INVALID");
    expect(errorCode(JSON.stringify({ format: "pickle" }))).toBe("MODEL_INVALID");
    const extra = clone(model) as ModelFile & { code?: string };
    extra.code = "process.exit()";
    expect(errorCode(serializeModel(extra))).toBe("MODEL_INVALID");
    const cyclic = clone(model);
    const tree = cyclic.content.trees[0];
    if (tree === undefined) throw new Error("no tree");
    tree.left[0] = 0;
    expect(errorCode(serializeModel(sealModel(cyclic.content)))).toBe("MODEL_INVALID");
  });
});
