export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A transaction as the scoring path sees it; amounts in wei as bigint, `timestamp` in unix seconds. */
export interface TransactionRecordInput {
  hash: string;
  valueWei: bigint;
  gas: bigint;
  gasPriceWei: bigint;
  maxFeePerGasWei: bigint | null;
  maxPriorityFeePerGasWei: bigint | null;
  from: string | null;
  /** null: contract creation */
  to: string | null;
  nonce: number | null;
  /** call data as 0x-prefixed hex; only its size and 4-byte selector are stored */
  input: string;
  blockNumber: number | null;
  timestamp: number | null;
  txType: number | null;
}

export interface PredictionInput {
  modelVersion: string;
  anomalyScore: number;
  severity: Severity;
  isAnomaly: boolean;
  confidence: number;
  explanation: unknown[];
}

export interface ScoredTransactionRecord {
  transaction: TransactionRecordInput;
  prediction: PredictionInput;
  features?: Record<string, number>;
  /** When the prediction was made; defaults to when recordScored runs (later, behind the queue). */
  scoredAt?: Date;
  /**
   * false for a shadow model's result: stored for comparison, never returned as the transaction's latest
   * prediction nor listed for review. Default true.
   */
  served?: boolean;
}

export interface RecordScoredResult {
  /** Rows actually inserted; a replayed record counts 0. */
  transactions: number;
  predictions: number;
  anomalies: number;
}

export interface PredictionView {
  id: string;
  txHash: string;
  modelVersion: string;
  anomalyScore: number;
  severity: Severity;
  isAnomaly: boolean;
  confidence: number;
  explanation: unknown[];
  createdAt: string;
}

/** A stored transaction; wei amounts are decimal strings because JSON has no bigint. */
export interface TransactionView {
  hash: string;
  blockNumber: number | null;
  blockTimestamp: string | null;
  from: string | null;
  to: string | null;
  valueWei: string;
  gas: string;
  gasPriceWei: string;
  maxFeePerGasWei: string | null;
  maxPriorityFeePerGasWei: string | null;
  nonce: number | null;
  inputSize: number;
  selector: string | null;
  txType: number | null;
  firstSeenAt: string;
  latestPrediction: PredictionView | null;
}

export interface AnomalyView {
  id: string;
  txHash: string;
  modelVersion: string;
  anomalyScore: number;
  severity: Severity;
  confidence: number;
  features: Record<string, number> | null;
  explanation: unknown[];
  detectedAt: string;
  reviewed: boolean;
  reviewedBy: string | null;
  reviewedAt: string | null;
  falsePositive: boolean | null;
  reviewNote: string | null;
}

export interface ListAnomaliesOptions {
  /** 1..MAX_ANOMALY_PAGE_SIZE */
  limit: number;
  /** Any of these; undefined or empty means all. */
  severity?: Severity[];
  /** detected_at >= since */
  since?: Date;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

export interface AnomalyPage {
  items: AnomalyView[];
  /** null on the last page */
  nextCursor: string | null;
  /** Anomalies matching severity and since (the cursor does not narrow it). */
  total: number;
}

export interface ReviewInput {
  falsePositive: boolean;
  note?: string;
  reviewedBy: string;
}

export interface AnomalyStats {
  total: number;
  reviewed: number;
  falsePositives: number;
  /** falsePositives / reviewed; 0 when nothing is reviewed yet */
  falsePositiveRate: number;
  bySeverity: Record<Severity, number>;
}

export interface RecentPrediction {
  txHash: string;
  modelVersion: string;
  prediction: {
    anomalyScore: number;
    severity: Severity;
    isAnomaly: boolean;
    confidence: number;
    explanation: unknown[];
  };
}
