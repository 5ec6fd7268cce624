import { describeModel, serializeModel, trainSpec2FromStoredFeatures } from "@chainwatch/model";
import type { TrainedBaseline } from "./auto-baseline.ts";

/**
 * A spec-2 baseline from served feature vectors (newest first as read; the order only matters through the
 * seeded subsampling, so the same rows give the same model). Runs on this thread: 100,000 rows of 22
 * features take about a second; the policy runs it at most once per retraining interval.
 */
export async function trainBaselineFromServed(rows: Record<string, number>[]): Promise<TrainedBaseline> {
  const result = await trainSpec2FromStoredFeatures(rows, { seed: 42, createdAt: new Date() });
  return {
    modelVersion: result.model.modelVersion,
    checksum: result.model.checksum.value,
    featureSpecVersion: result.model.content.featureSpecVersion,
    modelJson: serializeModel(result.model),
    metadata: {
      ...(describeModel(result.model) as unknown as Record<string, unknown>),
      skippedWithoutContext: result.skippedWithoutContext,
      skippedInvalid: result.skippedInvalid,
    },
    rows: result.rows,
  };
}
