import type { Database, Queryable } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { isLabelId } from "./labels-rows.ts";
import type { RescreenCandidate, RescreenUpdate, StoredVerdict } from "./review-types.ts";
import { isoOf, jsonArrayOf, severityOf } from "./row-mapping.ts";

/** Transactions per page a re-screening job reads (each with its served predictions). */
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

// One page: the next `limit` transactions of the address by (first_seen_at, hash) after the cursor, each
// role's index read from the cursor on (keyset), so a page costs its own rows and not the address's
// history. Paging by prediction id instead re-read every transaction of the address for every page.
// The cursor's time is the stored microseconds as text: a JavaScript Date would round it to milliseconds.
const CANDIDATE_PAGE = `
WITH touched AS (
  SELECT hash, first_seen_at FROM (
    (SELECT hash, first_seen_at FROM transactions
     WHERE from_address = $1 AND first_seen_at >= $2
       AND ($3::timestamptz IS NULL OR (first_seen_at, hash) > ($3::timestamptz, $4::text))
     ORDER BY first_seen_at, hash LIMIT $5)
    UNION
    (SELECT hash, first_seen_at FROM transactions
     WHERE to_address = $1 AND first_seen_at >= $2
       AND ($3::timestamptz IS NULL OR (first_seen_at, hash) > ($3::timestamptz, $4::text))
     ORDER BY first_seen_at, hash LIMIT $5)
  ) both_roles
  ORDER BY first_seen_at, hash
  LIMIT $5
)
SELECT t.hash AS tx_hash, t.from_address, t.to_address, t.first_seen_at,
  to_char(t.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
  p.id::text AS id, p.model_version, p.risk_score, p.risk_level, p.is_anomaly, p.reasons
FROM touched
JOIN transactions t ON t.hash = touched.hash
LEFT JOIN predictions p ON p.tx_hash = t.hash
  AND p.content_fingerprint IS NOT DISTINCT FROM t.content_fingerprint
  AND p.served AND p.reasons IS NOT NULL AND p.risk_score IS NOT NULL
ORDER BY t.first_seen_at, t.hash, p.id`;

interface CandidateRow {
  id: string | null;
  tx_hash: string;
  from_address: string | null;
  to_address: string | null;
  model_version: string | null;
  first_seen_at: Date | string;
  cursor_at: string;
  risk_score: number | null;
  risk_level: string | null;
  is_anomaly: boolean | null;
  reasons: unknown;
}

/** Where the next page starts: opaque to callers, handed back as `after`. */
export interface RescreenCursor {
  firstSeenAt: string;
  hash: string;
}

export interface RescreenPage {
  candidates: RescreenCandidate[];
  /** null on the last page. */
  next: RescreenCursor | null;
}

export async function rescreenCandidates(
  db: Database,
  address: string,
  options: { since: Date; after?: RescreenCursor; limit: number },
): Promise<RescreenPage> {
  if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > MAX_RESCREEN_PAGE)
    throw new StoreValidationError(`limit must be 1..${MAX_RESCREEN_PAGE}`, { field: "limit" });
  const { after } = options;
  if (
    after !== undefined &&
    (Number.isNaN(Date.parse(after.firstSeenAt)) || !/^0x[0-9a-f]{64}$/.test(after.hash))
  )
    throw new StoreValidationError("invalid cursor", { field: "after" });
  const { rows } = await db.query<CandidateRow>(CANDIDATE_PAGE, [
    address,
    options.since.toISOString(),
    after?.firstSeenAt ?? null,
    after?.hash ?? null,
    options.limit,
  ]);
  const candidates: RescreenCandidate[] = [];
  let transactions = 0;
  let last: CandidateRow | undefined;
  for (const row of rows) {
    if (row.tx_hash !== last?.tx_hash) transactions++;
    last = row;
    if (row.id === null || row.model_version === null || row.risk_level === null) continue;
    candidates.push({
      predictionId: row.id,
      txHash: row.tx_hash,
      from: row.from_address,
      to: row.to_address,
      modelVersion: row.model_version,
      firstSeenAt: isoOf(row.first_seen_at),
      riskScore: Number(row.risk_score),
      riskLevel: severityOf(row.risk_level),
      isAnomaly: row.is_anomaly === true,
      reasons: jsonArrayOf(row.reasons),
    });
  }
  return {
    candidates,
    next: transactions === options.limit && last ? { firstSeenAt: last.cursor_at, hash: last.tx_hash } : null,
  };
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

