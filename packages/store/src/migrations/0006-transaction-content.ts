import type { Migration } from "./migration.ts";

const FINGERPRINT = "'^[A-Za-z0-9_-]{43}$'";

/**
 * A transaction hash is only a claim: anyone can send content under any hash. Until this migration the
 * first row per hash was kept (ON CONFLICT DO NOTHING), so a benign-looking request for a hash fixed the
 * stored fields and the verdict before the real transaction arrived. Now:
 *
 * - `transactions` holds the latest content per hash and its fingerprint (SHA-256 of the normalised
 *   fields, @chainwatch/model `contentFingerprint`); `previous_content_fingerprint` and
 *   `content_changed_at` say what it replaced and when (null: never replaced).
 * - `predictions` and `anomalies` are unique per (hash, model version, content fingerprint): the results of
 *   every content are kept (an earlier content's anomaly stays listed for review), and lookups show the
 *   prediction of the stored content only.
 * - `transaction_conflicts` records each replacement: old and new fingerprint, which path and request, who.
 *
 * Rows written before this migration have null fingerprints. The first fingerprinted write of such a hash
 * adopts it: it is a conflict only if the stored columns differ from the new content's. NULLS NOT DISTINCT
 * keeps those rows unique per (hash, model version) as before; it needs PostgreSQL 15 (PGlite is 17).
 */
export const transactionContentMigration: Migration = {
  id: "0006_transaction_content",
  sql: `
ALTER TABLE transactions
  ADD COLUMN content_fingerprint text CHECK (content_fingerprint ~ ${FINGERPRINT}),
  ADD COLUMN previous_content_fingerprint text CHECK (previous_content_fingerprint ~ ${FINGERPRINT}),
  ADD COLUMN content_changed_at timestamptz;

ALTER TABLE predictions ADD COLUMN content_fingerprint text CHECK (content_fingerprint ~ ${FINGERPRINT});
ALTER TABLE predictions DROP CONSTRAINT predictions_tx_hash_model_version_key;
ALTER TABLE predictions ADD CONSTRAINT predictions_tx_hash_model_version_content_key
  UNIQUE NULLS NOT DISTINCT (tx_hash, model_version, content_fingerprint);

ALTER TABLE anomalies ADD COLUMN content_fingerprint text CHECK (content_fingerprint ~ ${FINGERPRINT});
ALTER TABLE anomalies DROP CONSTRAINT anomalies_tx_hash_model_version_key;
ALTER TABLE anomalies ADD CONSTRAINT anomalies_tx_hash_model_version_content_key
  UNIQUE NULLS NOT DISTINCT (tx_hash, model_version, content_fingerprint);

CREATE TABLE transaction_conflicts (
  id bigserial PRIMARY KEY,
  -- no foreign key: a record of an event, like an audit entry, that outlives a deleted transaction row
  tx_hash text NOT NULL CHECK (tx_hash ~ '^0x[0-9a-f]{64}$'),
  -- null: the replaced content predates fingerprints (and its stored columns differed)
  previous_fingerprint text CHECK (previous_fingerprint ~ ${FINGERPRINT}),
  fingerprint text NOT NULL CHECK (fingerprint ~ ${FINGERPRINT}),
  model_version text NOT NULL,
  source text CHECK (source IN ('predict', 'ingest', 'stream')),
  request_id text,
  -- '<principal type>:<id>' when known
  principal text,
  detected_at timestamptz NOT NULL DEFAULT now(),
  CHECK (previous_fingerprint IS DISTINCT FROM fingerprint)
);
CREATE INDEX transaction_conflicts_tx_hash_idx ON transaction_conflicts (tx_hash, detected_at DESC, id DESC);
CREATE INDEX transaction_conflicts_detected_at_idx ON transaction_conflicts (detected_at DESC, id DESC);
`,
};
