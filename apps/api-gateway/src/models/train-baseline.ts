import { describeModel, serializeModel, trainSpec2FromStoredFeatures } from "@chainwatch/model";
import type { TrainedBaseline } from "./auto-baseline.ts";

/**
 * A spec-2 baseline from served feature vectors (newest first as read; the order only matters through the
 * seeded subsampling). The same rows give the same model, byte for byte: the file's createdAt is left at
 * its deterministic default (the clock would make every training a new version), and when it was trained
 * is the registry's created_at and `trainedAt` in its metadata. Runs on this thread (20–30 k rows of 22
 * features: 1–2.3 s in the detection benchmark), at most once per retraining interval.
 */
export async function trainBaselineFromServed(rows: Record<string, number>[]): Promise<TrainedBaseline> {
  const result = await trainSpec2FromStoredFeatures(rows, { seed: 42 });
  return {
    modelVersion: result.model.modelVersion,
    checksum: result.model.checksum.value,
    featureSpecVersion: result.model.content.featureSpecVersion,
    modelJson: serializeModel(result.model),
    metadata: {
      ...(describeModel(result.model) as unknown as Record<string, unknown>),
      skippedWithoutContext: result.skippedWithoutContext,
      skippedInvalid: result.skippedInvalid,
      trainedAt: new Date().toISOString(),
    },
    rows: result.rows,
  };
}
