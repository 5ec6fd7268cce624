import { TrainingError } from "../errors.ts";
import { CONTEXT_FEATURE_NAMES, FEATURE_NAMES, SPEC_2_FEATURE_NAMES } from "../features.ts";
import {
  type FeatureRow,
  type TrainFromRowsOptions,
  type TrainFromRowsResult,
  trainModelFromFeatureRows,
} from "./train-from-rows.ts";

export type StoredFeaturesTrainingResult = TrainFromRowsResult & {
  /** Records without the context features: scored while address context was unavailable (or disabled). */
  skippedWithoutContext: number;
  /** Records missing a spec-1 feature, or with a non-finite value: not what the scoring service stores. */
  skippedInvalid: number;
};

/**
 * Trains a spec-2 model from the feature vectors stored with predictions (`predictions.features`, by
 * name): exactly what was served, so the model learns the traffic it will score. A record scored without
 * address context has no ctx_* keys; it is skipped and counted rather than imputed, since training on
 * stand-in values would teach the model that they are normal. The records carry no timestamp: pass
 * `createdAt` (e.g. the end of the window read); without it the model records the epoch (never the
 * clock, so the same records give the same bytes). Row order matters as for trainModelFromRows.
 */
export async function trainSpec2FromStoredFeatures(
  rows: AsyncIterable<Record<string, number>> | Iterable<Record<string, number>>,
  options: TrainFromRowsOptions = {},
): Promise<StoredFeaturesTrainingResult> {
  let skippedWithoutContext = 0;
  let skippedInvalid = 0;
  async function* complete(): AsyncGenerator<FeatureRow> {
    for await (const record of rows) {
      const values = SPEC_2_FEATURE_NAMES.map((name) => record[name]);
      if (CONTEXT_FEATURE_NAMES.some((name) => record[name] === undefined)) {
        // A record that has no spec-1 features either is malformed, not merely without context.
        if (FEATURE_NAMES.some((name) => record[name] === undefined)) skippedInvalid++;
        else skippedWithoutContext++;
        continue;
      }
      if (!values.every((value) => typeof value === "number" && Number.isFinite(value))) {
        skippedInvalid++;
        continue;
      }
      yield { values: values as number[], timestamp: null };
    }
  }
  try {
    const result = await trainModelFromFeatureRows(complete(), {
      ...options,
      featureSpecVersion: 2,
      createdAt: options.createdAt ?? new Date(0),
    });
    return { ...result, skippedWithoutContext, skippedInvalid };
  } catch (error) {
    if (error instanceof TrainingError && error.code === "TRAINING_NO_ROWS")
      throw new TrainingError(
        "TRAINING_NO_ROWS",
        `no stored feature vector with context features (${skippedWithoutContext} without context, ${skippedInvalid} invalid)`,
        { cause: error },
      );
    throw error;
  }
}
