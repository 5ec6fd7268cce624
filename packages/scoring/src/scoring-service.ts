import { type Cache, predictionCacheId } from "@chainwatch/cache";
import type { ScoringMetrics } from "@chainwatch/metrics";
import type { FeatureContribution, NormalizedTransaction, Prediction } from "@chainwatch/model";
import type { ModelProvider } from "./model-provider.ts";

/** What every API and stream consumer returns for one transaction. */
export interface ScoreResult {
  hash: string;
  isAnomaly: boolean;
  anomalyScore: number;
  severity: Prediction["severity"];
  confidence: number;
  explanation: FeatureContribution[];
  modelVersion: string;
  cached: boolean;
}

export interface BatchScoreOutcome {
  /** Aligned with the input. */
  results: ScoreResult[];
  fromCache: number;
  computed: number;
  /**
   * The write-back of new results to the cache. APIs do not wait for it; the cache warmer does.
   * Resolves false if the cache dropped the write (never rejects).
   */
  cacheWrite: Promise<boolean>;
}

export interface ScoringServiceOptions {
  models: ModelProvider;
  cache: Cache;
  metrics?: ScoringMetrics;
}

export interface ScoringService {
  /**
   * Scores transactions with one cache read (MGET), one model call for the misses, and one cache write
   * that does not delay the caller. Duplicate hashes are scored once and share the result.
   */
  scoreBatch(transactions: readonly NormalizedTransaction[]): Promise<BatchScoreOutcome>;
  modelVersion(): string;
}

type CachedPrediction = Omit<ScoreResult, "cached" | "hash" | "modelVersion">;

export function createScoringService(options: ScoringServiceOptions): ScoringService {
  const { cache, metrics } = options;

  return {
    modelVersion: () => options.models.current().modelVersion,

    async scoreBatch(transactions) {
      // One model for the whole batch, even if a promotion lands half-way through.
      const scorer = options.models.current();
      const modelVersion = scorer.modelVersion;
      const uniqueHashes = [...new Set(transactions.map((tx) => tx.hash))];
      const cachedValues = await cache.batchGet<CachedPrediction>(
        "prediction",
        uniqueHashes.map((hash) => predictionCacheId(modelVersion, hash)),
      );

      const byHash = new Map<string, ScoreResult>();
      const missHashes = new Set<string>();
      uniqueHashes.forEach((hash, index) => {
        const cached = cachedValues[index];
        if (cached) byHash.set(hash, { hash, ...cached, modelVersion, cached: true });
        else missHashes.add(hash);
      });

      const toCompute: NormalizedTransaction[] = [];
      for (const tx of transactions) {
        if (missHashes.delete(tx.hash)) toCompute.push(tx);
      }

      let cacheWrite = Promise.resolve(true);
      if (toCompute.length > 0) {
        const stopTimer = metrics?.modelInferenceDurationSeconds.startTimer();
        const predictions = scorer.scoreTransactions(toCompute);
        stopTimer?.();
        const writes: { id: string; value: CachedPrediction }[] = [];
        toCompute.forEach((tx, index) => {
          const prediction = predictions[index];
          if (!prediction)
            throw new Error(`model returned ${predictions.length} predictions for ${toCompute.length}`);
          const value: CachedPrediction = {
            isAnomaly: prediction.isAnomaly,
            anomalyScore: prediction.anomalyScore,
            severity: prediction.severity,
            confidence: prediction.confidence,
            explanation: prediction.explanation,
          };
          byHash.set(tx.hash, { hash: tx.hash, ...value, modelVersion, cached: false });
          writes.push({ id: predictionCacheId(modelVersion, tx.hash), value });
          if (prediction.isAnomaly) metrics?.anomaliesDetectedTotal.inc({ severity: prediction.severity });
        });
        metrics?.transactionsScoredTotal.inc(toCompute.length);
        // The cache never rejects (failures are counted inside), so callers may leave this unawaited.
        cacheWrite = cache.batchSet("prediction", writes);
      }

      const results = transactions.map((tx) => {
        const result = byHash.get(tx.hash);
        if (!result) throw new Error(`no result for ${tx.hash}`);
        return result;
      });
      return {
        results,
        fromCache: uniqueHashes.length - toCompute.length,
        computed: toCompute.length,
        cacheWrite,
      };
    },
  };
}
