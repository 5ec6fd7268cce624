import { type Cache, predictionCacheId } from "@chainwatch/cache";
import type { ScoringMetrics } from "@chainwatch/metrics";
import {
  contentFingerprint,
  extractFeatureMatrix,
  FEATURE_NAMES,
  type FeatureContribution,
  type NormalizedTransaction,
  type Prediction,
  type Scorer,
} from "@chainwatch/model";
import { type ModelProvider, routeTransaction, type ServingStrategy } from "./model-provider.ts";

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

/** What the scorer computed beside the verdicts, so nothing downstream computes it a second time. */
export interface ScoringByproducts {
  /** Content fingerprint of each input transaction, aligned with the input. */
  fingerprints: string[];
  /** Feature values of the anomalies computed in this call (not cached ones), by content fingerprint. */
  anomalyFeatures: Map<string, Record<string, number>>;
}

export interface BatchScoreOutcome extends ScoringByproducts {
  /** Aligned with the input; each says which version scored it (`modelVersion`: the active or the canary). */
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
   * that does not delay the caller. Duplicates (same hash and same content) are scored once and share the
   * result; the same hash with other content is other content, scored and cached on its own.
   */
  scoreBatch(transactions: readonly NormalizedTransaction[]): Promise<BatchScoreOutcome>;
  /**
   * Scores with every shadow model (cache-aware, like scoreBatch). Callers run it off the response path
   * and store the results with `served: false`; they are never returned to a client.
   */
  scoreShadows(transactions: readonly NormalizedTransaction[]): Promise<ShadowScoreOutcome[]>;
  /** Whether any shadow model is deployed right now (skip the work when not). */
  hasShadows(): boolean;
  /** The active model's version. */
  modelVersion(): string;
}

type CachedPrediction = Omit<ScoreResult, "cached" | "hash" | "modelVersion">;

/**
 * One result in one fixed shape and field order (the order the API shows), built field by field: spreading
 * the cached entry into a new object was a visible cost per item of a 1000-item batch, and the one shape
 * keeps the JSON serialisation of the answer on its fast path.
 */
function scoreResult(
  hash: string,
  prediction: CachedPrediction,
  modelVersion: string,
  isCached: boolean,
): ScoreResult {
  return {
    hash,
    isAnomaly: prediction.isAnomaly,
    anomalyScore: prediction.anomalyScore,
    severity: prediction.severity,
    confidence: prediction.confidence,
    explanation: prediction.explanation,
    modelVersion,
    cached: isCached,
  };
}

/** One shadow model's results for a batch: stored with `served: false`, never returned. */
export interface ShadowScoreOutcome extends ScoringByproducts {
  modelVersion: string;
  /** Aligned with the input. */
  results: ScoreResult[];
  cacheWrite: Promise<boolean>;
}

/** A transaction with its content fingerprint, computed once per call. */
interface Fingerprinted {
  tx: NormalizedTransaction;
  fingerprint: string;
}

interface GroupOutcome {
  /** By content fingerprint (which covers the hash). */
  byContent: Map<string, ScoreResult>;
  uniqueCount: number;
  computed: number;
  cacheWrite: Promise<boolean>;
  anomalyFeatures: Map<string, Record<string, number>>;
}

