import type { Database } from "../database.ts";
import { StoreValidationError } from "../store-errors.ts";
import { decodeAnomalyCursor, encodeAnomalyCursor } from "./anomaly-cursor.ts";
import type {
  ApiKeyRecord,
  AuditEntry,
  AuditLogView,
  AuditQuery,
  LoginFailureState,
  NewApiKey,
  RefreshTokenRecord,
  Role,
  UserRecord,
} from "./auth-types.ts";
import { isoOf, isoOrNull } from "./row-mapping.ts";

export const MAX_AUDIT_PAGE_SIZE = 1_000;

interface ApiKeyRow {
  id: string;
  prefix: string;
  key_hash: string;
  name: string;
  role: string;
  created_by: string;
  created_at: Date | string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  last_used_at: Date | string | null;
}

const toApiKey = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  prefix: row.prefix,
  keyHash: row.key_hash,
  name: row.name,
  role: row.role as Role,
  createdBy: row.created_by,
  createdAt: isoOf(row.created_at),
  expiresAt: isoOrNull(row.expires_at),
  revokedAt: isoOrNull(row.revoked_at),
  lastUsedAt: isoOrNull(row.last_used_at),
});

interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: string;
  created_at: Date | string;
  disabled_at: Date | string | null;
}

const toUser = (row: UserRow): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  role: row.role as Role,
  createdAt: isoOf(row.created_at),
  disabledAt: isoOrNull(row.disabled_at),
});

interface RefreshRow {
  id: string;
  user_id: string;
  family_id: string;
  token_hash: string;
  expires_at: Date | string;
  rotated_at: Date | string | null;
  revoked_at: Date | string | null;
}

const toRefresh = (row: RefreshRow): RefreshTokenRecord => ({
  id: row.id,
  userId: row.user_id,
  familyId: row.family_id,
  tokenHash: row.token_hash,
  expiresAt: isoOf(row.expires_at),
  rotatedAt: isoOrNull(row.rotated_at),
  revokedAt: isoOrNull(row.revoked_at),
});

const API_KEY_COLUMNS =
  "id::text AS id, prefix, key_hash, name, role, created_by, created_at, expires_at, revoked_at, last_used_at";
const USER_COLUMNS = "id::text AS id, email, password_hash, role, created_at, disabled_at";
const REFRESH_COLUMNS =
  "id::text AS id, user_id::text AS user_id, family_id::text AS family_id, token_hash, expires_at, rotated_at, revoked_at";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Credentials, sessions and the audit trail. Secrets never reach this layer: only their hashes do. */
