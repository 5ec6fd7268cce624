import type { StoreMetrics } from "@chainwatch/metrics";
import type { NormalizedTransaction } from "@chainwatch/model";
import {
  newlyScoredRecords,
  type ScoreResult,
  type ScoringService,
  shadowRecords,
} from "@chainwatch/scoring";
import type { Logger } from "@chainwatch/service-kit";
import {
  createWriteBehindQueue,
  isStoreValidationError,
  type RecordOrigin,
  type Repositories,
  type ScoredTransactionRecord,
  type TransactionConflict,
  type WriteBehindQueue,
} from "@chainwatch/store";
import type { AnomalyQueryCache } from "./anomaly-query-cache.ts";

export interface PredictionRecorderOptions {
  repositories: Repositories;
  queryCache: AnomalyQueryCache;
  metrics: StoreMetrics;
  logger: Logger;
  maxQueueSize: number;
  batchSize: number;
  flushIntervalMs: number;
  /** Content conflicts the store reported for a written batch (already durable and audited): log and count. */
  onConflicts?: (conflicts: readonly TransactionConflict[]) => void;
}

/**
 * Stores what the API scored without making the response wait for the database: records go to a bounded
 * write-behind queue, written in batches. New anomalies invalidate cached anomaly queries only once they
 * are durably stored, so no replica caches a page that misses them. Each record carries its request's
 * origin, so a content conflict the store finds at write time names who sent the new content.
 */
export function createPredictionRecorder(options: PredictionRecorderOptions) {
  const { metrics } = options;
  const queue: WriteBehindQueue<ScoredTransactionRecord> = createWriteBehindQueue({
    logger: options.logger.child({ component: "write-behind" }),
    maxQueueSize: options.maxQueueSize,
    batchSize: options.batchSize,
    flushIntervalMs: options.flushIntervalMs,
    // Records are built from validated transactions; one the store still rejects would never succeed.
    isPermanentFailure: isStoreValidationError,
    write: async (batch) => {
      const stored = await options.repositories.recordScored(batch);
      if (stored.conflicts && stored.conflicts.length > 0) options.onConflicts?.(stored.conflicts);
      if (stored.anomalies > 0) await options.queryCache.invalidate();
    },
    metrics: {
      depth: (items) => metrics.writeQueueDepth.set(items),
      dropped: (items) => metrics.writeQueueDroppedTotal.inc(items),
      written: (items) => metrics.writeQueueWrittenTotal.inc(items),
      failures: () => metrics.writeFailuresTotal.inc(),
    },
  });

  let shadowScoring: Pick<ScoringService, "hasShadows" | "scoreShadows"> | undefined;

  /** After the response: shadow models score the same transactions, stored with served false. */
  function recordShadows(transactions: readonly NormalizedTransaction[], origin?: RecordOrigin): void {
    setImmediate(() => {
      shadowScoring
        ?.scoreShadows(transactions)
        .then((outcomes) => {
          const records = shadowRecords(transactions, outcomes, origin);
          if (records.length > 0) queue.enqueue(records);
        })
        .catch((error: unknown) => options.logger.warn({ err: error }, "shadow scoring failed"));
    });
  }

  return {
    /** `origin`: who sent them (recordOriginOf); kept with a content conflict they cause. */
    record(
      transactions: readonly NormalizedTransaction[],
      results: readonly ScoreResult[],
      origin?: RecordOrigin,
    ): void {
      const records = newlyScoredRecords(transactions, results, origin ? { origin } : {});
      if (records.length > 0) queue.enqueue(records);
      if (shadowScoring?.hasShadows()) recordShadows(transactions, origin);
    },
    /** Shadow models (if any are deployed) score what this recorder records, off the response path. */
    scoreShadowsWith(scoring: Pick<ScoringService, "hasShadows" | "scoreShadows">): void {
      shadowScoring = scoring;
    },
    start: () => queue.start(),
    stop: () => queue.stop(),
    depth: () => queue.depth(),
    isHealthy: () => queue.isHealthy(),
  };
}

export type PredictionRecorder = ReturnType<typeof createPredictionRecorder>;
