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
}

/**
 * The most recently served predictions (shadow results excluded), newest first, for warming the cache. Rows
 * from before content fingerprints are skipped: their cache key cannot be formed.
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
       explanation
     FROM predictions
     WHERE served AND content_fingerprint IS NOT NULL ${modelVersion === undefined ? "" : "AND model_version = $2"}
     ORDER BY created_at DESC, id DESC
     LIMIT $1`,
    params,
  );
  return rows.map((row) => ({
    txHash: row.tx_hash,
    modelVersion: row.model_version,
    contentFingerprint: row.content_fingerprint,
    prediction: {
      anomalyScore: row.anomaly_score,
      severity: severityOf(row.severity),
      isAnomaly: row.is_anomaly,
      confidence: row.confidence,
      explanation: jsonArrayOf(row.explanation),
    },
  }));
}
