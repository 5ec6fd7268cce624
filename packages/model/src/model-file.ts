import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { canonicalJson } from "./canonical-json.ts";
import { DRIFT_BIN_COUNT, DriftReferenceSchema } from "./drift/drift-reference.ts";
import { ModelFileError } from "./errors.ts";
import { FEATURE_SPECS } from "./features.ts";
import { compileForest } from "./forest/compiled-forest.ts";

/*
 * A model file is data only: JSON validated by the schemas below, never code, never a path to follow.
 * The checksum is SHA-256 over canonicalJson(content); modelVersion is "if-" + its first 12 hex digits, so
 * two files with the same version have the same trees and calibration.
 */

export const MODEL_FORMAT = "chainwatch.isolation-forest";
/**
 * The format version new files are written in. 2 = content carries `driftReference`; 1 = without it.
 * Readers accept both (docs/decisions/0005-drift-reference-in-model-files.md); the envelope's version
 * must match the content (a v1 file with a reference, or a v2 file without, is MODEL_INVALID).
 */
export const MODEL_FORMAT_VERSION = 2;
export const SUPPORTED_MODEL_FORMAT_VERSIONS: readonly number[] = [1, 2];

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
  /** Training distribution per feature for drift detection; absent in format version 1 files. */
  driftReference: DriftReferenceSchema.optional(),
});

export const ModelFileSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  formatVersion: z.union([z.literal(1), z.literal(2)]),
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

/**
 * Wraps content in the envelope: format, checksum, version. The format version follows the content (2 with
 * a drift reference, 1 without), so resealing a version-1 model's content reproduces its file exactly.
 */
export function sealModel(content: ModelContent): ModelFile {
  const checksum = checksumOf(content);
  return {
    format: MODEL_FORMAT,
    formatVersion: content.driftReference === undefined ? 1 : MODEL_FORMAT_VERSION,
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
  // Spec 1 (transaction features) and spec 2 (spec 1 + context features) are read; a file's feature names
  // must be its spec's exactly, in order: a forest fed shifted columns still gives plausible-looking scores.
  const { featureSpecVersion, featureNames } = model.content;
  const specNames = FEATURE_SPECS[featureSpecVersion];
  if (specNames === undefined) {
    throw new ModelFileError(
      "MODEL_FEATURE_SPEC_MISMATCH",
      `model was trained for feature spec ${featureSpecVersion}, this build reads specs ${Object.keys(FEATURE_SPECS).join(" and ")}`,
    );
  }
  if (featureNames.join(",") !== specNames.join(",")) {
    throw new ModelFileError(
      "MODEL_FEATURE_SPEC_MISMATCH",
      `model's feature names are not those of feature spec ${featureSpecVersion} (${specNames.length} features)`,
    );
  }
  assertConsistent(model);
  return model;
}

function assertConsistent(model: ModelFile): void {
  const { content, formatVersion } = model;
  const { training, trees, featureStats, featureNames, driftReference } = content;
  const problems: string[] = [];
  if ((formatVersion === 1) !== (driftReference === undefined))
    problems.push(`format version ${formatVersion} ${driftReference ? "has" : "lacks"} a drift reference`);
  if (driftReference !== undefined)
    problems.push(...driftReferenceProblems(driftReference, featureNames, training.rows));
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

function driftReferenceProblems(
  reference: NonNullable<ModelContent["driftReference"]>,
  featureNames: readonly string[],
  rows: number,
): string[] {
  const problems: string[] = [];
  if (reference.features.map((feature) => feature.name).join(",") !== featureNames.join(","))
    problems.push("drift reference features do not match featureNames");
  const sampleSize = reference.features[0]?.sample.length ?? 0;
  for (const feature of reference.features) {
    const { name, binEdges, binProportions, sample } = feature;
    if (!isAscending(binEdges)) problems.push(`drift reference ${name}: bin edges not ascending`);
    const total = binProportions.reduce((sum, share) => sum + share, 0);
    if (binProportions.length !== DRIFT_BIN_COUNT || Math.abs(total - 1) > 1e-9)
      problems.push(`drift reference ${name}: bin proportions sum to ${total}`);
    if (!isAscending(sample)) problems.push(`drift reference ${name}: sample not ascending`);
    if (sample.length !== sampleSize || sample.length > rows)
      problems.push(`drift reference ${name}: sample size ${sample.length}`);
  }
  return problems;
}

function isAscending(values: readonly number[]): boolean {
  for (let i = 1; i < values.length; i++) if ((values[i] as number) < (values[i - 1] as number)) return false;
  return true;
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

/** What a registry records about a model without its trees: identity, provenance and calibration. */
export type ModelMetadata = {
  modelVersion: string;
  checksum: string;
  formatVersion: number;
  featureSpecVersion: number;
  createdAt: string;
  training: ModelContent["training"];
  scoring: Pick<ModelContent["scoring"], "threshold" | "scoreQuantiles" | "trainingAnomalyRate">;
  hasDriftReference: boolean;
};

export function describeModel(model: ModelFile): ModelMetadata {
  const { content } = model;
  return {
    modelVersion: model.modelVersion,
    checksum: model.checksum.value,
    formatVersion: model.formatVersion,
    featureSpecVersion: content.featureSpecVersion,
    createdAt: content.createdAt,
    training: { ...content.training },
    scoring: {
      threshold: content.scoring.threshold,
      scoreQuantiles: { ...content.scoring.scoreQuantiles },
      trainingAnomalyRate: content.scoring.trainingAnomalyRate,
    },
    hasDriftReference: content.driftReference !== undefined,
  };
}
