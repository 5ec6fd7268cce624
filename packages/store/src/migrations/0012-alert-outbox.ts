import type { Migration } from "./migration.ts";

/**
 * Alert delivery (issue #20). `alert_destinations` holds where alerts go (a signed webhook, a
 * Slack-compatible incoming webhook or the log) and each destination's policy as JSON (validated by
 * @chainwatch/alerts, which owns its shape, so a new policy field needs no migration). The signing secret is
 * stored only as AES-256-GCM ciphertext.
 *
 * `alert_outbox` is the durable queue: a row per (destination, transaction), written before the anomaly's
 * Kafka offset is committed, so a crash redelivers the anomaly and the unique key makes the second write a
 * no-op. `message_id` is the `webhook-id` receivers de-duplicate on; it never changes for a row. A row is
 * claimed by setting `locked_until` (a lease) under FOR UPDATE SKIP LOCKED, so dispatchers never wait on
 * each other and a dead dispatcher's rows are claimable again once the lease passes. `age_from` is where
 * the maximum age counts from (creation, or a redelivery by hand). `alert_attempts` records each try;
 * `alert_rate_windows` counts messages per destination and window, shared by every dispatcher.
 */
export const alertOutboxMigration: Migration = {
  id: "0012_alert_outbox",
  sql: `
CREATE TABLE alert_destinations (
  id text PRIMARY KEY CHECK (id ~ '^dst_[A-Za-z0-9_-]{8,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind text NOT NULL CHECK (kind IN ('webhook', 'slack', 'log')),
  url text,
  secret_ciphertext text,
  enabled boolean NOT NULL DEFAULT true,
  policy jsonb NOT NULL DEFAULT '{}'::jsonb,
  max_concurrency integer NOT NULL DEFAULT 4 CHECK (max_concurrency BETWEEN 1 AND 64),
  created_by text NOT NULL,
  updated_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind = 'log') = (url IS NULL))
);

CREATE TABLE alert_outbox (
  id bigserial PRIMARY KEY,
  destination_id text NOT NULL REFERENCES alert_destinations (id) ON DELETE CASCADE,
  tx_hash text NOT NULL,
  message_id text NOT NULL,
  payload jsonb NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  scored_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  age_from timestamptz NOT NULL DEFAULT now(),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  locked_by text,
  delivered_at timestamptz,
  digest_id text,
  last_status_code integer,
  last_error text,
  UNIQUE (destination_id, tx_hash)
);
CREATE INDEX alert_outbox_due_idx ON alert_outbox (next_attempt_at) WHERE status = 'pending';
CREATE INDEX alert_outbox_dead_idx ON alert_outbox (destination_id, id) WHERE status = 'dead';

CREATE TABLE alert_attempts (
  id bigserial PRIMARY KEY,
  outbox_id bigint NOT NULL REFERENCES alert_outbox (id) ON DELETE CASCADE,
  destination_id text NOT NULL,
  message_id text NOT NULL,
  attempted_at timestamptz NOT NULL DEFAULT now(),
  outcome text NOT NULL CHECK (outcome IN ('delivered', 'failed', 'dead')),
  status_code integer,
  latency_ms integer NOT NULL,
  error text
);
CREATE INDEX alert_attempts_outbox_idx ON alert_attempts (outbox_id, id);

CREATE TABLE alert_rate_windows (
  destination_id text NOT NULL REFERENCES alert_destinations (id) ON DELETE CASCADE,
  window_start timestamptz NOT NULL,
  sent integer NOT NULL DEFAULT 0,
  PRIMARY KEY (destination_id, window_start)
);
`,
};
