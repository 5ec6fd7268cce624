import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { SEVERITIES } from "./types.ts";

/** One stored transaction an incident names after it was scored (@chainwatch/scoring IncidentCorrection). */
export interface IncidentCorrectionInput {
  hash: string;
  incidentId: string;
  /** The `part_of_incident` reason; its data carries `incidentId` (the generated column reads it there). */
  reason: { code: string; data: Record<string, unknown> };
  /** The incident's evidence alone: a floor for the stored riskScore. */
  riskScore: number;
  riskLevel: string;
  isAnomaly: boolean;
}

/** A stored verdict a correction changed, as it is now. */
export interface CorrectedPrediction {
  hash: string;
  incidentId: string;
  modelVersion: string;
  contentFingerprint: string | null;
  isAnomaly: boolean;
  /** false before the correction: the incident flagged it. */
  wasAnomaly: boolean;
  riskScore: number;
  riskLevel: string;
  reasons: unknown[];
  anomalyScore: number;
  severity: string;
  confidence: number;
  explanation: unknown[];
  /** The feature vector it was scored with ({} for rows stored before vectors were kept). */
  features: Record<string, number>;
  /** What a reviewer (and the anomalies topic) needs without a lookup; wei as decimal strings. */
  transaction: {
    from: string | null;
    to: string | null;
    valueWei: string;
    gas: string;
    gasPriceWei: string;
    blockNumber: number | null;
    timestamp: number | null;
  };
}

export const MAX_INCIDENT_CORRECTIONS = 10_000;

// What a corrected verdict looks like to the caller, from `c` (the corrected rows) and `t` (transactions).
const CORRECTED_JSON = `SELECT coalesce(json_agg(json_build_object('hash', c.tx_hash, 'incidentId', c.incident_id,
    'modelVersion', c.model_version, 'contentFingerprint', c.content_fingerprint, 'isAnomaly', c.is_anomaly,
    'wasAnomaly', c.was_anomaly, 'riskScore', c.risk_score, 'riskLevel', c.risk_level, 'reasons', c.reasons,
    'anomalyScore', c.anomaly_score, 'severity', c.severity, 'confidence', c.confidence,
    'explanation', c.explanation, 'features', coalesce(c.features, '{}'::jsonb),
    'transaction', json_build_object('from', t.from_address, 'to', t.to_address,
      'valueWei', t.value_wei::text, 'gas', t.gas::text, 'gasPriceWei', t.gas_price_wei::text,
      'blockNumber', t.block_number, 'timestamp', floor(extract(epoch FROM t.block_timestamp))::bigint))
    ORDER BY c.tx_hash, c.model_version), '[]'::json) AS corrected`;

// One statement: the served predictions of each named hash take the incident's floor and its reason in
// front, only while they belong to no incident (incident_id, generated from the reasons, is null), so a
// redelivered correction is a no-op. Newly flagged ones get their anomaly row (the anomaly list reads
// those); ones already flagged have theirs brought up to date.
const APPLY_CORRECTIONS = `
WITH input AS MATERIALIZED (
  SELECT DISTINCT ON (hash) * FROM json_to_recordset($1::json)
    AS r(ord int, hash text, incident_id text, reason jsonb, risk_score float8, risk_level text, is_anomaly bool)
  ORDER BY hash, ord
),
previous AS MATERIALIZED (
  SELECT p.id, p.is_anomaly FROM predictions p JOIN input i ON i.hash = p.tx_hash
  WHERE p.served AND p.incident_id IS NULL
  ORDER BY p.id
  FOR UPDATE OF p
),
corrected AS (
  UPDATE predictions p SET
    risk_score = GREATEST(coalesce(p.risk_score, 0), i.risk_score),
    risk_level = CASE WHEN coalesce(p.risk_score, 0) >= i.risk_score THEN p.risk_level ELSE i.risk_level END,
    is_anomaly = p.is_anomaly OR i.is_anomaly,
    reasons = jsonb_build_array(i.reason) || coalesce(p.reasons, '[]'::jsonb)
  FROM input i, previous v
  WHERE p.id = v.id AND p.tx_hash = i.hash
  RETURNING p.tx_hash, p.model_version, p.content_fingerprint, p.is_anomaly, v.is_anomaly AS was_anomaly,
    p.risk_score, p.risk_level, p.reasons, p.anomaly_score, p.severity, p.confidence, p.explanation,
    p.features, p.served, i.incident_id
),
anomaly_rows AS (
  INSERT INTO anomalies (tx_hash, model_version, content_fingerprint, anomaly_score, severity, confidence,
    features, explanation, risk_score, risk_level, reasons, served)
  SELECT tx_hash, model_version, content_fingerprint, anomaly_score, severity, confidence, features,
    explanation, risk_score, risk_level, reasons, served
  FROM corrected WHERE is_anomaly
  ON CONFLICT (tx_hash, model_version, content_fingerprint) DO UPDATE SET
    risk_score = EXCLUDED.risk_score, risk_level = EXCLUDED.risk_level, reasons = EXCLUDED.reasons
  RETURNING 1
),
pending AS (
  INSERT INTO incident_corrections_pending (tx_hash, model_version, incident_id, trigger_hash, was_anomaly)
  SELECT c.tx_hash, c.model_version, c.incident_id, i.reason->'data'->>'triggerHash', c.was_anomaly
  FROM corrected c JOIN input i ON i.hash = c.tx_hash
  WHERE $2::bool AND i.reason->'data'->>'triggerHash' IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING 1
)
${CORRECTED_JSON}, (SELECT count(*)::int FROM anomaly_rows) AS anomalies
FROM corrected c JOIN transactions t ON t.hash = c.tx_hash`;

