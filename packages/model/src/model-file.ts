import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { canonicalJson } from "./canonical-json.ts";
import { ModelFileError } from "./errors.ts";
import { FEATURE_NAMES, FEATURE_SPEC_VERSION } from "./features.ts";
import { compileForest } from "./forest/compiled-forest.ts";

/*
 * A model file is data only: JSON validated by the schemas below, never code, never a path to follow.
 * The checksum is SHA-256 over canonicalJson(content); modelVersion is "if-" + its first 12 hex digits, so
 * two files with the same version have the same trees and calibration.
 */

export const MODEL_FORMAT = "chainwatch.isolation-forest";
export const MODEL_FORMAT_VERSION = 1;

const Integer = z.number().int();

export const TreeArraysSchema = z.strictObject({
  feature: z.array(Integer.min(-1)),
  threshold: z.array(z.number()),
  left: z.array(Integer.min(-1)),
  right: z.array(Integer.min(-1)),
  nodeSize: z.array(Integer.min(1)),
});

const ScoreQuantilesSchema = z.strictObject({
  min: z.number(),
  p01: z.number(),
  p05: z.number(),
  p25: z.number(),
  p50: z.number(),
  p75: z.number(),
  p95: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
});

export const ModelContentSchema = z.strictObject({
  featureSpecVersion: Integer,
  featureNames: z.array(z.string()),
  createdAt: z.iso.datetime(),
  training: z.strictObject({
    rows: Integer.min(1),
    seed: Integer.min(0),
    nEstimators: Integer.min(1),
    maxSamples: z.union([z.literal("auto"), Integer.min(1)]),
    sampleSize: Integer.min(1),
    maxDepth: Integer.min(1),
    contamination: z.union([z.literal("auto"), z.number().gt(0).max(0.5)]),
    source: z.string().nullable(),
  }),
  scoring: z.strictObject({
    /** c(sampleSize): mean path length that maps to score 0.5. */
    normalizer: z.number().min(0),
    threshold: z.number().min(0).max(1),
    severityBands: z.strictObject({ medium: z.number(), high: z.number(), critical: z.number() }),
    /** Robust standard deviation of training scores (IQR / 1.349), the unit of confidence. */
    scoreSpread: z.number().positive(),
    scoreQuantiles: ScoreQuantilesSchema,
    trainingAnomalyRate: z.number().min(0).max(1),
  }),
  featureStats: z.array(
    z.strictObject({ name: z.string(), p01: z.number(), p50: z.number(), p99: z.number() }),
  ),
  trees: z.array(TreeArraysSchema).min(1),
});

export const ModelFileSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.literal(MODEL_FORMAT_VERSION),
  modelVersion: z.string(),
  checksum: z.strictObject({ algorithm: z.literal("sha256"), value: z.string().regex(/^[0-9a-f]{64}$/) }),
  content: ModelContentSchema,
});

export type ModelContent = z.infer<typeof ModelContentSchema>;
export type ModelFile = z.infer<typeof ModelFileSchema>;

export function checksumOf(content: ModelContent): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

export function modelVersionOf(checksum: string): string {
  return `if-${checksum.slice(0, 12)}`;
}

/** Wraps content in the envelope: format, checksum, version. */
export function sealModel(content: ModelContent): ModelFile {
  const checksum = checksumOf(content);
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    modelVersion: modelVersionOf(checksum),
    checksum: { algorithm: "sha256", value: checksum },
    content,
  };
}

/** Canonical JSON plus a trailing newline: the same model always serialises to the same bytes. */
export function serializeModel(model: ModelFile): string {
  return `${canonicalJson(model)}\n`;
}

/**
 * Parses and verifies a model file. Order matters for the error a caller sees: malformed JSON or shape
 * (MODEL_INVALID), then content not matching its checksum (MODEL_CHECKSUM_MISMATCH), then a model built
 * for another feature spec (MODEL_FEATURE_SPEC_MISMATCH), then tree structure (MODEL_INVALID).
 */
export function parseModelFile(json: string): ModelFile {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new ModelFileError("MODEL_INVALID", "model file is not valid JSON", { cause });
  }
  const parsed = ModelFileSchema.safeParse(raw);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new ModelFileError("MODEL_INVALID", `model file has an invalid shape: ${where}`, {
      cause: parsed.error,
    });
  }
  const model = parsed.data;
  const actual = checksumOf(model.content);
  if (actual !== model.checksum.value || model.modelVersion !== modelVersionOf(actual)) {
    throw new ModelFileError(
      "MODEL_CHECKSUM_MISMATCH",
      `model content does not match its checksum (recorded ${model.checksum.value.slice(0, 12)}, actual ${actual.slice(0, 12)}) or version ${model.modelVersion}`,
    );
  }
  const { featureSpecVersion, featureNames } = model.content;
  if (featureSpecVersion !== FEATURE_SPEC_VERSION || featureNames.join(",") !== FEATURE_NAMES.join(",")) {
    throw new ModelFileError(
      "MODEL_FEATURE_SPEC_MISMATCH",
      `model was trained for feature spec ${featureSpecVersion}, this build extracts spec ${FEATURE_SPEC_VERSION}`,
    );
  }
  assertConsistent(model.content);
  return model;
}

function assertConsistent(content: ModelContent): void {
  const { training, trees, featureStats, featureNames } = content;
  const problems: string[] = [];
  if (trees.length !== training.nEstimators)
    problems.push(`${trees.length} trees, nEstimators ${training.nEstimators}`);
  if (featureStats.length !== featureNames.length) problems.push("featureStats do not match featureNames");
  if (trees.some((tree) => tree.nodeSize[0] !== training.sampleSize))
    problems.push("root size is not sampleSize");
  if (problems.length > 0)
    throw new ModelFileError("MODEL_INVALID", `model file is inconsistent: ${problems.join("; ")}`);
  try {
    compileForest(trees, featureNames.length, training.sampleSize);
  } catch (cause) {
    throw new ModelFileError("MODEL_INVALID", `model trees are malformed: ${(cause as Error).message}`, {
      cause,
    });
  }
}

export function readModelFile(path: string | URL): ModelFile {
  let json: string;
  try {
    json = readFileSync(path, "utf8");
  } catch (cause) {
    throw new ModelFileError("MODEL_INVALID", `cannot read model file ${String(path)}`, { cause });
  }
  return parseModelFile(json);
}

export function writeModelFile(path: string | URL, model: ModelFile): void {
  writeFileSync(path, serializeModel(model));
}
