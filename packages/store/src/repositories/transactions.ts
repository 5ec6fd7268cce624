import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { isoOf, isoOrNull, jsonArrayOf, numberOrNull, severityOf } from "./row-mapping.ts";
import type {
  ChainStatusView,
  PredictionView,
  RecordSource,
  TransactionConflict,
  TransactionView,
} from "./types.ts";

/** Bounds one ANY($1) lookup; batch endpoints page above this. */
export const MAX_LOOKUP_HASHES = 1_000;

// The latest prediction per transaction comes from a LATERAL subquery on (tx_hash, created_at DESC, id DESC):
// one index probe per hash inside the same statement, so a lookup of n hashes is one round trip, not n + 1.
// Served rows only: a shadow model's newer result must never be shown as the transaction's prediction (the
// few shadow rows per hash are skipped in the same index walk). And the stored content's only: when other
// content replaced a hash's row (a conflict), the earlier content's predictions stay in the table under
// their fingerprint but are never shown as this content's verdict.
const LOOKUP = `
SELECT t.hash, t.block_number::text AS block_number, t.block_timestamp, t.from_address, t.to_address,
  t.value_wei::text AS value_wei, t.gas::text AS gas, t.gas_price_wei::text AS gas_price_wei,
  t.max_fee_per_gas_wei::text AS max_fee_per_gas_wei,
  t.max_priority_fee_per_gas_wei::text AS max_priority_fee_per_gas_wei,
  t.nonce::text AS nonce, t.input_size, t.selector, t.tx_type, t.first_seen_at, t.content_fingerprint,
  t.content_changed_at,
  p.id AS p_id, p.model_version AS p_model_version, p.anomaly_score AS p_anomaly_score,
  p.severity AS p_severity, p.is_anomaly AS p_is_anomaly, p.confidence AS p_confidence,
  p.explanation AS p_explanation, p.risk_score AS p_risk_score, p.risk_level AS p_risk_level,
  p.reasons AS p_reasons, p.features AS p_features, p.created_at AS p_created_at,
  t.removed_at, t.pending_fingerprint, cp.status AS cp_status, cp.seen_at AS cp_seen_at, cp.resolved_at AS cp_resolved_at,
  cp.replaced_by AS cp_replaced_by, cp.lead_time_ms::text AS cp_lead_time_ms,
  EXISTS (SELECT 1 FROM chain_inclusions i WHERE i.tx_hash = t.hash AND i.removed_at IS NULL) AS is_included
FROM transactions t
LEFT JOIN LATERAL (
  SELECT id::text AS id, model_version, anomaly_score, severity, is_anomaly, confidence, explanation,
    risk_score, risk_level, reasons, features, created_at
  FROM predictions
  WHERE tx_hash = t.hash AND served AND content_fingerprint IS NOT DISTINCT FROM t.content_fingerprint
  ORDER BY predictions.created_at DESC, predictions.id DESC
  LIMIT 1
) p ON true
LEFT JOIN LATERAL (
  SELECT status, seen_at, resolved_at, replaced_by, lead_time_ms
  FROM chain_pending_transactions
  WHERE tx_hash = t.hash
  ORDER BY seen_at DESC
  LIMIT 1
) cp ON true
WHERE t.hash = ANY($1::text[])`;

interface LookupRow {
  hash: string;
  block_number: string | null;
  block_timestamp: Date | null;
  from_address: string | null;
  to_address: string | null;
  value_wei: string;
  gas: string;
  gas_price_wei: string;
  max_fee_per_gas_wei: string | null;
  max_priority_fee_per_gas_wei: string | null;
  nonce: string | null;
  input_size: number;
  selector: string | null;
  tx_type: number | null;
  first_seen_at: Date;
  content_fingerprint: string | null;
  content_changed_at: Date | null;
  p_id: string | null;
  p_model_version: string | null;
  p_anomaly_score: number | null;
  p_severity: string | null;
  p_is_anomaly: boolean | null;
  p_confidence: number | null;
  p_explanation: unknown;
  p_risk_score: number | null;
  p_risk_level: string | null;
  p_reasons: unknown;
  p_features: Record<string, number> | null;
  p_created_at: Date | null;
  removed_at: Date | null;
  pending_fingerprint: string | null;
  cp_status: ChainStatusView["status"] | null;
  cp_seen_at: Date | null;
  cp_resolved_at: Date | null;
  cp_replaced_by: string | null;
  cp_lead_time_ms: string | null;
  is_included: boolean;
}

