import type { Database, Queryable } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { decodeAnomalyCursor, encodeAnomalyCursor } from "./anomaly-cursor.ts";
import { anomalyFilters } from "./anomaly-filters.ts";
import { isoOf, isoOrNull, jsonArrayOf, severityOf } from "./row-mapping.ts";
import {
  type AnomalyPage,
  type AnomalyStats,
  type AnomalyView,
  type ListAnomaliesOptions,
  type ReviewInput,
  SEVERITIES,
  type Severity,
} from "./types.ts";

export const MAX_ANOMALY_PAGE_SIZE = 1_000;
const MAX_REVIEW_NOTE_LENGTH = 2_000;
const BIGSERIAL = /^[1-9]\d{0,18}$/;

// Ordering names the table columns: a bare `id` in ORDER BY would mean the text alias below, and "9" > "12".
const COLUMNS = `id::text AS id, tx_hash, model_version, risk_score, risk_level, reasons, anomaly_score, severity,
  confidence, features, explanation,
  detected_at, to_char(detected_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
  reviewed, reviewed_by, reviewed_at, false_positive, review_note`;

interface AnomalyRow {
  id: string;
  tx_hash: string;
  model_version: string;
  risk_score: number | null;
  risk_level: string | null;
  reasons: unknown;
  anomaly_score: number;
  severity: string;
  confidence: number;
  features: Record<string, number> | null;
  explanation: unknown;
  detected_at: Date;
  cursor_at: string;
  reviewed: boolean;
  reviewed_by: string | null;
  reviewed_at: Date | null;
  false_positive: boolean | null;
  review_note: string | null;
}

/**
 * Newest first with keyset pagination on (detected_at, id): each page starts strictly after the previous
 * page's last row, so rows inserted meanwhile with a newer detected_at never shift later pages (OFFSET would
 * repeat rows), and the id tie-break orders rows that share a timestamp.
 */
export async function listAnomalies(db: Database, options: ListAnomaliesOptions): Promise<AnomalyPage> {
  const { limit, cursor, ...filtering } = options;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_ANOMALY_PAGE_SIZE) {
    throw new StoreValidationError(`limit must be an integer in 1..${MAX_ANOMALY_PAGE_SIZE}`, {
      field: "limit",
    });
  }
  const { filters, params } = anomalyFilters(filtering);
  const after = cursor === undefined ? undefined : decodeAnomalyCursor(cursor);

  const pageFilters = [...filters];
  const pageParams = [...params];
  if (after) {
    pageParams.push(after.detectedAt, after.id);
    pageFilters.push(
      `(detected_at, id) < ($${pageParams.length - 1}::timestamptz, $${pageParams.length}::bigint)`,
    );
  }
  pageParams.push(limit + 1);

  const [page, count] = await Promise.all([
    db.query<AnomalyRow>(
      `SELECT ${COLUMNS} FROM anomalies ${where(pageFilters)}
       ORDER BY anomalies.detected_at DESC, anomalies.id DESC LIMIT $${pageParams.length}`,
      pageParams,
    ),
    db.query<{ total: string | number }>(`SELECT count(*) AS total FROM anomalies ${where(filters)}`, params),
  ]);
  const rows = page.rows.slice(0, limit);
  const last = rows.at(-1);
  return {
    items: rows.map(toAnomalyView),
    nextCursor:
      page.rows.length > limit && last
        ? encodeAnomalyCursor({ detectedAt: last.cursor_at, id: last.id })
        : null,
    total: Number(count.rows[0]?.total ?? 0),
  };
}

/** Records an analyst's verdict; reviewing again overwrites it. null when no anomaly has that id. */
export async function reviewAnomaly(
  db: Queryable,
  id: string,
  review: ReviewInput,
): Promise<AnomalyView | null> {
  if (review.reviewedBy.length === 0) {
    throw new StoreValidationError("reviewedBy is required", { field: "reviewedBy" });
  }
  if (review.note !== undefined && review.note.length > MAX_REVIEW_NOTE_LENGTH) {
    throw new StoreValidationError(`note is longer than ${MAX_REVIEW_NOTE_LENGTH}`, { field: "note" });
  }
  // An id that cannot be a bigserial cannot exist; casting it would be a database error instead.
  if (!BIGSERIAL.test(id) || BigInt(id) > 9_223_372_036_854_775_807n) return null;
  const { rows } = await db.query<AnomalyRow>(
    `UPDATE anomalies
     SET reviewed = true, reviewed_by = $2, reviewed_at = now(), false_positive = $3, review_note = $4
     WHERE id = $1::bigint
     RETURNING ${COLUMNS}`,
    [id, review.reviewedBy, review.falsePositive, review.note ?? null],
  );
  const [row] = rows;
  return row ? toAnomalyView(row) : null;
}

export async function anomalyStats(db: Database): Promise<AnomalyStats> {
  const { rows } = await db.query<Record<string, string | number>>(
    `SELECT count(*) AS total,
       count(*) FILTER (WHERE reviewed) AS reviewed,
       count(*) FILTER (WHERE false_positive) AS false_positives,
       ${SEVERITIES.map((severity) => `count(*) FILTER (WHERE severity = '${severity}') AS ${severity}`).join(",\n")}
     FROM anomalies
     WHERE served`,
  );
  const row = rows[0] ?? {};
  const reviewed = Number(row.reviewed ?? 0);
  const falsePositives = Number(row.false_positives ?? 0);
  const bySeverity = Object.fromEntries(
    SEVERITIES.map((severity) => [severity, Number(row[severity] ?? 0)]),
  ) as Record<Severity, number>;
  return {
    total: Number(row.total ?? 0),
    reviewed,
    falsePositives,
    falsePositiveRate: reviewed === 0 ? 0 : falsePositives / reviewed,
    bySeverity,
  };
}

function where(filters: string[]): string {
  return filters.length === 0 ? "" : `WHERE ${filters.join(" AND ")}`;
}

function toAnomalyView(row: AnomalyRow): AnomalyView {
  return {
    id: row.id,
    txHash: row.tx_hash,
    modelVersion: row.model_version,
    riskScore: row.risk_score,
    riskLevel: row.risk_level === null ? null : severityOf(row.risk_level),
    reasons: jsonArrayOf(row.reasons),
    anomalyScore: row.anomaly_score,
    severity: severityOf(row.severity),
    confidence: row.confidence,
    features: row.features,
    explanation: jsonArrayOf(row.explanation),
    detectedAt: isoOf(row.detected_at),
    reviewed: row.reviewed,
    reviewedBy: row.reviewed_by,
    reviewedAt: isoOrNull(row.reviewed_at),
    falsePositive: row.false_positive,
    reviewNote: row.review_note,
  };
}
