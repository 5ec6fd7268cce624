import type { Migration } from "./migration.ts";

/**
 * The combined verdict (@chainwatch/context): `risk_score` in [0, 1], `risk_level`, and `reasons` (model
 * and context, with their numbers) on every prediction and anomaly; `is_anomaly` is now that verdict.
 * `predictions.features` keeps the feature vector each prediction was scored with (spec 1 and context), so
 * training from stored traffic uses exactly what was served. Rows from before have nulls: their verdict
 * was the model's alone.
 */
export const riskVerdictMigration: Migration = {
  id: "0007_risk_verdict",
  sql: `
ALTER TABLE predictions
  ADD COLUMN risk_score double precision CHECK (risk_score BETWEEN 0 AND 1),
  ADD COLUMN risk_level text CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
  ADD COLUMN reasons jsonb,
  ADD COLUMN features jsonb;

ALTER TABLE anomalies
  ADD COLUMN risk_score double precision CHECK (risk_score BETWEEN 0 AND 1),
  ADD COLUMN risk_level text CHECK (risk_level IN ('low', 'medium', 'high', 'critical')),
  ADD COLUMN reasons jsonb;
CREATE INDEX anomalies_risk_score_idx ON anomalies (risk_score DESC, id DESC);
`,
};
