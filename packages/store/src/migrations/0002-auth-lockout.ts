import type { Migration } from "./migration.ts";

/** Login lockout state and the lookups authentication makes on every request. */
export const authLockoutMigration: Migration = {
  id: "0002_auth_lockout",
  sql: `
ALTER TABLE users ADD COLUMN failed_logins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz;
CREATE INDEX refresh_tokens_family_revoked_idx ON refresh_tokens (family_id) WHERE revoked_at IS NOT NULL;
`,
};
