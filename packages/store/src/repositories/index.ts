import type { Database } from "../database.ts";
import { addressActivity } from "./address-activity.ts";
import { anomalyStats, listAnomalies, reviewAnomaly } from "./anomalies.ts";
import {
  type ApplyCorrectionsOptions,
  acknowledgeIncidentCorrections,
  applyIncidentCorrections,
  type CorrectedPrediction,
  type CorrectionKey,
  type IncidentCorrectionInput,
  pendingIncidentCorrections,
} from "./incidents.ts";
import { recentPredictions } from "./predictions.ts";
import { recordScored } from "./record-scored.ts";
import { countServedFeatureVectors, servedFeatureVectors } from "./served-features.ts";
import { getTransaction, lookupTransactions, transactionConflicts } from "./transactions.ts";
import type {
  AddressActivity,
  AnomalyPage,
  AnomalyStats,
  AnomalyView,
  ListAnomaliesOptions,
  RecentPrediction,
  RecordScoredResult,
  ReviewInput,
  ScoredTransactionRecord,
  TransactionConflict,
  TransactionView,
} from "./types.ts";

/** The data layer the apps use; every method is parameterised SQL through the `Database` port. */
export interface Repositories {
  recordScored(batch: ScoredTransactionRecord[]): Promise<RecordScoredResult>;
  /** Stored verdicts an incident names after the fact; returns those it changed (redeliveries change none). */
  applyIncidentCorrections(
    corrections: readonly IncidentCorrectionInput[],
    options?: ApplyCorrectionsOptions,
  ): Promise<CorrectedPrediction[]>;
  /** Corrections kept pending for publication whose trigger is one of these hashes (a redelivery). */
  pendingIncidentCorrections(triggerHashes: readonly string[]): Promise<CorrectedPrediction[]>;
  /** Published: no longer pending. */
  acknowledgeIncidentCorrections(keys: readonly CorrectionKey[]): Promise<number>;
  getTransaction(hash: string): Promise<TransactionView | null>;
  lookupTransactions(hashes: string[]): Promise<TransactionView[]>;
  /** Content conflicts recorded for a hash, newest first. */
  transactionConflicts(hash: string): Promise<TransactionConflict[]>;
  listAnomalies(options: ListAnomaliesOptions): Promise<AnomalyPage>;
  reviewAnomaly(id: string, review: ReviewInput): Promise<AnomalyView | null>;
  anomalyStats(): Promise<AnomalyStats>;
  recentPredictions(limit: number, modelVersion?: string): Promise<RecentPrediction[]>;
  /** Feature vectors of served predictions scored with context, newest first (training on this chain). */
  servedFeatureVectors(limit: number): Promise<Record<string, number>[]>;
  countServedFeatureVectors(since?: Date): Promise<number>;
  /** Recent scored transactions from or to one address (1..MAX_ADDRESS_ACTIVITY) and its anomaly count. */
  addressActivity(address: string, options: { limit: number }): Promise<AddressActivity>;
}

export function createRepositories(db: Database): Repositories {
  return {
    recordScored: (batch) => recordScored(db, batch),
    applyIncidentCorrections: (corrections, options) => applyIncidentCorrections(db, corrections, options),
    pendingIncidentCorrections: (triggerHashes) => pendingIncidentCorrections(db, triggerHashes),
    acknowledgeIncidentCorrections: (keys) => acknowledgeIncidentCorrections(db, keys),
    getTransaction: (hash) => getTransaction(db, hash),
    lookupTransactions: (hashes) => lookupTransactions(db, hashes),
    transactionConflicts: (hash) => transactionConflicts(db, hash),
    listAnomalies: (options) => listAnomalies(db, options),
    reviewAnomaly: (id, review) => reviewAnomaly(db, id, review),
    anomalyStats: () => anomalyStats(db),
    recentPredictions: (limit, modelVersion) => recentPredictions(db, limit, modelVersion),
    servedFeatureVectors: (limit) => servedFeatureVectors(db, limit),
    countServedFeatureVectors: (since) => countServedFeatureVectors(db, since),
    addressActivity: (address, options) => addressActivity(db, address, options),
  };
}

export { MAX_ADDRESS_ACTIVITY } from "./address-activity.ts";
export { MAX_ANOMALY_PAGE_SIZE } from "./anomalies.ts";
export {
  type ApplyCorrectionsOptions,
  type CorrectedPrediction,
  type CorrectionKey,
  type IncidentCorrectionInput,
  MAX_INCIDENT_CORRECTIONS,
} from "./incidents.ts";
export { MAX_RECENT_PREDICTIONS } from "./predictions.ts";
export { MAX_SERVED_FEATURE_ROWS } from "./served-features.ts";
export { MAX_CONFLICTS_PER_HASH, MAX_LOOKUP_HASHES } from "./transactions.ts";
export * from "./types.ts";
