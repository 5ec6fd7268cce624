import type { Migration } from "./migration.ts";

/**
 * The review loop and re-screening (issue #18, items 4 and 5).
 *
 * - `reason_suppressions`: an analyst who reviews an anomaly as a false positive may mute one reason code
 *   for one address for a period. Every scoring replica holds the active ones in memory beside the labels,
 *   so they move the same `screening_revision` (the triggers of 0008's function): a new, revoked or
 *   deleted suppression reaches every replica within one refresh interval plus one load. A row is never
 *   deleted by the application: revoking sets `revoked_*`, so the record of who muted what, and who undid
 *   it, stays. `anomaly_id` has no foreign key for the same reason (a record outlives the anomaly row).
 *   The reason code is checked for shape only: which codes may be muted is the application's list.
 * - `rescreen_changes`: each stored verdict a re-screening job changed, before and after, so a changed
 *   verdict can always be traced to the job, the address and the actor that changed it.
 */
export const reviewLoopMigration: Migration = {
  id: "0009_review_loop",
  sql: `
CREATE TABLE reason_suppressions (
  id bigserial PRIMARY KEY,
  chain_id integer NOT NULL DEFAULT 1 CHECK (chain_id > 0),
  address text NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
  reason_code text NOT NULL CHECK (reason_code ~ '^[a-z][a-z0-9_]{0,63}$'),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  anomaly_id bigint,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  revoked_by text,
  revoked_at timestamptz,
  revoke_reason text,
  CHECK (expires_at > created_at),
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX reason_suppressions_address_idx ON reason_suppressions (chain_id, address, id DESC);
CREATE INDEX reason_suppressions_active_idx ON reason_suppressions (expires_at) WHERE revoked_at IS NULL;

CREATE TRIGGER reason_suppressions_inserted AFTER INSERT ON reason_suppressions
  REFERENCING NEW TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER reason_suppressions_updated AFTER UPDATE ON reason_suppressions
  REFERENCING NEW TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER reason_suppressions_deleted AFTER DELETE ON reason_suppressions
  REFERENCING OLD TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER reason_suppressions_truncated AFTER TRUNCATE ON reason_suppressions
  FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision_on_truncate();

CREATE TABLE rescreen_changes (
  id bigserial PRIMARY KEY,
  job_id text NOT NULL,
  address text NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
  prediction_id bigint NOT NULL,
  tx_hash text NOT NULL CHECK (tx_hash ~ '^0x[0-9a-f]{64}$'),
  before jsonb NOT NULL,
  after jsonb NOT NULL,
  changed_by text NOT NULL,
  changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rescreen_changes_job_id_idx ON rescreen_changes (job_id, id);
CREATE INDEX rescreen_changes_tx_hash_idx ON rescreen_changes (tx_hash, id DESC);
`,
};
