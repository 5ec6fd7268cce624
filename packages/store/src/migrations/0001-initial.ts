import type { Migration } from "./migration.ts";

/**
 * Wei amounts are numeric(78,0): 2^256 - 1 has 78 digits, and bigint (2^63) overflows on real values.
 * Hashes and addresses are stored lower-case and checked here too, so a bug upstream cannot split one
 * transaction into two rows by letter case.
 */
export const initialMigration: Migration = {
  id: "0001_initial",
  sql: `
CREATE TABLE transactions (
  hash text PRIMARY KEY CHECK (hash ~ '^0x[0-9a-f]{64}$'),
  block_number bigint CHECK (block_number >= 0),
  block_timestamp timestamptz,
  from_address text CHECK (from_address ~ '^0x[0-9a-f]{40}$'),
  -- null: contract creation
  to_address text CHECK (to_address ~ '^0x[0-9a-f]{40}$'),
  value_wei numeric(78, 0) NOT NULL CHECK (value_wei >= 0),
  gas numeric(78, 0) NOT NULL CHECK (gas >= 0),
  gas_price_wei numeric(78, 0) NOT NULL CHECK (gas_price_wei >= 0),
  max_fee_per_gas_wei numeric(78, 0) CHECK (max_fee_per_gas_wei >= 0),
  max_priority_fee_per_gas_wei numeric(78, 0) CHECK (max_priority_fee_per_gas_wei >= 0),
  nonce bigint CHECK (nonce >= 0),
  input_size integer NOT NULL CHECK (input_size >= 0),
  selector text CHECK (selector ~ '^0x[0-9a-f]{8}$'),
  tx_type smallint,
  first_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transactions_first_seen_at_idx ON transactions (first_seen_at DESC);
CREATE INDEX transactions_from_address_idx ON transactions (from_address, first_seen_at DESC);
CREATE INDEX transactions_to_address_idx ON transactions (to_address, first_seen_at DESC);

CREATE TABLE predictions (
  id bigserial PRIMARY KEY,
  tx_hash text NOT NULL REFERENCES transactions (hash) ON DELETE CASCADE,
  model_version text NOT NULL,
  anomaly_score double precision NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  is_anomaly boolean NOT NULL,
  confidence double precision NOT NULL,
  explanation jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tx_hash, model_version)
);
-- latest prediction of a transaction
CREATE INDEX predictions_tx_hash_created_at_idx ON predictions (tx_hash, created_at DESC, id DESC);
-- recent predictions for cache warming, overall and per model version
CREATE INDEX predictions_created_at_idx ON predictions (created_at DESC, id DESC);
CREATE INDEX predictions_model_version_created_at_idx ON predictions (model_version, created_at DESC, id DESC);

CREATE TABLE anomalies (
  id bigserial PRIMARY KEY,
  tx_hash text NOT NULL REFERENCES transactions (hash) ON DELETE CASCADE,
  model_version text NOT NULL,
  anomaly_score double precision NOT NULL,
  severity text NOT NULL CHECK (severity IN ('low', 'medium', 'high', 'critical')),
  confidence double precision NOT NULL,
  features jsonb,
  explanation jsonb NOT NULL DEFAULT '[]',
  detected_at timestamptz NOT NULL DEFAULT now(),
  reviewed boolean NOT NULL DEFAULT false,
  reviewed_by text,
  reviewed_at timestamptz,
  false_positive boolean,
  review_note text,
  UNIQUE (tx_hash, model_version),
  CHECK (reviewed = (reviewed_at IS NOT NULL))
);
-- keyset pagination, newest first, optionally by severity
CREATE INDEX anomalies_detected_at_idx ON anomalies (detected_at DESC, id DESC);
CREATE INDEX anomalies_severity_detected_at_idx ON anomalies (severity, detected_at DESC, id DESC);

CREATE TABLE model_versions (
  version text PRIMARY KEY,
  feature_spec_version text NOT NULL,
  checksum text NOT NULL,
  status text NOT NULL DEFAULT 'inactive'
    CHECK (status IN ('inactive', 'active', 'shadow', 'canary', 'retired')),
  traffic_percent smallint NOT NULL DEFAULT 0 CHECK (traffic_percent BETWEEN 0 AND 100),
  metadata jsonb NOT NULL DEFAULT '{}',
  -- the serialised model, when it lives in the database rather than on disk
  file jsonb,
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- at most one active model; promotion swaps statuses in one transaction
CREATE UNIQUE INDEX model_versions_one_active_idx ON model_versions (status) WHERE status = 'active';

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL UNIQUE CHECK (email = lower(email)),
  password_hash text NOT NULL,
  role text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  disabled_at timestamptz
);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- shown in listings and logs to identify a key; never enough to use it
  prefix text NOT NULL UNIQUE,
  key_hash text NOT NULL UNIQUE,
  name text NOT NULL,
  role text NOT NULL,
  scopes text[] NOT NULL DEFAULT '{}',
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz
);

CREATE TABLE refresh_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- every rotation of one login shares a family, so reuse of a rotated token revokes the whole family
  family_id uuid NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  rotated_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);

CREATE TABLE audit_logs (
  id bigserial PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  action text NOT NULL,
  outcome text NOT NULL,
  principal_type text NOT NULL,
  principal_id text,
  ip text,
  user_agent text,
  request_id text,
  resource text,
  details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_logs_occurred_at_idx ON audit_logs (occurred_at DESC, id DESC);
CREATE INDEX audit_logs_principal_idx ON audit_logs (principal_type, principal_id, occurred_at DESC);
CREATE INDEX audit_logs_action_idx ON audit_logs (action, occurred_at DESC);
`,
};