/** Stored transactions among `hashes`, in request order, each with its latest prediction; unknown ones are absent. */
export async function lookupTransactions(db: Database, hashes: string[]): Promise<TransactionView[]> {
  if (hashes.length > MAX_LOOKUP_HASHES) {
    throw new StoreValidationError(`at most ${MAX_LOOKUP_HASHES} hashes per lookup`, {
      count: hashes.length,
    });
  }
  const wanted = [...new Set(hashes.map((hash) => hash.toLowerCase()))];
  if (wanted.length === 0) return [];
  const { rows } = await db.query<LookupRow>(LOOKUP, [wanted]);
  const byHash = new Map(rows.map((row) => [row.hash, toTransactionView(row)]));
  return wanted.flatMap((hash) => byHash.get(hash) ?? []);
}

export async function getTransaction(db: Database, hash: string): Promise<TransactionView | null> {
  const [view] = await lookupTransactions(db, [hash]);
  return view ?? null;
}

function toTransactionView(row: LookupRow): TransactionView {
  return {
    hash: row.hash,
    blockNumber: numberOrNull(row.block_number),
    blockTimestamp: isoOrNull(row.block_timestamp),
    from: row.from_address,
    to: row.to_address,
    valueWei: row.value_wei,
    gas: row.gas,
    gasPriceWei: row.gas_price_wei,
    maxFeePerGasWei: row.max_fee_per_gas_wei,
    maxPriorityFeePerGasWei: row.max_priority_fee_per_gas_wei,
    nonce: numberOrNull(row.nonce),
    inputSize: row.input_size,
    selector: row.selector,
    txType: row.tx_type,
    firstSeenAt: isoOf(row.first_seen_at),
    contentFingerprint: row.content_fingerprint,
    contentChangedAt: isoOrNull(row.content_changed_at),
    latestPrediction: toPredictionView(row),
    chain: toChainStatusView(row),
  };
}

/**
 * What the chain says about the transaction, for transactions a chain follower saw: orphaned by a reorg
 * (every inclusion removed) wins, then the mempool watcher's record, then a live inclusion or a mined
 * content that replaced a pending one; null for
 * transactions that never came from a followed chain.
 */
function toChainStatusView(row: LookupRow): ChainStatusView | null {
  const pending = {
    pendingSeenAt: isoOrNull(row.cp_seen_at),
    resolvedAt: isoOrNull(row.cp_resolved_at),
    replacedBy: row.cp_replaced_by,
    leadTimeMs: numberOrNull(row.cp_lead_time_ms),
    pendingContentFingerprint: row.pending_fingerprint,
  };
  if (row.removed_at !== null) return { status: "removed", ...pending };
  if (row.cp_status !== null) return { status: row.cp_status, ...pending };
  // Stored again with its block after being stored without one (pending_fingerprint) is mined too.
  if (row.is_included || row.pending_fingerprint !== null) return { status: "mined", ...pending };
  return null;
}

function toPredictionView(row: LookupRow): PredictionView | null {
  if (row.p_id === null || row.p_created_at === null) return null;
  return {
    id: row.p_id,
    txHash: row.hash,
    modelVersion: row.p_model_version ?? "",
    isAnomaly: row.p_is_anomaly ?? false,
    riskScore: row.p_risk_score,
    riskLevel: row.p_risk_level === null ? null : severityOf(row.p_risk_level),
    reasons: jsonArrayOf(row.p_reasons),
    anomalyScore: row.p_anomaly_score ?? 0,
    severity: severityOf(row.p_severity ?? "low"),
    confidence: row.p_confidence ?? 0,
    explanation: jsonArrayOf(row.p_explanation),
    features: row.p_features,
    createdAt: isoOf(row.p_created_at),
  };
}

/** Bounds one conflict listing. */
export const MAX_CONFLICTS_PER_HASH = 100;

interface ConflictRow {
  id: string;
  tx_hash: string;
  previous_fingerprint: string | null;
  fingerprint: string;
  model_version: string;
  source: string | null;
  request_id: string | null;
  principal: string | null;
  detected_at: Date | string;
}

/** The content conflicts recorded for one hash, newest first (at most MAX_CONFLICTS_PER_HASH). */
export async function transactionConflicts(db: Database, hash: string): Promise<TransactionConflict[]> {
  const { rows } = await db.query<ConflictRow>(
    `SELECT id::text AS id, tx_hash, previous_fingerprint, fingerprint, model_version, source, request_id,
       principal, detected_at
     FROM transaction_conflicts WHERE tx_hash = $1
     ORDER BY detected_at DESC, id DESC LIMIT $2`,
    [hash.toLowerCase(), MAX_CONFLICTS_PER_HASH],
  );
  return rows.map((row) => ({
    id: row.id,
    hash: row.tx_hash,
    previousFingerprint: row.previous_fingerprint,
    fingerprint: row.fingerprint,
    modelVersion: row.model_version,
    origin:
      row.source === null
        ? null
        : { source: row.source as RecordSource, requestId: row.request_id, principal: row.principal },
    detectedAt: isoOf(row.detected_at),
  }));
}