/**
 * Applies incident corrections to stored verdicts (see APPLY_CORRECTIONS) and returns what changed. A hash
 * not stored yet (its write still queued) is skipped: its own result carries no incident.
 */
export async function applyIncidentCorrections(
  db: Database,
  corrections: readonly IncidentCorrectionInput[],
  options: ApplyCorrectionsOptions = {},
): Promise<CorrectedPrediction[]> {
  if (corrections.length === 0) return [];
  if (corrections.length > MAX_INCIDENT_CORRECTIONS) {
    throw new StoreValidationError(`at most ${MAX_INCIDENT_CORRECTIONS} corrections per call`, {
      field: "corrections",
    });
  }
  const rows = corrections.map((correction, ord) => {
    if (
      correction.reason.code !== "part_of_incident" ||
      correction.reason.data.incidentId !== correction.incidentId
    )
      throw new StoreValidationError("a correction's reason must name its incident", {
        field: "reason",
        index: ord,
      });
    if (!(correction.riskScore >= 0 && correction.riskScore <= 1))
      throw new StoreValidationError("riskScore must be in [0, 1]", { field: "riskScore", index: ord });
    if (!(SEVERITIES as readonly string[]).includes(correction.riskLevel))
      throw new StoreValidationError("unknown riskLevel", { field: "riskLevel", index: ord });
    return {
      ord,
      hash: correction.hash.toLowerCase(),
      incident_id: correction.incidentId,
      reason: correction.reason,
      risk_score: correction.riskScore,
      risk_level: correction.riskLevel,
      is_anomaly: correction.isAnomaly,
    };
  });
  const { rows: result } = await db.query<{ corrected: CorrectedPrediction[] | string }>(APPLY_CORRECTIONS, [
    JSON.stringify(rows),
    options.pendingPublication === true,
  ]);
  return parseCorrected(result[0]?.corrected);
}

const parseCorrected = (corrected: CorrectedPrediction[] | string | undefined): CorrectedPrediction[] =>
  typeof corrected === "string" ? (JSON.parse(corrected) as CorrectedPrediction[]) : (corrected ?? []);

export interface ApplyCorrectionsOptions {
  /**
   * The caller publishes the corrections after this returns (a Kafka worker): keep each as pending until
   * acknowledgeIncidentCorrections, so a redelivered trigger finds it again (pendingIncidentCorrections).
   */
  pendingPublication?: boolean;
}

/** One published correction, to acknowledge. */
export interface CorrectionKey {
  hash: string;
  modelVersion: string;
  incidentId: string;
}

const PENDING_CORRECTIONS = `
WITH c AS (
  SELECT DISTINCT ON (q.tx_hash, q.model_version, q.incident_id)
    p.tx_hash, p.model_version, p.content_fingerprint, p.is_anomaly, q.was_anomaly, p.risk_score,
    p.risk_level, p.reasons, p.anomaly_score, p.severity, p.confidence, p.explanation, p.features,
    q.incident_id
  FROM incident_corrections_pending q
  JOIN predictions p ON p.tx_hash = q.tx_hash AND p.model_version = q.model_version AND p.served
    AND p.incident_id = q.incident_id
  WHERE q.trigger_hash = ANY($1::text[])
  ORDER BY q.tx_hash, q.model_version, q.incident_id, p.id DESC
)
${CORRECTED_JSON}
FROM c JOIN transactions t ON t.hash = c.tx_hash`;

/**
 * Corrections stored with pendingPublication whose publication was never acknowledged, triggered by any
 * of these hashes: what a worker that died between storing and publishing left behind.
 */
export async function pendingIncidentCorrections(
  db: Database,
  triggerHashes: readonly string[],
): Promise<CorrectedPrediction[]> {
  if (triggerHashes.length === 0) return [];
  const { rows } = await db.query<{ corrected: CorrectedPrediction[] | string }>(PENDING_CORRECTIONS, [
    triggerHashes.map((hash) => hash.toLowerCase()),
  ]);
  return parseCorrected(rows[0]?.corrected);
}

/** The corrections are on the topic: no longer pending. Returns how many were. */
export async function acknowledgeIncidentCorrections(
  db: Database,
  keys: readonly CorrectionKey[],
): Promise<number> {
  if (keys.length === 0) return 0;
  const { rows } = await db.query<{ n: number }>(
    `WITH gone AS (
      DELETE FROM incident_corrections_pending q
      USING json_to_recordset($1::json) AS k(hash text, model_version text, incident_id text)
      WHERE q.tx_hash = k.hash AND q.model_version = k.model_version AND q.incident_id = k.incident_id
      RETURNING 1
    ) SELECT count(*)::int AS n FROM gone`,
    [
      JSON.stringify(
        keys.map((key) => ({
          hash: key.hash.toLowerCase(),
          model_version: key.modelVersion,
          incident_id: key.incidentId,
        })),
      ),
    ],
  );
  return rows[0]?.n ?? 0;
}
