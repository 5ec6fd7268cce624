export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];
/** The kinds of reason a combined verdict gives (@chainwatch/context's ReasonKind). */
export const REASON_KINDS = ["model", "context", "label", "rule"] as const;
export type ReasonKind = (typeof REASON_KINDS)[number];

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
  /** The combined verdict (@chainwatch/context); absent for a model-only record. */
  riskScore?: number;
  riskLevel?: Severity;
  reasons?: unknown[];
}

/**
 * Where a record came from, kept with a content conflict it causes (the conflict row and its audit entry);
 * never a secret.
 */
export interface RecordOrigin {
  /** Which path scored it: `predict` (gateway API), `ingest` (gateway, embedded mode), `stream` (worker). */
  source: RecordSource;
  /** The HTTP request id (the gateway's, carried through Kafka for ingested transactions). */
  requestId?: string | null;
  /** Who sent it, as `<principal type>:<id>` (e.g. `api_key:…`, `user:…`), when known. */
  principal?: string | null;
  /** Client address and user agent: the audit entry's, not kept in the conflict row. */
  ip?: string | null;
  userAgent?: string | null;
}

export const RECORD_SOURCES = ["predict", "ingest", "stream"] as const;
export type RecordSource = (typeof RECORD_SOURCES)[number];

export interface ScoredTransactionRecord {
  transaction: TransactionRecordInput;
  /**
   * @chainwatch/model `contentFingerprint(transaction)` (43 base64url characters): what the content is. The
   * store keeps the latest content per hash; a record whose fingerprint differs from the stored one
   * replaces it and is reported as a conflict, one with the same fingerprint is a replay (no-op).
   */
  contentFingerprint: string;
  prediction: PredictionInput;
  /** Who and which path sent it; stored with a conflict this record causes. */
  origin?: RecordOrigin;
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
  /** Transaction rows inserted, or rewritten with new content; a replayed record counts 0. */
  transactions: number;
  /** Rows inserted (or a shadow's made served); a replayed record counts 0. */
  predictions: number;
  anomalies: number;
  /**
   * Hashes whose stored content this call replaced with different content (always set by the store; a
   * stand-in may leave it out, which means none). Already durable with their audit entries; the caller
   * logs and counts them.
   */
  conflicts?: TransactionConflict[];
}

/**
 * A known hash recorded again with different content: the new content replaced the stored one (lookups
 * return it with its own prediction), the earlier content's predictions are kept under its fingerprint.
 */
export interface TransactionConflict {
  id: string;
  hash: string;
  /** null: the replaced content was stored before fingerprints existed (migration 0006). */
  previousFingerprint: string | null;
  fingerprint: string;
  /** The model version that scored the new content. */
  modelVersion: string;
  /**
   * Who sent the new content. From recordScored: the record's origin as given; read back from the conflict
   * table: source, request id and principal (ip and user agent are in the audit entry only).
   */
  origin: RecordOrigin | null;
  detectedAt: string;
}

export interface PredictionView {
  id: string;
  txHash: string;
  modelVersion: string;
  /** The combined verdict; riskScore/riskLevel are null and reasons empty for rows stored before it. */
  isAnomaly: boolean;
  riskScore: number | null;
  riskLevel: Severity | null;
  reasons: unknown[];
  anomalyScore: number;
  severity: Severity;
  confidence: number;
  explanation: unknown[];
  /** The feature vector it was scored with (null for rows stored before it was kept). */
  features: Record<string, number> | null;
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
  /** The stored content's fingerprint; null for a row stored before fingerprints and not seen since. */
  contentFingerprint: string | null;
  /** When different content last replaced this hash's stored content (a conflict); null: never. */
  contentChangedAt: string | null;
  /** The latest served prediction of the stored content (earlier contents' predictions are not shown). */
  latestPrediction: PredictionView | null;
  /** The followed chain's view of it (mempool mode, inclusions, reorgs); null: never seen by a follower. */
  chain: ChainStatusView | null;
}

export const CHAIN_STATUSES = ["pending", "mined", "replaced", "dropped", "removed"] as const;

/**
 * `pending`: announced by the node, in no processed block yet (scored before inclusion); `mined`: in a
 * processed canonical block; `replaced`: another transaction of its sender and nonce was mined; `dropped`:
 * not mined within the configured time; `removed`: its every inclusion was orphaned by a reorg.
 */
export interface ChainStatusView {
  status: (typeof CHAIN_STATUSES)[number];
  /** When the mempool watcher first saw it pending; null: not seen before its block. */
  pendingSeenAt: string | null;
  /** When it left the pending state (mined, replaced, dropped). */
  resolvedAt: string | null;
  /** The mined transaction of the same sender and nonce (replaced only). */
  replacedBy: string | null;
  /** Pending seen → its block seen (mined only): how early it was scored. */
  leadTimeMs: number | null;
  /**
   * The fingerprint of the content scored while pending, once the mined content replaced it: the pending
   * result's predictions are stored under it, and its anomaly is the transaction's one anomaly.
   */
  pendingContentFingerprint: string | null;
}

export interface AnomalyView {
  id: string;
  txHash: string;
  modelVersion: string;
  riskScore: number | null;
  riskLevel: Severity | null;
  reasons: unknown[];
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
  /** The combined verdict's level (the model's severity where none was recorded): any of these. */
  level?: Severity[];
  /** detected_at >= since */
  since?: Date;
  /** Reviewed (true) or waiting for a review (false). */
  reviewed?: boolean;
  /** Sender or recipient (0x + 40 lower-case hex). */
  address?: string;
  /** A non-suppressed reason with this code (and kind, when both are given). */
  reasonCode?: string;
  reasonKind?: ReasonKind;
  /** Sender or recipient carries an unexpired label of this screening list. */
  listId?: string;
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
  /** The content it was computed for: part of its prediction cache key. */
  contentFingerprint: string;
  /** The cached shape of a verdict (@chainwatch/scoring ScoreResult without hash, version, cached). */
  prediction: {
    isAnomaly: boolean;
    riskScore: number;
    riskLevel: Severity;
    reasons: unknown[];
    anomalyScore: number;
    severity: Severity;
    confidence: number;
    explanation: unknown[];
  };
}

/** How a transaction touches the screened address; `self` when it is both sender and recipient. */
export type AddressTransactionRole = "from" | "to" | "self";

export interface AddressTransaction {
  hash: string;
  role: AddressTransactionRole;
  /** The latest served prediction's verdict (null for rows stored before the combined verdict). */
  riskScore: number | null;
  riskLevel: Severity | null;
  isAnomaly: boolean;
  /** When that prediction was made. */
  createdAt: string;
}

export interface AddressActivity {
  /** Newest first by first sighting; only scored transactions. */
  transactions: AddressTransaction[];
  /** Transactions from or to the address with a served anomaly (all time, not just the listed ones). */
  anomalyCount: number;
}