// One statement per page of changed verdicts: the predictions, the anomaly of each (updated in place, or
// inserted when newly flagged so it reaches the review queue; one no longer flagged keeps its row and any
// review, with the new verdict), and the record of each change. A statement per row cost 1.5 ms a result
// on PostgreSQL and 6 ms on PGlite (docs/benchmarks.md, "Re-screening"); the CTEs see one snapshot, so the
// insert is limited to rows the update found no anomaly for.
const APPLY_RESCREEN = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json) AS r(prediction_id bigint, risk_score float8, risk_level text,
    is_anomaly boolean, reasons jsonb, before jsonb, after jsonb)
),
updated AS (
  UPDATE predictions p
  SET risk_score = i.risk_score, risk_level = i.risk_level, is_anomaly = i.is_anomaly, reasons = i.reasons
  FROM input i
  WHERE p.id = i.prediction_id
  RETURNING p.id, p.tx_hash, p.model_version, p.content_fingerprint, p.anomaly_score, p.severity, p.confidence,
    p.features, p.explanation, p.served, i.risk_score, i.risk_level, i.is_anomaly, i.reasons, i.before, i.after
),
anomalies_updated AS (
  UPDATE anomalies a SET risk_score = u.risk_score, risk_level = u.risk_level, reasons = u.reasons
  FROM updated u
  WHERE a.tx_hash = u.tx_hash AND a.model_version = u.model_version
    AND a.content_fingerprint IS NOT DISTINCT FROM u.content_fingerprint
  RETURNING u.id
),
anomalies_inserted AS (
  INSERT INTO anomalies (tx_hash, model_version, content_fingerprint, anomaly_score, severity, confidence,
    features, explanation, risk_score, risk_level, reasons, served)
  SELECT u.tx_hash, u.model_version, u.content_fingerprint, u.anomaly_score, u.severity, u.confidence,
    u.features, u.explanation, u.risk_score, u.risk_level, u.reasons, u.served
  FROM updated u
  WHERE u.is_anomaly AND NOT EXISTS (SELECT 1 FROM anomalies_updated x WHERE x.id = u.id)
  ON CONFLICT DO NOTHING
  RETURNING 1
),
recorded AS (
  INSERT INTO rescreen_changes (job_id, address, prediction_id, tx_hash, before, after, changed_by)
  SELECT $2, $3, u.id, u.tx_hash, u.before, u.after, $4 FROM updated u
  RETURNING 1
)
SELECT (SELECT count(*) FROM recorded)::int AS updated, (SELECT count(*) FROM anomalies_inserted)::int AS inserted`;

export async function applyRescreen(
  tx: Queryable,
  input: { jobId: string; address: string; actor: string; updates: readonly RescreenUpdate[] },
): Promise<{ updated: number; anomaliesInserted: number }> {
  if (input.updates.length === 0) return { updated: 0, anomaliesInserted: 0 };
  for (const update of input.updates)
    if (!isLabelId(update.predictionId))
      throw new StoreValidationError("invalid predictionId", { field: "predictionId" });
  const rows = input.updates.map((update) => ({
    prediction_id: update.predictionId,
    risk_score: update.after.riskScore,
    risk_level: update.after.riskLevel,
    is_anomaly: update.after.isAnomaly,
    reasons: update.after.reasons,
    before: summary(update.before),
    after: summary(update.after),
  }));
  const { rows: counts } = await tx.query<{ updated: number; inserted: number }>(APPLY_RESCREEN, [
    JSON.stringify(rows),
    input.jobId,
    input.address,
    input.actor,
  ]);
  return { updated: Number(counts[0]?.updated ?? 0), anomaliesInserted: Number(counts[0]?.inserted ?? 0) };
}
