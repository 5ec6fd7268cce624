import { randomUUID } from "node:crypto";
import type { AuthRepositories, UserRecord } from "@chainwatch/store";
import { hashSecret } from "./api-key-format.ts";
import { generateRefreshToken, type TokenService } from "./tokens.ts";

export interface SessionTokens {
  accessToken: string;
  refreshToken: string;
  tokenType: "Bearer";
  expiresIn: number;
  refreshExpiresIn: number;
}

export type RefreshOutcome =
  | { ok: true; tokens: SessionTokens; user: UserRecord }
  | { ok: false; reason: "unknown" | "expired" | "revoked" | "reused" };

/**
 * Login sessions: a short-lived JWT access token plus an opaque refresh token that rotates on every use.
 * All rotations of one login form a family; presenting an already-rotated token means it was copied, so
 * the whole family is revoked (the thief and the user both have to log in again).
 */
export function createSessions(options: {
  repositories: AuthRepositories;
  tokens: TokenService;
  refreshTtlSeconds: number;
  now?: () => number;
}) {
  const { repositories, tokens } = options;
  const now = options.now ?? Date.now;

  async function issue(user: UserRecord, familyId: string): Promise<SessionTokens> {
    const refreshToken = generateRefreshToken();
    await repositories.insertRefreshToken({
      userId: user.id,
      familyId,
      tokenHash: hashSecret(refreshToken),
      expiresAt: new Date(now() + options.refreshTtlSeconds * 1000),
    });
    return {
      accessToken: await tokens.signAccess({ sub: user.id, sid: familyId }),
      refreshToken,
      tokenType: "Bearer",
      expiresIn: tokens.accessTtlSeconds,
      refreshExpiresIn: options.refreshTtlSeconds,
    };
  }

  return {
    start: (user: UserRecord) => issue(user, randomUUID()),

    async refresh(refreshToken: string): Promise<RefreshOutcome> {
      const record = await repositories.findRefreshToken(hashSecret(refreshToken));
      if (!record) return { ok: false, reason: "unknown" };
      if (record.revokedAt) return { ok: false, reason: "revoked" };
      if (record.rotatedAt || !(await repositories.markRefreshTokenRotated(record.id))) {
        await repositories.revokeRefreshFamily(record.familyId);
        return { ok: false, reason: "reused" };
      }
      if (Date.parse(record.expiresAt) <= now()) return { ok: false, reason: "expired" };
      const user = await repositories.findUserById(record.userId);
      if (!user || user.disabledAt) return { ok: false, reason: "revoked" };
      return { ok: true, tokens: await issue(user, record.familyId), user };
    },

    endSession: (familyId: string) => repositories.revokeRefreshFamily(familyId),
    endAllSessions: (userId: string) => repositories.revokeUserRefreshTokens(userId),
  };
}

export type Sessions = ReturnType<typeof createSessions>;
