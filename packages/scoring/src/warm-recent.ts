import { type Cache, predictionCacheId } from "@chainwatch/cache";
import type { Repositories } from "@chainwatch/store";

export interface WarmRecentProgress {
  requested: number;
  found: number;
  loaded: number;
  failed: number;
}

/**
 * Loads the predictions of the N most recently scored transactions into the prediction cache, in batches,
 * reporting progress after each batch. Used by the gateway's warm endpoint and the cache-warmer app.
 */
export async function warmRecentPredictions(options: {
  repositories: Pick<Repositories, "recentPredictions">;
  cache: Cache;
  count: number;
  batchSize?: number;
  onProgress?: (progress: WarmRecentProgress) => void;
}): Promise<WarmRecentProgress> {
  const batchSize = options.batchSize ?? 500;
  const recent = await options.repositories.recentPredictions(options.count);
  const progress: WarmRecentProgress = {
    requested: options.count,
    found: recent.length,
    loaded: 0,
    failed: 0,
  };
  options.onProgress?.({ ...progress });
  for (let start = 0; start < recent.length; start += batchSize) {
    const batch = recent.slice(start, start + batchSize);
    const isWritten = await options.cache.batchSet(
      "prediction",
      batch.map(({ txHash, modelVersion, contentFingerprint, prediction }) => ({
        id: predictionCacheId(modelVersion, txHash, contentFingerprint),
        value: prediction,
      })),
    );
    if (isWritten) progress.loaded += batch.length;
    else progress.failed += batch.length;
    options.onProgress?.({ ...progress });
  }
  return progress;
}
