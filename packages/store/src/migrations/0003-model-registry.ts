import type { Migration } from "./migration.ts";

/**
 * Model lifecycle: deployment history, shadow results, one canary, and the file stored as text.
 *
 * - `predictions.served` / `anomalies.served`: false for a shadow model's results, recorded beside the
 *   served ones (UNIQUE (tx_hash, model_version) already lets several versions score one transaction) but
 *   never returned as a transaction's latest prediction nor listed as an anomaly to review. Adding a
 *   column with a constant default is a catalogue-only change in PostgreSQL 11+, no table rewrite.
 * - `model_versions.file` becomes text: the model file's exact bytes (canonical JSON), which jsonb would
 *   re-order and re-space. Nothing wrote the column before this migration.
 * - At most one canary, like at most one active (partial unique indexes); `status_changed_at` for listings.
 * - `model_deployments`: append-only history; rollback reads the activation chain from it.
 */
export const modelRegistryMigration: Migration = {
  id: "0003_model_registry",
  sql: `
ALTER TABLE predictions ADD COLUMN served boolean NOT NULL DEFAULT true;
ALTER TABLE anomalies ADD COLUMN served boolean NOT NULL DEFAULT true;

ALTER TABLE model_versions ALTER COLUMN file TYPE text USING file::text;
ALTER TABLE model_versions ADD COLUMN status_changed_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE model_versions ADD CONSTRAINT model_versions_traffic_status_check
  CHECK (traffic_percent = 0 OR status IN ('active', 'canary'));
CREATE UNIQUE INDEX model_versions_one_canary_idx ON model_versions (status) WHERE status = 'canary';

CREATE TABLE model_deployments (
  id bigserial PRIMARY KEY,
  version text NOT NULL REFERENCES model_versions (version),
  action text NOT NULL CHECK (action IN ('register', 'deploy', 'traffic', 'rollback', 'retire')),
  strategy text CHECK (strategy IN ('full', 'shadow', 'canary')),
  traffic_percent smallint CHECK (traffic_percent BETWEEN 0 AND 100),
  -- the active version just before this action (null when there was none)
  previous_active text REFERENCES model_versions (version),
  actor text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((action = 'deploy') = (strategy IS NOT NULL))
);
CREATE INDEX model_deployments_created_at_idx ON model_deployments (created_at DESC, id DESC);
CREATE INDEX model_deployments_version_idx ON model_deployments (version, id DESC);
`,
};
