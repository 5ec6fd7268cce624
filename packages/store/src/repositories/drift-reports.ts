import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { isoOf, jsonObjectOf } from "./row-mapping.ts";

export const DRIFT_SEVERITIES = ["none", "low", "moderate", "high", "critical"] as const;
export type DriftReportSeverity = (typeof DRIFT_SEVERITIES)[number];
export const DRIFT_TRIGGERS = ["schedule", "api"] as const;
export type DriftTrigger = (typeof DRIFT_TRIGGERS)[number];
export const MAX_DRIFT_REPORT_PAGE = 500;

/** One drift check to keep. The store does not interpret `report` (the model package's DriftReport). */
export interface DriftReportInput {
  modelVersion: string;
  trigger: DriftTrigger;
  /** The principal who asked, or "scheduler". */
  requestedBy: string;
  windowSince: Date;
  windowUntil: Date;
  recentRows: number;
  severity: DriftReportSeverity;
  maxPsi: number;
  driftedFeatures: readonly string[];
  insufficientData: boolean;
  report: Record<string, unknown>;
}

export interface StoredDriftReport extends Omit<DriftReportInput, "windowSince" | "windowUntil"> {
  id: string;
  windowSince: string;
  windowUntil: string;
  createdAt: string;
}

export interface DriftReportQuery {
  modelVersion?: string;
  /** Only reports at or above this severity. */
  minSeverity?: DriftReportSeverity;
  /** 1..MAX_DRIFT_REPORT_PAGE, newest first. */
  limit: number;
}

export interface DriftReports {
  record(input: DriftReportInput): Promise<StoredDriftReport>;
  list(query: DriftReportQuery): Promise<StoredDriftReport[]>;
  /** The newest report for a model version and trigger (the scheduler's "ran recently?" check). */
  latest(modelVersion: string, trigger?: DriftTrigger): Promise<StoredDriftReport | null>;
}

interface DriftRow {
  id: string;
  model_version: string;
  trigger: DriftTrigger;
  requested_by: string;
  window_since: Date | string;
  window_until: Date | string;
  recent_rows: number;
  severity: DriftReportSeverity;
  max_psi: number;
  drifted_features: string[];
  insufficient_data: boolean;
  report: Record<string, unknown> | string;
  created_at: Date | string;
}

const COLUMNS = `id::text AS id, model_version, trigger, requested_by, window_since, window_until, recent_rows,
  severity, max_psi, drifted_features, insufficient_data, report, created_at`;

function toReport(row: DriftRow): StoredDriftReport {
  return {
    id: row.id,
    modelVersion: row.model_version,
    trigger: row.trigger,
    requestedBy: row.requested_by,
    windowSince: isoOf(row.window_since),
    windowUntil: isoOf(row.window_until),
    recentRows: Number(row.recent_rows),
    severity: row.severity,
    maxPsi: Number(row.max_psi),
    driftedFeatures: row.drifted_features,
    insufficientData: row.insufficient_data,
    report: jsonObjectOf(row.report),
    createdAt: isoOf(row.created_at),
  };
}

function validate(input: DriftReportInput): void {
  const invalid = (field: string, message: string) =>
    new StoreValidationError(`${field} ${message}`, { field });
  if (typeof input.modelVersion !== "string" || input.modelVersion.length === 0)
    throw invalid("modelVersion", "is required");
  if (!DRIFT_TRIGGERS.includes(input.trigger)) throw invalid("trigger", `must be one of ${DRIFT_TRIGGERS}`);
  if (!DRIFT_SEVERITIES.includes(input.severity))
    throw invalid("severity", `must be one of ${DRIFT_SEVERITIES}`);
  if (!(input.windowSince <= input.windowUntil))
    throw invalid("windowSince", "must not be after windowUntil");
  if (!Number.isInteger(input.recentRows) || input.recentRows < 0)
    throw invalid("recentRows", "must be a non-negative integer");
  // PSI is +∞ when a reference bin is empty and recent data falls in it; jsonb and float8 both need finite.
  if (Number.isNaN(input.maxPsi)) throw invalid("maxPsi", "must be a number");
}

/** Drift check history (migration 0004). */
export function createDriftReports(db: Database): DriftReports {
  return {
    async record(input) {
      validate(input);
      const { rows } = await db.query<DriftRow>(
        `INSERT INTO drift_reports (model_version, trigger, requested_by, window_since, window_until, recent_rows,
           severity, max_psi, drifted_features, insufficient_data, report)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11::jsonb)
         RETURNING ${COLUMNS}`,
        [
          input.modelVersion,
          input.trigger,
          input.requestedBy,
          input.windowSince.toISOString(),
          input.windowUntil.toISOString(),
          input.recentRows,
          input.severity,
          Number.isFinite(input.maxPsi) ? input.maxPsi : Number.MAX_VALUE,
          [...input.driftedFeatures],
          input.insufficientData,
          JSON.stringify(input.report, (_key, value) =>
            typeof value === "number" && !Number.isFinite(value) ? String(value) : value,
          ),
        ],
      );
      const [row] = rows;
      if (!row) throw new Error("drift report insert returned no row");
      return toReport(row);
    },

    async list(query) {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_DRIFT_REPORT_PAGE)
        throw new StoreValidationError(`limit must be 1..${MAX_DRIFT_REPORT_PAGE}`, { field: "limit" });
      const minRank = query.minSeverity ? DRIFT_SEVERITIES.indexOf(query.minSeverity) : 0;
      const { rows } = await db.query<DriftRow>(
        `SELECT ${COLUMNS} FROM drift_reports
         WHERE ($1::text IS NULL OR model_version = $1)
           AND array_position($2::text[], severity) > $3
         ORDER BY created_at DESC, id DESC
         LIMIT $4`,
        [query.modelVersion ?? null, [...DRIFT_SEVERITIES], minRank, query.limit],
      );
      return rows.map(toReport);
    },

    async latest(modelVersion, trigger) {
      const { rows } = await db.query<DriftRow>(
        `SELECT ${COLUMNS} FROM drift_reports
         WHERE model_version = $1 AND ($2::text IS NULL OR trigger = $2)
         ORDER BY created_at DESC, id DESC
         LIMIT 1`,
        [modelVersion, trigger ?? null],
      );
      return rows[0] ? toReport(rows[0]) : null;
    },
  };
}
