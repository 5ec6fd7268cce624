import { type Cache, predictionCacheId } from "@chainwatch/cache";
import {
  applyLabels,
  type ContextScorer,
  type ContextView,
  combineVerdict,
  contextReasons,
  DEFAULT_RISK_THRESHOLD,
  type IncidentMembership,
  joinIncident,
  modelReason,
  type Reason,
  type RiskLevel,
  type Screening,
  scoreOfEvidence,
} from "@chainwatch/context";
import type { ScoringMetrics } from "@chainwatch/metrics";
import {
  contentFingerprint,
  type FeatureContribution,
  type NormalizedTransaction,
  type Prediction,
  type Scorer,
} from "@chainwatch/model";
import { type ModelProvider, routeTransaction, type ServingStrategy } from "./model-provider.ts";
import { createServedScoreCalibration, type ServedScoreCalibration } from "./served-calibration.ts";
import { servedFeatureRecord, servedMatrix, withoutContextReason } from "./served-features.ts";

/** What every API and stream consumer returns for one transaction. */
export interface ScoreResult {
  hash: string;
  /** The combined verdict: riskScore at or above the deployment's threshold. */
  isAnomaly: boolean;
  /** In [0, 1]: how anomalous in context (model and address history together); ranks transactions. */
  riskScore: number;
  riskLevel: RiskLevel;
  /** Why, strongest first: model and context reasons with their numbers. */
  reasons: Reason[];
  /** The model's own fields. */
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
  /**
   * The feature vector each result computed in this call was scored with (spec 1 and the context features),
   * by content fingerprint; cached results are absent (recorded when first computed).
   */
  features: Map<string, Record<string, number>>;
  /**
   * The context each result computed in this call saw, by content fingerprint: shadow models score with the
   * same. Cached results have one only while shadow models serve (a shadow may have to compute what the
   * served model had cached); otherwise their view is never built (the store is asked for none).
   */
  contexts: ReadonlyMap<string, ContextView>;
}

/**
 * A transaction scored in an earlier batch that an incident of this batch names: its stored verdict takes
 * the incident's evidence as a floor (riskScore = max(stored, these), isAnomaly = stored or these) and the
 * reason in front of its own (joinIncident's rule, applied by the store).
 */
export interface IncidentCorrection {
  hash: string;
  incidentId: string;
  reason: Reason;
  riskScore: number;
  riskLevel: RiskLevel;
  isAnomaly: boolean;
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
  /** Earlier transactions this batch's incidents name (none without context); the caller stores them. */
  incidentCorrections: IncidentCorrection[];
  /**
   * Hashes of the batch the address state had applied before (a redelivery, a repeated lookup), cached or
   * computed; empty without context or when the state was unavailable.
   */
  appliedBefore: string[];
}

