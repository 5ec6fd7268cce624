import type { Migration } from "./migration.ts";

/**
 * Incident corrections not yet published (issue #17). A worker stores a correction of an earlier verdict
 * with the batch that triggered it, and publishes it after; a worker dying in between used to lose the
 * message for good, because the redelivered trigger is not news to the address state and opens nothing.
 * Now the stored correction leaves a row here in the same statement, deleted once the message is on the
 * topic; a redelivered trigger finds its rows by `trigger_hash` and publishes them again (at least once).
 * The table stays small: rows live from a batch's store to its publish.
 */
export const correctionOutboxMigration: Migration = {
  id: "0016_correction_outbox",
  sql: `
CREATE TABLE incident_corrections_pending (
  tx_hash text NOT NULL,
  model_version text NOT NULL,
  incident_id text NOT NULL,
  trigger_hash text NOT NULL,
  was_anomaly boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tx_hash, model_version, incident_id)
);
CREATE INDEX incident_corrections_pending_trigger ON incident_corrections_pending (trigger_hash);
`,
};