export function createScoringService(options: ScoringServiceOptions): ScoringService {
  const { cache, metrics } = options;

  /**
   * One cache read (MGET) and one model call for the misses of one model; the write is not awaited. Cache
   * entries are per model version, hash and content fingerprint: a hash seen before with other content is
   * a miss, so its verdict is always the one computed for the content in hand.
   */
  async function scoreWith(
    scorer: Scorer,
    items: readonly Fingerprinted[],
    strategy: ServingStrategy,
  ): Promise<GroupOutcome> {
    const modelVersion = scorer.modelVersion;
    const unique = new Map<string, NormalizedTransaction>();
    for (const { tx, fingerprint } of items) if (!unique.has(fingerprint)) unique.set(fingerprint, tx);
    const cachedValues = await cache.batchGet<CachedPrediction>(
      "prediction",
      [...unique].map(([fingerprint, tx]) => predictionCacheId(modelVersion, tx.hash, fingerprint)),
    );

    const byContent = new Map<string, ScoreResult>();
    const toCompute: Fingerprinted[] = [];
    let index = 0;
    for (const [fingerprint, tx] of unique) {
      const cached = cachedValues[index++];
      if (cached) byContent.set(fingerprint, scoreResult(tx.hash, cached, modelVersion, true));
      else toCompute.push({ tx, fingerprint });
    }

    let cacheWrite = Promise.resolve(true);
    const anomalyFeatures = new Map<string, Record<string, number>>();
    if (toCompute.length > 0) {
      const stopTimer = metrics?.modelInferenceDurationSeconds.startTimer();
      // The matrix is kept: an anomaly's stored record carries these very values (no second extraction).
      const matrix = extractFeatureMatrix(toCompute.map((item) => item.tx));
      const predictions = scorer.scoreFeatures(matrix.data, matrix.rows);
      stopTimer?.();
      const writes: { id: string; value: CachedPrediction }[] = [];
      toCompute.forEach(({ tx, fingerprint }, position) => {
        const prediction = predictions[position];
        if (!prediction)
          throw new Error(`model returned ${predictions.length} predictions for ${toCompute.length}`);
        const value: CachedPrediction = {
          isAnomaly: prediction.isAnomaly,
          anomalyScore: prediction.anomalyScore,
          severity: prediction.severity,
          confidence: prediction.confidence,
          explanation: prediction.explanation,
        };
        byContent.set(fingerprint, scoreResult(tx.hash, value, modelVersion, false));
        if (prediction.isAnomaly) anomalyFeatures.set(fingerprint, featureRecord(matrix, position));
        writes.push({ id: predictionCacheId(modelVersion, tx.hash, fingerprint), value });
        if (strategy !== "shadow" && prediction.isAnomaly) {
          metrics?.anomaliesDetectedTotal.inc({ severity: prediction.severity });
        }
      });
      if (strategy !== "shadow") metrics?.transactionsScoredTotal.inc(toCompute.length);
      // The cache never rejects (failures are counted inside), so callers may leave this unawaited.
      cacheWrite = cache.batchSet("prediction", writes);
    }
    metrics?.modelPredictionsTotal.inc({ version: modelVersion, strategy }, unique.size);
    return { byContent, uniqueCount: unique.size, computed: toCompute.length, cacheWrite, anomalyFeatures };
  }

  function aligned(items: readonly Fingerprinted[], byContent: Map<string, ScoreResult>) {
    return items.map(({ tx, fingerprint }) => {
      const result = byContent.get(fingerprint);
      if (!result) throw new Error(`no result for ${tx.hash}`);
      return result;
    });
  }

  const fingerprinted = (transactions: readonly NormalizedTransaction[]): Fingerprinted[] =>
    transactions.map((tx) => ({ tx, fingerprint: contentFingerprint(tx) }));

  return {
    modelVersion: () => options.models.current().modelVersion,

    async scoreBatch(transactions) {
      // One serving set for the whole batch, even if a promotion lands half-way through; each transaction
      // goes to the model its hash routes to (canary or active), one cache read and model call per model.
      const models = options.models.serving();
      const items = fingerprinted(transactions);
      const groups = new Map<Scorer, { strategy: "active" | "canary"; items: Fingerprinted[] }>();
      for (const item of items) {
        const { scorer, strategy } = routeTransaction(models, item.tx.hash);
        let group = groups.get(scorer);
        if (!group) {
          group = { strategy, items: [] };
          groups.set(scorer, group);
        }
        group.items.push(item);
      }

      // Usually one group (no canary): its map and its write are the batch's, with nothing to merge.
      let byContent: Map<string, ScoreResult> | undefined;
      let anomalyFeatures: Map<string, Record<string, number>> | undefined;
      let fromCache = 0;
      let computed = 0;
      const writes: Promise<boolean>[] = [];
      for (const [scorer, group] of groups) {
        const outcome = await scoreWith(scorer, group.items, group.strategy);
        if (byContent === undefined) byContent = outcome.byContent;
        else for (const [fingerprint, result] of outcome.byContent) byContent.set(fingerprint, result);
        if (anomalyFeatures === undefined) anomalyFeatures = outcome.anomalyFeatures;
        else
          for (const [fingerprint, values] of outcome.anomalyFeatures)
            anomalyFeatures.set(fingerprint, values);
        fromCache += outcome.uniqueCount - outcome.computed;
        computed += outcome.computed;
        writes.push(outcome.cacheWrite);
      }

      return {
        results: aligned(items, byContent ?? new Map()),
        fingerprints: items.map((item) => item.fingerprint),
        anomalyFeatures: anomalyFeatures ?? new Map(),
        fromCache,
        computed,
        cacheWrite:
          (writes.length === 1 ? writes[0] : undefined) ??
          Promise.all(writes).then((done) => done.every(Boolean)),
      };
    },

    async scoreShadows(transactions) {
      const { shadows } = options.models.serving();
      const outcomes: ShadowScoreOutcome[] = [];
      const items = shadows.length > 0 ? fingerprinted(transactions) : [];
      for (const scorer of shadows) {
        const outcome = await scoreWith(scorer, items, "shadow");
        outcomes.push({
          modelVersion: scorer.modelVersion,
          results: aligned(items, outcome.byContent),
          fingerprints: items.map((item) => item.fingerprint),
          anomalyFeatures: outcome.anomalyFeatures,
          cacheWrite: outcome.cacheWrite,
        });
      }
      return outcomes;
    },

    hasShadows: () => options.models.serving().shadows.length > 0,
  };
}

/** One row of the feature matrix as the stored record's `features` (by name). */
function featureRecord(matrix: { data: Float64Array; cols: number }, row: number): Record<string, number> {
  const values: Record<string, number> = {};
  FEATURE_NAMES.forEach((name, column) => {
    values[name] = matrix.data[row * matrix.cols + column] ?? 0;
  });
  return values;
}
