import type { Migration } from "./migration.ts";

/**
 * Screening (issue #18): address lists (deny, allow, watch) and the labels they hold, one per list, chain
 * and address. Every replica keeps the unexpired labels in memory and reloads them when
 * `screening_revision.revision` moves, so that one number must move with every change that commits:
 * statement-level triggers bump it in the writing transaction, whoever writes (the repository, a cascade
 * from a deleted list, or an operator in psql). They read the statement's transition table and bump only
 * when a row really changed, so an idempotent re-import (ON CONFLICT … WHERE the row differs) leaves it
 * alone. Transition tables allow one event per trigger, hence three triggers per table. The row lock on
 * the single counter row also orders concurrent writers: revisions are bumped in commit order.
 * `changed_by` is the actor the repository sets for its transaction (`chainwatch.actor`); null from psql.
 * An expiry passing moves nothing: a replica compares `expires_at` itself.
 */
export const addressLabelsMigration: Migration = {
  id: "0008_address_labels",
  sql: `
CREATE TABLE address_lists (
  id text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind text NOT NULL CHECK (kind IN ('deny', 'allow', 'watch')),
  description text,
  source text,
  created_by text NOT NULL,
  updated_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE address_labels (
  id bigserial PRIMARY KEY,
  list_id text NOT NULL REFERENCES address_lists (id) ON DELETE CASCADE,
  chain_id integer NOT NULL DEFAULT 1 CHECK (chain_id > 0),
  address text NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
  category text NOT NULL CHECK (category IN ('phishing', 'exploit', 'sanctioned', 'mixer', 'scam', 'exchange',
    'bridge', 'mev', 'custom')),
  source text,
  confidence real NOT NULL DEFAULT 1 CHECK (confidence BETWEEN 0 AND 1),
  note text,
  created_by text NOT NULL,
  updated_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  UNIQUE (list_id, chain_id, address)
);
CREATE INDEX address_labels_chain_address_idx ON address_labels (chain_id, address);
CREATE INDEX address_labels_list_id_idx ON address_labels (list_id, id);

CREATE TABLE screening_revision (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  revision bigint NOT NULL DEFAULT 0,
  changed_at timestamptz NOT NULL DEFAULT now(),
  changed_by text
);
INSERT INTO screening_revision (id) VALUES (true);

CREATE FUNCTION screening_bump_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM screening_changed_rows) THEN
    UPDATE screening_revision
      SET revision = revision + 1, changed_at = now(),
        changed_by = nullif(current_setting('chainwatch.actor', true), '');
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION screening_bump_revision_on_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE screening_revision
    SET revision = revision + 1, changed_at = now(),
      changed_by = nullif(current_setting('chainwatch.actor', true), '');
  RETURN NULL;
END
$$;

CREATE TRIGGER address_lists_inserted AFTER INSERT ON address_lists
  REFERENCING NEW TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER address_lists_updated AFTER UPDATE ON address_lists
  REFERENCING NEW TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER address_lists_deleted AFTER DELETE ON address_lists
  REFERENCING OLD TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER address_lists_truncated AFTER TRUNCATE ON address_lists
  FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision_on_truncate();
CREATE TRIGGER address_labels_inserted AFTER INSERT ON address_labels
  REFERENCING NEW TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER address_labels_updated AFTER UPDATE ON address_labels
  REFERENCING NEW TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER address_labels_deleted AFTER DELETE ON address_labels
  REFERENCING OLD TABLE AS screening_changed_rows FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision();
CREATE TRIGGER address_labels_truncated AFTER TRUNCATE ON address_labels
  FOR EACH STATEMENT EXECUTE FUNCTION screening_bump_revision_on_truncate();
`,
};
