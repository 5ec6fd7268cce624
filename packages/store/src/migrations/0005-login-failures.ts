import type { Migration } from "./migration.ts";

/**
 * Failed logins per account and source address. The lock used to live on the user row: one anonymous
 * request per lock period kept any account (an admin's included) locked for good, from anywhere. Keyed by
 * source, a guesser locks only itself out, and the counter starts over once a lock or quiet period ends.
 */
export const loginFailuresMigration: Migration = {
  id: "0005_login_failures",
  sql: `
CREATE TABLE login_failures (
  user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  source text NOT NULL,
  failures integer NOT NULL,
  locked_until timestamptz,
  last_failure_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, source)
);
ALTER TABLE users DROP COLUMN failed_logins;
ALTER TABLE users DROP COLUMN locked_until;
`,
};
