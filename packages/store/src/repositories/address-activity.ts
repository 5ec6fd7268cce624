import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { isoOf, numberOrNull, severityOf } from "./row-mapping.ts";
import type { AddressActivity, AddressTransactionRole } from "./types.ts";

/** Bounds the recent transactions of one address screen (the API serves 20). */
export const MAX_ADDRESS_ACTIVITY = 100;

const ADDRESS_PATTERN = /^0x[0-9a-f]{40}$/;

// Each side walks its own (address, first_seen_at DESC) index and stops after `limit` rows, so a busy
// address costs 2 × limit index entries, never a scan of its history. The latest served prediction of the
// stored content comes from the same LATERAL probe as the transaction lookup (transactions.ts).
const RECENT = `
SELECT t.hash, t.from_address, t.to_address, t.first_seen_at,
  p.risk_score, p.risk_level, p.is_anomaly, p.created_at
FROM (
  (SELECT hash, from_address, to_address, first_seen_at, content_fingerprint FROM transactions
   WHERE from_address = $1 ORDER BY first_seen_at DESC LIMIT $2)
  UNION
  (SELECT hash, from_address, to_address, first_seen_at, content_fingerprint FROM transactions
   WHERE to_address = $1 ORDER BY first_seen_at DESC LIMIT $2)
) t
JOIN LATERAL (
  SELECT risk_score, risk_level, is_anomaly, created_at
  FROM predictions
  WHERE tx_hash = t.hash AND served AND content_fingerprint IS NOT DISTINCT FROM t.content_fingerprint
  ORDER BY predictions.created_at DESC, predictions.id DESC
  LIMIT 1
) p ON true
ORDER BY t.first_seen_at DESC, t.hash DESC
LIMIT $2`;

// Distinct transactions from or to the address with a served anomaly for their stored content.
const ANOMALY_COUNT = `
SELECT count(DISTINCT t.hash)::int AS n
FROM transactions t
JOIN anomalies a ON a.tx_hash = t.hash AND a.served
  AND a.content_fingerprint IS NOT DISTINCT FROM t.content_fingerprint
WHERE t.from_address = $1 OR t.to_address = $1`;

interface RecentRow {
  hash: string;
  from_address: string | null;
  to_address: string | null;
  first_seen_at: Date | string;
  risk_score: number | string | null;
  risk_level: string | null;
  is_anomaly: boolean;
  created_at: Date | string;
}

/**
 * The scored transactions from or to one address, newest first by first sighting, each with its latest
 * served prediction, and how many of all its transactions were flagged. Unscored transactions are left out.
 */
export async function addressActivity(
  db: Database,
  address: string,
  options: { limit: number },
): Promise<AddressActivity> {
  const wanted = typeof address === "string" ? address.trim().toLowerCase() : "";
  if (!ADDRESS_PATTERN.test(wanted))
    throw new StoreValidationError("invalid address: must be 0x and 40 hex digits", { field: "address" });
  const { limit } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ADDRESS_ACTIVITY)
    throw new StoreValidationError(`limit must be 1..${MAX_ADDRESS_ACTIVITY}`, { field: "limit" });
  const [recent, anomalies] = await Promise.all([
    db.query<RecentRow>(RECENT, [wanted, limit]),
    db.query<{ n: number | string }>(ANOMALY_COUNT, [wanted]),
  ]);
  const roleOf = (row: RecentRow): AddressTransactionRole =>
    row.from_address === wanted ? (row.to_address === wanted ? "self" : "from") : "to";
  return {
    transactions: recent.rows.map((row) => ({
      hash: row.hash,
      role: roleOf(row),
      riskScore: numberOrNull(row.risk_score),
      riskLevel: row.risk_level === null ? null : severityOf(row.risk_level),
      isAnomaly: row.is_anomaly,
      createdAt: isoOf(row.created_at),
    })),
    anomalyCount: Number(anomalies.rows[0]?.n ?? 0),
  };
}
