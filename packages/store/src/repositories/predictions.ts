import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { jsonArrayOf, severityOf } from "./row-mapping.ts";
import type { RecentPrediction } from "./types.ts";

export const MAX_RECENT_PREDICTIONS = 10_000;

interface RecentRow {
  tx_hash: string;
  model_version: string;
  content_fingerprint: string;
  anomaly_score: number;
  severity: string;
  is_anomaly: boolean;
  confidence: number;
  explanation: unknown;
  risk_score: number;
  risk_level: string;
  reasons: unknown;
}

/**
 * The most recently served predictions (shadow results excluded), newest first, for warming the cache. Rows
 * from before content fingerprints or before the combined verdict are skipped: their cache entry cannot be
 * formed.
 */
export async function recentPredictions(
  db: Database,
  limit: number,
  modelVersion?: string,
): Promise<RecentPrediction[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_PREDICTIONS) {
    throw new StoreValidationError(`limit must be an integer in 1..${MAX_RECENT_PREDICTIONS}`, {
      field: "limit",
    });
  }
  const params: unknown[] = [limit];
  if (modelVersion !== undefined) params.push(modelVersion);
  const { rows } = await db.query<RecentRow>(
    `SELECT tx_hash, model_version, content_fingerprint, anomaly_score, severity, is_anomaly, confidence,
       explanation, risk_score, risk_level, reasons
     FROM predictions
     WHERE served AND content_fingerprint IS NOT NULL AND risk_score IS NOT NULL ${modelVersion === undefined ? "" : "AND model_version = $2"}
     ORDER BY created_at DESC, id DESC
     LIMIT $1`,
    params,
  );
  return rows.map((row) => ({
    txHash: row.tx_hash,
    modelVersion: row.model_version,
    contentFingerprint: row.content_fingerprint,
    prediction: {
      isAnomaly: row.is_anomaly,
      riskScore: row.risk_score,
      riskLevel: severityOf(row.risk_level),
      reasons: jsonArrayOf(row.reasons),
      anomalyScore: row.anomaly_score,
      severity: severityOf(row.severity),
      confidence: row.confidence,
      explanation: jsonArrayOf(row.explanation),
    },
  }));
}
