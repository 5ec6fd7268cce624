import type { Database, Queryable } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { isLabelId } from "./labels-rows.ts";
import type { RescreenCandidate, RescreenUpdate, StoredVerdict } from "./review-types.ts";
import { isoOf, jsonArrayOf, severityOf } from "./row-mapping.ts";

/** Candidates per page a re-screening job reads. */
export const MAX_RESCREEN_PAGE = 1_000;

// The transactions of one address in a window, through the (from_address, first_seen_at) and
// (to_address, first_seen_at) indexes, then their served predictions of the stored content. Rows from
// before migration 0007 carry no reasons: there is nothing to re-apply labels to, so they are left out.
const CANDIDATE_TRANSACTIONS = `
  touched AS (
    SELECT hash FROM transactions WHERE from_address = $1 AND first_seen_at >= $2
    UNION
    SELECT hash FROM transactions WHERE to_address = $1 AND first_seen_at >= $2
  )`;

interface CandidateRow {
  id: string;
  tx_hash: string;
  from_address: string | null;
  to_address: string | null;
  model_version: string;
  first_seen_at: Date | string;
  risk_score: number;
  risk_level: string;
  is_anomaly: boolean;
  reasons: unknown;
}

export async function rescreenCandidates(
  db: Database,
  address: string,
  options: { since: Date; afterId?: string; limit: number },
): Promise<RescreenCandidate[]> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_RESCREEN_PAGE)
    throw new StoreValidationError(`limit must be 1..${MAX_RESCREEN_PAGE}`, { field: "limit" });
  if (options.afterId !== undefined && !isLabelId(options.afterId))
    throw new StoreValidationError("invalid afterId", { field: "afterId" });
  const { rows } = await db.query<CandidateRow>(
    `WITH ${CANDIDATE_TRANSACTIONS}
     SELECT p.id::text AS id, p.tx_hash, t.from_address, t.to_address, p.model_version, t.first_seen_at,
       p.risk_score, p.risk_level, p.is_anomaly, p.reasons
     FROM touched
     JOIN transactions t ON t.hash = touched.hash
     JOIN predictions p ON p.tx_hash = t.hash
       AND p.content_fingerprint IS NOT DISTINCT FROM t.content_fingerprint
     WHERE p.served AND p.reasons IS NOT NULL AND p.risk_score IS NOT NULL
       AND ($3::bigint IS NULL OR p.id > $3::bigint)
     ORDER BY p.id
     LIMIT $4`,
    [address, options.since.toISOString(), options.afterId ?? null, options.limit],
  );
  return rows.map((row) => ({
    predictionId: row.id,
    txHash: row.tx_hash,
    from: row.from_address,
    to: row.to_address,
    modelVersion: row.model_version,
    firstSeenAt: isoOf(row.first_seen_at),
    riskScore: Number(row.risk_score),
    riskLevel: severityOf(row.risk_level),
    isAnomaly: row.is_anomaly,
    reasons: jsonArrayOf(row.reasons),
  }));
}

export async function countRescreenCandidates(db: Database, address: string, since: Date): Promise<number> {
  const { rows } = await db.query<{ total: number | string }>(
    `WITH ${CANDIDATE_TRANSACTIONS}
     SELECT count(*) AS total
     FROM touched
     JOIN transactions t ON t.hash = touched.hash
     JOIN predictions p ON p.tx_hash = t.hash
       AND p.content_fingerprint IS NOT DISTINCT FROM t.content_fingerprint
     WHERE p.served AND p.reasons IS NOT NULL AND p.risk_score IS NOT NULL`,
    [address, since.toISOString()],
  );
  return Number(rows[0]?.total ?? 0);
}

const summary = (verdict: StoredVerdict) => ({
  riskScore: verdict.riskScore,
  riskLevel: verdict.riskLevel,
  isAnomaly: verdict.isAnomaly,
  reasons: verdict.reasons,
});

/** One statement per update keeps this simple; a job writes only the verdicts that changed (few). */
export async function applyRescreen(
  tx: Queryable,
  input: { jobId: string; address: string; actor: string; updates: readonly RescreenUpdate[] },
): Promise<{ updated: number; anomaliesInserted: number }> {
  let updated = 0;
  let anomaliesInserted = 0;
  for (const update of input.updates) {
    const { after } = update;
    const written = await tx.query<{ tx_hash: string }>(
      `UPDATE predictions SET risk_score = $2, risk_level = $3, is_anomaly = $4, reasons = $5::jsonb
       WHERE id = $1::bigint
       RETURNING tx_hash`,
      [update.predictionId, after.riskScore, after.riskLevel, after.isAnomaly, JSON.stringify(after.reasons)],
    );
    if (written.rowCount === 0) continue;
    updated++;
    // The anomaly of the same prediction shows the same verdict; one that is new to it joins the review
    // queue (detected now), and one no longer flagged keeps its row (and any review) with the new verdict.
    const anomaly = await tx.query(
      `WITH p AS (SELECT * FROM predictions WHERE id = $1::bigint),
       changed AS (
         UPDATE anomalies a SET risk_score = $2, risk_level = $3, reasons = $4::jsonb
         FROM p
         WHERE a.tx_hash = p.tx_hash AND a.model_version = p.model_version
           AND a.content_fingerprint IS NOT DISTINCT FROM p.content_fingerprint
         RETURNING a.id
       )
       INSERT INTO anomalies (tx_hash, model_version, content_fingerprint, anomaly_score, severity, confidence,
         features, explanation, risk_score, risk_level, reasons, served)
       SELECT p.tx_hash, p.model_version, p.content_fingerprint, p.anomaly_score, p.severity, p.confidence,
         p.features, p.explanation, $2, $3, $4::jsonb, p.served
       FROM p
       WHERE $5::boolean AND NOT EXISTS (SELECT 1 FROM changed)
       ON CONFLICT DO NOTHING`,
      [update.predictionId, after.riskScore, after.riskLevel, JSON.stringify(after.reasons), after.isAnomaly],
    );
    anomaliesInserted += anomaly.rowCount;
    await tx.query(
      `INSERT INTO rescreen_changes (job_id, address, prediction_id, tx_hash, before, after, changed_by)
       VALUES ($1, $2, $3::bigint, $4, $5::jsonb, $6::jsonb, $7)`,
      [
        input.jobId,
        input.address,
        update.predictionId,
        update.txHash,
        JSON.stringify(summary(update.before)),
        JSON.stringify(summary(after)),
        input.actor,
      ],
    );
  }
  return { updated, anomaliesInserted };
}
