import type { Queryable } from "../database.ts";
import type { Suppression, SuppressionEntry, SuppressionStatus } from "./review-types.ts";
import { isoOf, isoOrNull } from "./row-mapping.ts";

// Rows of reason_suppressions (migration 0009) as both drivers return them, and their mapping.

export const SUPPRESSION_COLUMNS = `s.id::text AS id, s.chain_id, s.address, s.reason_code, s.reason,
  s.anomaly_id::text AS anomaly_id, s.created_by, s.created_at, s.expires_at, s.revoked_by, s.revoked_at,
  s.revoke_reason,
  CASE WHEN s.revoked_at IS NOT NULL THEN 'revoked' WHEN s.expires_at <= now() THEN 'expired' ELSE 'active' END
    AS status`;

export interface SuppressionRow {
  id: string;
  chain_id: number;
  address: string;
  reason_code: string;
  reason: string;
  anomaly_id: string | null;
  created_by: string;
  created_at: Date | string;
  expires_at: Date | string;
  revoked_by: string | null;
  revoked_at: Date | string | null;
  revoke_reason: string | null;
  status: SuppressionStatus;
}

export function toSuppression(row: SuppressionRow): Suppression {
  return {
    id: row.id,
    chainId: Number(row.chain_id),
    address: row.address,
    reasonCode: row.reason_code,
    reason: row.reason,
    anomalyId: row.anomaly_id,
    createdBy: row.created_by,
    createdAt: isoOf(row.created_at),
    expiresAt: isoOf(row.expires_at),
    revokedBy: row.revoked_by,
    revokedAt: isoOrNull(row.revoked_at),
    revokeReason: row.revoke_reason,
    status: row.status,
  };
}

/** Active suppressions for the screening snapshot, read in the snapshot's own transaction. */
export async function activeSuppressionEntries(tx: Queryable): Promise<SuppressionEntry[]> {
  const { rows } = await tx.query<{
    id: string;
    address: string;
    chain_id: number;
    reason_code: string;
    expires_at: Date | string;
    anomaly_id: string | null;
  }>(
    `SELECT s.id::text AS id, s.address, s.chain_id, s.reason_code, s.expires_at, s.anomaly_id::text AS anomaly_id
     FROM reason_suppressions s
     WHERE s.revoked_at IS NULL AND s.expires_at > now()
     ORDER BY s.chain_id, s.address, s.id`,
  );
  return rows.map((row) => ({
    suppressionId: row.id,
    address: row.address,
    chainId: Number(row.chain_id),
    reasonCode: row.reason_code,
    expiresAt: isoOf(row.expires_at),
    anomalyId: row.anomaly_id,
  }));
}
