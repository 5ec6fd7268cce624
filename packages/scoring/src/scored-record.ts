import { extractFeatures, FEATURE_NAMES, type NormalizedTransaction } from "@chainwatch/model";
import type { ScoredTransactionRecord } from "@chainwatch/store";
import type { ScoreResult } from "./scoring-service.ts";

/**
 * What the store keeps for one scored transaction. Feature values are stored for anomalies only: they are
 * what a reviewer looks at, and computing them for every transaction would cost the hot path for nothing.
 */
export function toScoredRecord(
  transaction: NormalizedTransaction,
  result: ScoreResult,
  scoredAt: Date,
): ScoredTransactionRecord {
  const record: ScoredTransactionRecord = {
    transaction,
    prediction: {
      modelVersion: result.modelVersion,
      anomalyScore: result.anomalyScore,
      severity: result.severity,
      isAnomaly: result.isAnomaly,
      confidence: result.confidence,
      explanation: result.explanation,
    },
    scoredAt,
  };
  if (result.isAnomaly) {
    const values = extractFeatures(transaction);
    record.features = Object.fromEntries(FEATURE_NAMES.map((name, index) => [name, values[index] ?? 0]));
  }
  return record;
}

/** Records for the results the model computed in this call; cached ones were recorded when first computed. */
export function newlyScoredRecords(
  transactions: readonly NormalizedTransaction[],
  results: readonly ScoreResult[],
  options: { served?: boolean } = {},
): ScoredTransactionRecord[] {
  const scoredAt = new Date();
  const seen = new Set<string>();
  const records: ScoredTransactionRecord[] = [];
  transactions.forEach((transaction, index) => {
    const result = results[index];
    if (!result || result.cached || seen.has(transaction.hash)) return;
    seen.add(transaction.hash);
    const record = toScoredRecord(transaction, result, scoredAt);
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
  outcomes: readonly { results: readonly ScoreResult[] }[],
): ScoredTransactionRecord[] {
  return outcomes.flatMap((outcome) => newlyScoredRecords(transactions, outcome.results, { served: false }));
}
