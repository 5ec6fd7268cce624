import {
  contentFingerprint,
  extractFeatures,
  FEATURE_NAMES,
  type NormalizedTransaction,
} from "@chainwatch/model";
import type { RecordOrigin, ScoredTransactionRecord } from "@chainwatch/store";
import type { ScoreResult, ScoringByproducts } from "./scoring-service.ts";

/**
 * What the store keeps for one scored transaction: the verdict, the model's fields, and the feature vector
 * it was scored with (spec 1 and context) — what a reviewer looks at and what training from stored traffic
 * reads, so a model trained on it sees exactly what was served.
 */
export function toScoredRecord(
  transaction: NormalizedTransaction,
  result: ScoreResult,
  scoredAt: Date,
  context: {
    origin?: RecordOrigin | undefined;
    contentFingerprint?: string | undefined;
    /** The values the scorer computed; extracted here (spec 1 only) for results served from the cache. */
    features?: Record<string, number> | undefined;
  } = {},
): ScoredTransactionRecord {
  const record: ScoredTransactionRecord = {
    transaction,
    contentFingerprint: context.contentFingerprint ?? contentFingerprint(transaction),
    prediction: {
      modelVersion: result.modelVersion,
      anomalyScore: result.anomalyScore,
      severity: result.severity,
      isAnomaly: result.isAnomaly,
      confidence: result.confidence,
      explanation: result.explanation,
      riskScore: result.riskScore,
      riskLevel: result.riskLevel,
      reasons: result.reasons,
    },
    scoredAt,
  };
  if (context.origin) record.origin = context.origin;
  record.features = context.features ?? featuresOf(transaction);
  return record;
}

function featuresOf(transaction: NormalizedTransaction): Record<string, number> {
  const values = extractFeatures(transaction);
  return Object.fromEntries(FEATURE_NAMES.map((name, index) => [name, values[index] ?? 0]));
}

/**
 * Records for the results the model computed in this call; cached ones were recorded when first computed
 * (a cache hit is the same model version, hash and content). One record per content: the same hash with
 * other content is recorded too, and the store reports it as a conflict.
 */
export function newlyScoredRecords(
  transactions: readonly NormalizedTransaction[],
  outcome: { results: readonly ScoreResult[] } & Partial<ScoringByproducts>,
  options: { served?: boolean; origin?: RecordOrigin | undefined } = {},
): ScoredTransactionRecord[] {
  const scoredAt = new Date();
  const seen = new Set<string>();
  const records: ScoredTransactionRecord[] = [];
  transactions.forEach((transaction, index) => {
    const result = outcome.results[index];
    if (!result || result.cached) return;
    const fingerprint = outcome.fingerprints?.[index] ?? contentFingerprint(transaction);
    if (seen.has(fingerprint)) return;
    seen.add(fingerprint);
    const record = toScoredRecord(transaction, result, scoredAt, {
      origin: options.origin,
      contentFingerprint: fingerprint,
      features: outcome.features?.get(fingerprint),
    });
    if (options.served === false) record.served = false;
    records.push(record);
  });
  return records;
}

/**
 * Records for shadow results (`served: false`, stored beside the served prediction, never shown). Cached
 * shadow results were recorded when first computed, like served ones.
 */
export function shadowRecords(
  transactions: readonly NormalizedTransaction[],
  outcomes: readonly ({ results: readonly ScoreResult[] } & Partial<ScoringByproducts>)[],
  origin?: RecordOrigin,
): ScoredTransactionRecord[] {
  return outcomes.flatMap((outcome) => newlyScoredRecords(transactions, outcome, { served: false, origin }));
}