export interface ScoringServiceOptions {
  models: ModelProvider;
  cache: Cache;
  metrics?: ScoringMetrics;
  /** Per-address context; without it the verdict is the model's evidence alone. */
  context?: ContextScorer;
  /** riskScore at or above which isAnomaly is true (default 0.5). */
  riskThreshold?: number;
  /**
   * Screening lists (deny, allow, watch): a deny label flags the transaction (at least high), an allow
   * label mutes its party's reasons, a reviewer's suppression mutes one code for one address. Applied when
   * a result is computed; a cached verdict keeps the labels it was computed with.
   */
  screening?: Screening;
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
  scoreShadows(
    transactions: readonly NormalizedTransaction[],
    contexts?: ReadonlyMap<string, ContextView>,
  ): Promise<ShadowScoreOutcome[]>;
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
    riskScore: prediction.riskScore,
    riskLevel: prediction.riskLevel,
    reasons: prediction.reasons,
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

/** One model's share of a batch after the cache read: what it already knows, what it must compute. */
interface GroupLookup {
  scorer: Scorer;
  strategy: ServingStrategy;
  byContent: Map<string, ScoreResult>;
  toCompute: Fingerprinted[];
  uniqueCount: number;
}

interface GroupOutcome {
  /** By content fingerprint (which covers the hash). */
  byContent: Map<string, ScoreResult>;
  uniqueCount: number;
  computed: number;
  cacheWrite: Promise<boolean>;
  features: Map<string, Record<string, number>>;
}

const NO_CONTEXT = new Map<string, ContextView>();
/** Appended to the model version in the cache ids of verdicts computed without address context. */
export const MODEL_ONLY_SUFFIX = "~model-only";

export function createScoringService(options: ScoringServiceOptions): ScoringService {
  const { cache, metrics } = options;

  const riskThreshold = options.riskThreshold ?? DEFAULT_RISK_THRESHOLD;
  const calibrations = new Map<string, ServedScoreCalibration>();
  const calibrationOf = (modelVersion: string) => {
    let calibration = calibrations.get(modelVersion);
    if (!calibration) {
      // Few versions serve at once; forget ones no longer seen so a long-lived process does not grow.
      if (calibrations.size >= 8) calibrations.delete(calibrations.keys().next().value as string);
      calibration = createServedScoreCalibration();
      calibrations.set(modelVersion, calibration);
    }
    return calibration;
  };
  // A verdict without context is another verdict: kept under its own cache ids, never served as one with.
  const cacheVersion = (scorer: Scorer) =>
    options.context ? scorer.modelVersion : `${scorer.modelVersion}${MODEL_ONLY_SUFFIX}`;

  /**
   * One cache read (MGET) for one model's share. Entries are per model version, hash and content
   * fingerprint: a hash seen before with other content is a miss, so its verdict is always the one computed
   * for the content in hand; a redelivered transaction gets the verdict it got the first time.
   */
  async function lookup(scorer: Scorer, items: readonly Fingerprinted[], strategy: ServingStrategy) {
    const modelVersion = scorer.modelVersion;
    const unique = new Map<string, NormalizedTransaction>();
    for (const { tx, fingerprint } of items) if (!unique.has(fingerprint)) unique.set(fingerprint, tx);
    const cachedValues = await cache.batchGet<CachedPrediction>(
      "prediction",
      [...unique].map(([fingerprint, tx]) => predictionCacheId(cacheVersion(scorer), tx.hash, fingerprint)),
    );
    const byContent = new Map<string, ScoreResult>();
    const toCompute: Fingerprinted[] = [];
    let index = 0;
    for (const [fingerprint, tx] of unique) {
      const cached = cachedValues[index++];
      if (cached) byContent.set(fingerprint, scoreResult(tx.hash, cached, modelVersion, true));
      else toCompute.push({ tx, fingerprint });
    }
    return { scorer, strategy, byContent, toCompute, uniqueCount: unique.size } satisfies GroupLookup;
  }

  /**
   * The batch's distinct transactions through the address state, in input order: one store call. Those
   * with `isViewNeeded` false are applied when new but get no view, and cost the store nothing more than
   * its applied-once marker when they are not.
   */
  async function observeContext(
    items: readonly Fingerprinted[],
    isViewNeeded: (item: Fingerprinted) => boolean,
  ): Promise<{ contexts: Map<string, ContextView>; appliedBefore: string[] }> {
    if (!options.context || items.length === 0) return { contexts: NO_CONTEXT, appliedBefore: [] };
    const { views, appliedBefore } = await options.context.observeBatch(
      items.map((item) => item.tx),
      items.map(isViewNeeded),
    );
    const byContent = new Map<string, ContextView>();
    items.forEach((item, index) => {
      const view = views[index];
      if (view) byContent.set(item.fingerprint, view);
    });
    return { contexts: byContent, appliedBefore };
  }

  /** One model call for a group's misses, each combined with its context into the verdict; one cache write. */
  function compute(group: GroupLookup, contexts: ReadonlyMap<string, ContextView>): GroupOutcome {
    const { scorer, strategy, byContent, toCompute } = group;
    const modelVersion = scorer.modelVersion;
    let cacheWrite = Promise.resolve(true);
    const features = new Map<string, Record<string, number>>();
    if (toCompute.length > 0) {
      const stopTimer = metrics?.modelInferenceDurationSeconds.startTimer();
      // The matrix is kept: each stored record carries these very values (no second extraction). A spec-2
      // model's matrix holds the context features too (the training medians where there was no context).
      const matrix = servedMatrix(scorer, toCompute, contexts);
      const predictions = scorer.scoreFeatures(matrix.data, matrix.rows);
      stopTimer?.();
      const writes: { id: string; value: CachedPrediction }[] = [];
      const calibration = calibrationOf(modelVersion);
      toCompute.forEach(({ tx, fingerprint }, position) => {
        const prediction = predictions[position];
        if (!prediction)
          throw new Error(`model returned ${predictions.length} predictions for ${toCompute.length}`);
        const view = contexts.get(fingerprint);
        let reasons: Reason[] = view ? contextReasons(view) : [];
        if (matrix.hasContextColumns && !view?.available) reasons = withoutContextReason(reasons);
        reasons.push(
          modelReason({
            modelVersion,
            anomalyScore: prediction.anomalyScore,
            tailProbability: calibration.tailShare(
              prediction.anomalyScore,
              scorer.tailProbability(prediction.anomalyScore),
            ),
            explanation: prediction.explanation,
          }),
        );
        const screened = options.screening
          ? applyLabels(
              reasons,
              options.screening.screen(tx.from, tx.to),
              options.screening.suppressions?.(tx.from, tx.to),
            )
          : { reasons, isDenied: false };
        const verdict = combineVerdict(
          screened.reasons,
          riskThreshold,
          screened.isDenied ? { atLeast: "high" } : {},
        );
        const value: CachedPrediction = {
          isAnomaly: verdict.isAnomaly,
          riskScore: verdict.riskScore,
          riskLevel: verdict.riskLevel,
          reasons: verdict.reasons,
          anomalyScore: prediction.anomalyScore,
          severity: prediction.severity,
          confidence: prediction.confidence,
          explanation: prediction.explanation,
        };
        byContent.set(fingerprint, scoreResult(tx.hash, value, modelVersion, false));
        features.set(fingerprint, servedFeatureRecord(matrix, position, view));
        writes.push({ id: predictionCacheId(cacheVersion(scorer), tx.hash, fingerprint), value });
        if (strategy !== "shadow" && verdict.isAnomaly) {
          metrics?.anomaliesDetectedTotal.inc({ severity: verdict.riskLevel });
        }
      });
      if (strategy !== "shadow") metrics?.transactionsScoredTotal.inc(toCompute.length);
      // The cache never rejects (failures are counted inside), so callers may leave this unawaited.
      cacheWrite = cache.batchSet("prediction", writes);
    }
    metrics?.modelPredictionsTotal.inc({ version: modelVersion, strategy }, group.uniqueCount);
    return { byContent, uniqueCount: group.uniqueCount, computed: toCompute.length, cacheWrite, features };
  }

  /**
   * Incident grouping over what this batch computed, in input order (cached results were grouped when first
   * computed; a redelivery neither triggers nor joins). Members in the batch get the incident's reason and
   * floor here, before anyone sees them, and their cache entries are rewritten; earlier ones come back as
   * corrections for the store.
   */
  async function groupIncidents(
    items: readonly Fingerprinted[],
    results: Map<string, ScoreResult>,
    contexts: ReadonlyMap<string, ContextView>,
    lookups: readonly GroupLookup[],
  ): Promise<{ corrections: IncidentCorrection[]; cacheWrite?: Promise<boolean> }> {
    if (!options.context) return { corrections: [] };
    const computedNow = new Set<string>();
    for (const group of lookups) for (const { fingerprint } of group.toCompute) computedNow.add(fingerprint);
    const candidates = [];
    const byHash = new Map<string, { fingerprint: string; tx: NormalizedTransaction }>();
    const seen = new Set<string>();
    for (const item of items) {
      if (!computedNow.has(item.fingerprint) || seen.has(item.fingerprint)) continue;
      seen.add(item.fingerprint);
      const view = contexts.get(item.fingerprint);
      const result = results.get(item.fingerprint);
      if (!view || !result) continue;
      candidates.push({ view, reasons: result.reasons });
      byHash.set(item.tx.hash, item);
    }
    if (candidates.length === 0) return { corrections: [] };
    const grouping = await options.context.groupIncidents(candidates);
    const writes: { id: string; value: CachedPrediction }[] = [];
    for (const membership of grouping.inBatch.values()) {
      const item = byHash.get(membership.hash);
      const result = item && results.get(item.fingerprint);
      if (!item || !result) continue;
      const joined = joinIncident(result, membership.reason, riskThreshold);
      if (joined.isAnomaly && !result.isAnomaly) {
        metrics?.anomaliesDetectedTotal.inc({ severity: joined.riskLevel });
      }
      const value: CachedPrediction = {
        isAnomaly: joined.isAnomaly,
        riskScore: joined.riskScore,
        riskLevel: joined.riskLevel,
        reasons: joined.reasons,
        anomalyScore: result.anomalyScore,
        severity: result.severity,
        confidence: result.confidence,
        explanation: result.explanation,
      };
      results.set(item.fingerprint, scoreResult(result.hash, value, result.modelVersion, false));
      // With context the cache id's version is the model's own (cacheVersion).
      writes.push({ id: predictionCacheId(result.modelVersion, result.hash, item.fingerprint), value });
    }
    const corrections = grouping.earlier.map((membership) => correctionOf(membership));
    return {
      corrections,
      ...(writes.length > 0 ? { cacheWrite: cache.batchSet("prediction", writes) } : {}),
    };
  }

  function correctionOf(membership: IncidentMembership): IncidentCorrection {
    const { riskScore, riskLevel } = scoreOfEvidence(membership.reason.surprise);
    return {
      hash: membership.hash,
      incidentId: membership.incidentId,
      reason: membership.reason,
      riskScore,
      riskLevel,
      isAnomaly: riskScore >= riskThreshold,
    };
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

      const lookups: GroupLookup[] = [];
      for (const [scorer, group] of groups) lookups.push(await lookup(scorer, group.items, group.strategy));
      // Every distinct transaction of the batch, in input order, goes through the address state once (tx i
      // sees txs < i). Cached ones too: the store applies a hash once, so a redelivery changes nothing, but
      // a verdict cached without being applied (computed while the state store was down: scored without
      // context, cached all the same) still counts in its addresses' history. Their views are needed only by
      // shadow models (they may compute what the served model had cached): without shadows, a repeated cache
      // hit costs the store one SET NX and nothing else (issue #21).
      const isCachedViewNeeded = models.shadows.length > 0;
      const isViewNeeded = (item: Fingerprinted) =>
        isCachedViewNeeded || !lookups.some((group) => group.byContent.has(item.fingerprint));
      const seen = new Set<string>();
      const { contexts, appliedBefore } = await observeContext(
        items.filter((item) => !seen.has(item.fingerprint) && seen.add(item.fingerprint) !== undefined),
        isViewNeeded,
      );

      // Usually one group (no canary): its map and its write are the batch's, with nothing to merge.
      let byContent: Map<string, ScoreResult> | undefined;
      let features: Map<string, Record<string, number>> | undefined;
      let fromCache = 0;
      let computed = 0;
      const writes: Promise<boolean>[] = [];
      for (const group of lookups) {
        const outcome = compute(group, contexts);
        if (byContent === undefined) byContent = outcome.byContent;
        else for (const [fingerprint, result] of outcome.byContent) byContent.set(fingerprint, result);
        if (features === undefined) features = outcome.features;
        else for (const [fingerprint, values] of outcome.features) features.set(fingerprint, values);
        fromCache += outcome.uniqueCount - outcome.computed;
        computed += outcome.computed;
        writes.push(outcome.cacheWrite);
      }

      const results = byContent ?? new Map<string, ScoreResult>();
      const incidents = await groupIncidents(items, results, contexts, lookups);
      if (incidents.cacheWrite) writes.push(incidents.cacheWrite);
      return {
        results: aligned(items, results),
        fingerprints: items.map((item) => item.fingerprint),
        features: features ?? new Map(),
        contexts,
        fromCache,
        computed,
        cacheWrite:
          (writes.length === 1 ? writes[0] : undefined) ??
          Promise.all(writes).then((done) => done.every(Boolean)),
        incidentCorrections: incidents.corrections,
        appliedBefore,
      };
    },

    async scoreShadows(transactions, contexts = NO_CONTEXT) {
      const { shadows } = options.models.serving();
      const outcomes: ShadowScoreOutcome[] = [];
      const items = shadows.length > 0 ? fingerprinted(transactions) : [];
      for (const scorer of shadows) {
        // Shadows never touch the address state: they reuse the context the served result saw.
        const outcome = compute(await lookup(scorer, items, "shadow"), contexts);
        outcomes.push({
          modelVersion: scorer.modelVersion,
          results: aligned(items, outcome.byContent),
          fingerprints: items.map((item) => item.fingerprint),
          features: outcome.features,
          contexts,
          cacheWrite: outcome.cacheWrite,
        });
      }
      return outcomes;
    },

    hasShadows: () => options.models.serving().shadows.length > 0,
  };
}