export function createAuthRepositories(db: Database) {
  return {
    async insertApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
      const { rows } = await db.query<ApiKeyRow>(
        `INSERT INTO api_keys (prefix, key_hash, name, role, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${API_KEY_COLUMNS}`,
        [key.prefix, key.keyHash, key.name, key.role, key.createdBy, key.expiresAt?.toISOString() ?? null],
      );
      return toApiKey(rows[0] as ApiKeyRow);
    },
    /** Inserts unless a key with this hash exists (bootstrap keys are re-registered at every start). */
    async ensureApiKey(key: NewApiKey): Promise<void> {
      await db.query(
        `INSERT INTO api_keys (prefix, key_hash, name, role, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
        [key.prefix, key.keyHash, key.name, key.role, key.createdBy, key.expiresAt?.toISOString() ?? null],
      );
    },
    async findApiKeyByPrefix(prefix: string): Promise<ApiKeyRecord | null> {
      const { rows } = await db.query<ApiKeyRow>(
        `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE prefix = $1`,
        [prefix],
      );
      return rows[0] ? toApiKey(rows[0]) : null;
    },
    async listApiKeys(): Promise<ApiKeyRecord[]> {
      const { rows } = await db.query<ApiKeyRow>(
        `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC`,
      );
      return rows.map(toApiKey);
    },
    async revokeApiKey(id: string): Promise<ApiKeyRecord | null> {
      if (!UUID.test(id)) return null;
      const { rows } = await db.query<ApiKeyRow>(
        `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1::uuid RETURNING ${API_KEY_COLUMNS}`,
        [id],
      );
      return rows[0] ? toApiKey(rows[0]) : null;
    },
    /** One statement for all keys used since the last flush, so auth never writes per request. */
    async touchApiKeys(ids: string[], usedAt: Date): Promise<void> {
      if (ids.length === 0) return;
      await db.query("UPDATE api_keys SET last_used_at = $2 WHERE id = ANY($1::uuid[])", [
        ids,
        usedAt.toISOString(),
      ]);
    },

    /**
     * The first-start path: inserts a generated admin key only while the install has no live admin
     * credential (no admin key, no enabled admin user). Serialised by an advisory lock, so replicas that
     * start together on an empty database generate one key between them. False when an admin exists.
     */
    async insertFirstAdminKey(key: NewApiKey): Promise<boolean> {
      return db.transaction(async (tx) => {
        await tx.query(
          "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':chainwatch:first-admin'))",
        );
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO api_keys (prefix, key_hash, name, role, created_by, expires_at)
           SELECT $1, $2, $3, 'admin', $4, NULL
           WHERE NOT EXISTS (SELECT 1 FROM users WHERE role = 'admin' AND disabled_at IS NULL)
             AND NOT EXISTS (SELECT 1 FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL
                             AND (expires_at IS NULL OR expires_at > now()))
           RETURNING id::text AS id`,
          [key.prefix, key.keyHash, key.name, key.createdBy],
        );
        return rows.length > 0;
      });
    },
    /** null when the email is taken. */
    async insertUser(user: { email: string; passwordHash: string; role: Role }): Promise<UserRecord | null> {
      const { rows } = await db.query<UserRow>(
        `INSERT INTO users (email, password_hash, role) VALUES ($1, $2, $3)
         ON CONFLICT (email) DO NOTHING RETURNING ${USER_COLUMNS}`,
        [user.email, user.passwordHash, user.role],
      );
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findUserByEmail(email: string): Promise<UserRecord | null> {
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = $1`, [email]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async findUserById(id: string): Promise<UserRecord | null> {
      if (!UUID.test(id)) return null;
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1::uuid`, [id]);
      return rows[0] ? toUser(rows[0]) : null;
    },
    async listUsers(): Promise<UserRecord[]> {
      const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY created_at`);
      return rows.map(toUser);
    },
    /** When the account is locked for logins from `source`, the lock's end; otherwise null. */
    async loginLockedUntil(userId: string, source: string): Promise<string | null> {
      const { rows } = await db.query<{ locked_until: Date | string }>(
        `SELECT locked_until FROM login_failures
         WHERE user_id = $1::uuid AND source = $2 AND locked_until > now()`,
        [userId, source],
      );
      return rows[0] ? isoOf(rows[0].locked_until) : null;
    },
    /**
     * Counts a failed login from `source` in one statement (concurrent guesses cannot lose a count). The
     * count starts over after an expired lock or `lockSeconds` without failures, and reaching `maxFailures`
     * locks that account for that source only, for `lockSeconds`.
     */
    async recordFailedLogin(
      userId: string,
      source: string,
      policy: { maxFailures: number; lockSeconds: number },
    ): Promise<LoginFailureState> {
      const isStale = "(f.locked_until <= now() OR f.last_failure_at <= now() - make_interval(secs => $4))";
      const nextCount = `CASE WHEN ${isStale} THEN 1 ELSE f.failures + 1 END`;
      const { rows } = await db.query<{ failures: number; locked_until: Date | string | null }>(
        `INSERT INTO login_failures AS f (user_id, source, failures, locked_until, last_failure_at)
         VALUES ($1::uuid, $2, 1, CASE WHEN 1 >= $3 THEN now() + make_interval(secs => $4) END, now())
         ON CONFLICT (user_id, source) DO UPDATE SET
           failures = ${nextCount},
           locked_until = CASE WHEN ${nextCount} >= $3 THEN now() + make_interval(secs => $4) END,
           last_failure_at = now()
         RETURNING failures, locked_until`,
        [userId, source, policy.maxFailures, policy.lockSeconds],
      );
      const row = rows[0];
      return { failures: Number(row?.failures ?? 0), lockedUntil: isoOrNull(row?.locked_until ?? null) };
    },
    /** A successful login from `source` forgets that source's failures. */
    async clearFailedLogins(userId: string, source: string): Promise<void> {
      await db.query("DELETE FROM login_failures WHERE user_id = $1::uuid AND source = $2", [userId, source]);
    },
    async updatePassword(userId: string, passwordHash: string): Promise<void> {
      await db.query("UPDATE users SET password_hash = $2 WHERE id = $1::uuid", [userId, passwordHash]);
    },

    async insertRefreshToken(token: {
      userId: string;
      familyId: string;
      tokenHash: string;
      expiresAt: Date;
    }): Promise<void> {
      await db.query(
        "INSERT INTO refresh_tokens (user_id, family_id, token_hash, expires_at) VALUES ($1::uuid, $2::uuid, $3, $4)",
        [token.userId, token.familyId, token.tokenHash, token.expiresAt.toISOString()],
      );
    },
    async findRefreshToken(tokenHash: string): Promise<RefreshTokenRecord | null> {
      const { rows } = await db.query<RefreshRow>(
        `SELECT ${REFRESH_COLUMNS} FROM refresh_tokens WHERE token_hash = $1`,
        [tokenHash],
      );
      return rows[0] ? toRefresh(rows[0]) : null;
    },
    /**
     * Marks a token rotated only if it was still current; false means another request rotated it first
     * (a concurrent reuse), which the caller treats like any other reuse.
     */
    async markRefreshTokenRotated(id: string): Promise<boolean> {
      const { rowCount } = await db.query(
        "UPDATE refresh_tokens SET rotated_at = now() WHERE id = $1::uuid AND rotated_at IS NULL AND revoked_at IS NULL",
        [id],
      );
      return rowCount === 1;
    },
    async revokeRefreshFamily(familyId: string): Promise<void> {
      await db.query(
        "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE family_id = $1::uuid",
        [familyId],
      );
    },
    async revokeUserRefreshTokens(userId: string): Promise<void> {
      await db.query(
        "UPDATE refresh_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE user_id = $1::uuid",
        [userId],
      );
    },
    /**
     * Whether a login session (a refresh-token family) was issued to this user and is still live: none of
     * its tokens revoked, and one not yet expired. An access token whose session is not live is refused,
     * whatever its signature says.
     */
    async isSessionLive(familyId: string, userId: string): Promise<boolean> {
      if (!UUID.test(familyId) || !UUID.test(userId)) return false;
      const { rows } = await db.query<{ live: boolean }>(
        `SELECT bool_and(revoked_at IS NULL) AND bool_or(expires_at > now()) AS live
         FROM refresh_tokens WHERE family_id = $1::uuid AND user_id = $2::uuid`,
        [familyId, userId],
      );
      return rows[0]?.live === true;
    },

    async insertAuditLogs(entries: AuditEntry[]): Promise<void> {
      if (entries.length === 0) return;
      await db.query(
        `INSERT INTO audit_logs (action, outcome, principal_type, principal_id, ip, user_agent, request_id, resource, details)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::jsonb[])`,
        [
          entries.map((entry) => entry.action),
          entries.map((entry) => entry.outcome),
          entries.map((entry) => entry.principalType),
          entries.map((entry) => entry.principalId),
          entries.map((entry) => entry.ip),
          entries.map((entry) => entry.userAgent),
          entries.map((entry) => entry.requestId),
          entries.map((entry) => entry.resource),
          entries.map((entry) => JSON.stringify(entry.details ?? {})),
        ],
      );
    },
    async listAuditLogs(
      query: AuditQuery,
    ): Promise<{ items: AuditLogView[]; nextCursor: string | null; total: number }> {
      if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_AUDIT_PAGE_SIZE) {
        throw new StoreValidationError(`limit must be an integer in 1..${MAX_AUDIT_PAGE_SIZE}`, {
          field: "limit",
        });
      }
      const filters: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        params.push(value);
        filters.push(sql.replace("?", `$${params.length}`));
      };
      if (query.action) add("action = ?", query.action);
      if (query.outcome) add("outcome = ?", query.outcome);
      if (query.principalId) add("principal_id = ?", query.principalId);
      if (query.since) add("occurred_at >= ?::timestamptz", query.since.toISOString());
      const pageFilters = [...filters];
      const pageParams = [...params];
      if (query.cursor) {
        // Same keyset cursor shape as anomaly pages: PostgreSQL microsecond time plus id.
        const after = decodeAnomalyCursor(query.cursor);
        pageParams.push(after.detectedAt, after.id);
        pageFilters.push(
          `(audit_logs.occurred_at, audit_logs.id) < ($${pageParams.length - 1}::timestamptz, $${pageParams.length}::bigint)`,
        );
      }
      pageParams.push(query.limit + 1);
      const where = (list: string[]) => (list.length > 0 ? `WHERE ${list.join(" AND ")}` : "");
      const [page, count] = await Promise.all([
        db.query<AuditRow>(
          `SELECT id::text AS id, occurred_at,
             to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at,
             action, outcome, principal_type, principal_id, ip, user_agent, request_id, resource, details
           FROM audit_logs ${where(pageFilters)}
           ORDER BY audit_logs.occurred_at DESC, audit_logs.id DESC LIMIT $${pageParams.length}`,
          pageParams,
        ),
        db.query<{ total: string }>(
          `SELECT count(*)::text AS total FROM audit_logs ${where(filters)}`,
          params,
        ),
      ]);
      const rows = page.rows.slice(0, query.limit);
      const last = rows.at(-1);
      return {
        items: rows.map(toAudit),
        nextCursor:
          page.rows.length > query.limit && last
            ? encodeAnomalyCursor({ detectedAt: last.cursor_at, id: last.id })
            : null,
        total: Number(count.rows[0]?.total ?? 0),
      };
    },
    async auditStats(
      since: Date,
    ): Promise<{ byAction: Record<string, Record<string, number>>; total: number }> {
      const { rows } = await db.query<{ action: string; outcome: string; count: string }>(
        `SELECT action, outcome, count(*)::text AS count FROM audit_logs WHERE occurred_at >= $1::timestamptz
         GROUP BY action, outcome ORDER BY action, outcome`,
        [since.toISOString()],
      );
      const byAction: Record<string, Record<string, number>> = {};
      let total = 0;
      for (const row of rows) {
        const outcomes = byAction[row.action] ?? {};
        outcomes[row.outcome] = Number(row.count);
        byAction[row.action] = outcomes;
        total += Number(row.count);
      }
      return { byAction, total };
    },
  };
}

interface AuditRow {
  id: string;
  occurred_at: Date | string;
  cursor_at: string;
  action: string;
  outcome: string;
  principal_type: string;
  principal_id: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  resource: string | null;
  details: Record<string, unknown> | null;
}

const toAudit = (row: AuditRow): AuditLogView => ({
  id: row.id,
  occurredAt: isoOf(row.occurred_at),
  action: row.action,
  outcome: row.outcome as AuditEntry["outcome"],
  principalType: row.principal_type as AuditEntry["principalType"],
  principalId: row.principal_id,
  ip: row.ip,
  userAgent: row.user_agent,
  requestId: row.request_id,
  resource: row.resource,
  details: row.details ?? {},
});

export type AuthRepositories = ReturnType<typeof createAuthRepositories>;
