import type { Migration } from "./migration.ts";

/**
 * Drift checks as history: each run (scheduled or on demand) keeps its verdict and the full per-feature
 * report, so operators can see when drift started and which feature moved first. The report is jsonb
 * (read whole, never queried inside); the columns beside it are what listings filter and sort on.
 */
export const driftReportsMigration: Migration = {
  id: "0004_drift_reports",
  sql: `
CREATE TABLE drift_reports (
  id bigserial PRIMARY KEY,
  model_version text NOT NULL,
  trigger text NOT NULL CHECK (trigger IN ('schedule', 'api')),
  requested_by text NOT NULL,
  window_since timestamptz NOT NULL,
  window_until timestamptz NOT NULL,
  recent_rows integer NOT NULL CHECK (recent_rows >= 0),
  severity text NOT NULL CHECK (severity IN ('none', 'low', 'moderate', 'high', 'critical')),
  max_psi double precision NOT NULL,
  drifted_features text[] NOT NULL DEFAULT '{}',
  insufficient_data boolean NOT NULL,
  report jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (window_since <= window_until)
);
CREATE INDEX drift_reports_created_at_idx ON drift_reports (created_at DESC, id DESC);
CREATE INDEX drift_reports_model_version_idx ON drift_reports (model_version, created_at DESC, id DESC);
`,
};
