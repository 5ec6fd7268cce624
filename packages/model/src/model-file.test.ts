import { describe, expect, it } from "vitest";
import { ModelFileError } from "./errors.ts";
import { describeModel, type ModelFile, parseModelFile, sealModel, serializeModel } from "./model-file.ts";
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

  it("carry a drift reference in format version 2, while format-1 files (no reference) still load", () => {
    expect(model.formatVersion).toBe(2);
    const reference = model.content.driftReference;
    expect(reference?.features.map((feature) => feature.name)).toEqual(model.content.featureNames);
    for (const feature of reference?.features ?? []) {
      expect(feature.binEdges).toHaveLength(9);
      expect(feature.binProportions.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
      expect(feature.sample).toHaveLength(1_000);
      expect(feature.sample).toEqual([...feature.sample].sort((a, b) => a - b));
    }
    // A model written before drift references: the same content without it, sealed as format 1.
    const { driftReference: _, ...oldContent } = clone(model).content;
    const old = sealModel(oldContent);
    expect(old.formatVersion).toBe(1);
    expect(parseModelFile(serializeModel(old))).toEqual(old);
    // The trees do not depend on the reference (it has its own random stream).
    expect(old.content.trees).toEqual(model.content.trees);
  });

  it("refuse an envelope whose format version does not match its content, and a malformed reference", () => {
    const v1WithReference = clone(model);
    v1WithReference.formatVersion = 1;
    expect(errorCode(serializeModel(v1WithReference))).toBe("MODEL_INVALID");
    const { driftReference: _, ...oldContent } = clone(model).content;
    const v2Without = { ...sealModel(oldContent), formatVersion: 2 as const };
    expect(errorCode(serializeModel(v2Without))).toBe("MODEL_INVALID");
    expect(errorCode(serializeModel({ ...clone(model), formatVersion: 3 } as unknown as ModelFile))).toBe(
      "MODEL_INVALID",
    );
    const unsorted = clone(model);
    unsorted.content.driftReference?.features[0]?.sample.reverse();
    expect(errorCode(serializeModel(unsorted))).toBe("MODEL_CHECKSUM_MISMATCH");
    expect(errorCode(serializeModel(sealModel(unsorted.content)))).toBe("MODEL_INVALID");
    const shortEdges = clone(model);
    shortEdges.content.driftReference?.features[1]?.binEdges.pop();
    expect(errorCode(serializeModel(sealModel(shortEdges.content)))).toBe("MODEL_INVALID");
  });

  it("describe themselves for a registry without their trees", () => {
    expect(describeModel(model)).toEqual({
      modelVersion: model.modelVersion,
      checksum: model.checksum.value,
      formatVersion: 2,
      featureSpecVersion: 1,
      createdAt: model.content.createdAt,
      training: model.content.training,
      scoring: {
        threshold: model.content.scoring.threshold,
        scoreQuantiles: model.content.scoring.scoreQuantiles,
        trainingAnomalyRate: model.content.scoring.trainingAnomalyRate,
      },
      hasDriftReference: true,
    });
  });
});
