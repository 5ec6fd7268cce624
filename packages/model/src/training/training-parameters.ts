import { z } from "zod";
import type { TrainOptions } from "../train-model.ts";

/**
 * Training parameters as the trainer CLI and the HTTP API take them, with the same defaults: the CLI's
 * flags (--seed, --trees, --sample-size, --contamination) and an API body validated by this schema map to
 * the same TrainOptions, so identical inputs give identical model files whichever door they came in by.
 */
export const DEFAULT_TRAINING_PARAMETERS = Object.freeze({
  seed: 42,
  trees: 100,
  sampleSize: "auto",
  contamination: "auto",
} as const);

/** Upper bound on trees through the API: each tree is ~10 KB of model file at ψ = 256. */
export const MAX_TREES = 10_000;

export const TrainingParametersSchema = z.strictObject({
  /** uint32 PRNG seed. */
  seed: z.number().int().min(0).max(0xffffffff).default(DEFAULT_TRAINING_PARAMETERS.seed),
  /** Number of trees (scikit-learn n_estimators). */
  trees: z.number().int().min(1).max(MAX_TREES).default(DEFAULT_TRAINING_PARAMETERS.trees),
  /** Rows per tree: "auto" = min(256, rows), or a count (capped at rows). */
  sampleSize: z
    .union([z.literal("auto"), z.number().int().min(1)])
    .default(DEFAULT_TRAINING_PARAMETERS.sampleSize),
  /** "auto" (threshold 0.5) or the expected anomaly fraction in (0, 0.5]. */
  contamination: z
    .union([z.literal("auto"), z.number().gt(0).max(0.5)])
    .default(DEFAULT_TRAINING_PARAMETERS.contamination),
});

export type TrainingParameters = z.infer<typeof TrainingParametersSchema>;

export function trainOptionsFrom(parameters: TrainingParameters): TrainOptions {
  return {
    seed: parameters.seed,
    nEstimators: parameters.trees,
    maxSamples: parameters.sampleSize,
    contamination: parameters.contamination,
  };
}
