import type { AuthRepositories } from "@chainwatch/store";
import { apiKeyPrefix, hashesMatch, hashSecret, isApiKeyFormat } from "./api-key-format.ts";
import type { CredentialProblem, Principal } from "./principal.ts";
import type { TokenService } from "./tokens.ts";

export type AuthResult = { principal: Principal } | { problem: CredentialProblem } | { anonymous: true };

interface CacheEntry {
  result: AuthResult;
  expiresAtMs: number;
  /** Past this, not even a database outage makes the entry usable. */
  staleUntilMs: number;
}

export interface AuthenticatorOptions {
  repositories: AuthRepositories;
  tokens: TokenService;
  /**
   * How long a verified credential is trusted without asking the database again. This is also the bound
   * on how long a revoked key, a logged-out session or a disabled user keeps working on a replica.
   */
  cacheTtlMs: number;
  /**
   * While the database cannot be reached, a principal verified within this window is still accepted
   * (fail-open for known callers only; unknown credentials fail closed with 503). 0 disables it.
   */
  staleOnErrorMs: number;
  now?: () => number;
}

const MAX_CACHE_ENTRIES = 10_000;

/** A verification outcome and until when it may be trusted (the credential's own expiry). */
interface Verified {
  result: AuthResult;
  validUntilMs: number;
}

const refused = (problem: CredentialProblem): Verified => ({
  result: { problem },
  validUntilMs: Number.POSITIVE_INFINITY,
});

/**
 * Resolves the credential of a request (X-API-Key, or Authorization: Bearer with an API key or an access
 * token) to a principal, with the role read from the database. Results, refusals included, are cached
 * briefly so authentication costs no database round trip on most requests.
 */
export function createAuthenticator(options: AuthenticatorOptions) {
  const { repositories, tokens } = options;
  const now = options.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  const usedKeyIds = new Set<string>();

  /** Neither the cache nor stale-on-error trusts a credential past its own expiry (`validUntilMs`). */
  const remember = (cacheKey: string, { result, validUntilMs }: Verified): AuthResult => {
    if (cache.size >= MAX_CACHE_ENTRIES) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    const at = now();
    cache.set(cacheKey, {
      result,
      expiresAtMs: Math.min(at + options.cacheTtlMs, validUntilMs),
      staleUntilMs: Math.min(at + options.staleOnErrorMs, validUntilMs),
    });
    return result;
  };

  async function verifyApiKey(key: string): Promise<Verified> {
    if (!isApiKeyFormat(key)) return refused("INVALID_CREDENTIALS");
    const record = await repositories.findApiKeyByPrefix(apiKeyPrefix(key));
    if (!record || !hashesMatch(record.keyHash, hashSecret(key))) return refused("INVALID_CREDENTIALS");
    if (record.revokedAt) return refused("CREDENTIALS_REVOKED");
    const expiresAtMs = record.expiresAt ? Date.parse(record.expiresAt) : Number.POSITIVE_INFINITY;
    if (expiresAtMs <= now()) return refused("CREDENTIALS_EXPIRED");
    return {
      result: { principal: { type: "api_key", id: record.id, role: record.role, label: record.name } },
      validUntilMs: expiresAtMs,
    };
  }

  async function verifyAccessToken(token: string): Promise<Verified> {
    let claims: Awaited<ReturnType<TokenService["verifyAccess"]>>;
    try {
      claims = await tokens.verifyAccess(token);
    } catch (error) {
      const isExpired = (error as { code?: string }).code === "ERR_JWT_EXPIRED";
      return refused(isExpired ? "CREDENTIALS_EXPIRED" : "INVALID_CREDENTIALS");
    }
    const [user, isSessionLive] = await Promise.all([
      repositories.findUserById(claims.sub),
      repositories.isSessionLive(claims.sid, claims.sub),
    ]);
    if (!user || user.disabledAt) return refused("CREDENTIALS_REVOKED");
    // A valid signature is not enough: the token's session must have been issued and still be live.
    if (!isSessionLive) return refused("CREDENTIALS_REVOKED");
    return {
      result: {
        principal: { type: "user", id: user.id, role: user.role, label: user.email, sessionId: claims.sid },
      },
      validUntilMs: claims.exp * 1000,
    };
  }

  return {
    /** Never throws for bad credentials; a database failure propagates (the caller answers 503). */
    async authenticate(headers: {
      apiKey?: string | undefined;
      authorization?: string | undefined;
    }): Promise<AuthResult> {
      const bearer = headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
      if (headers.authorization && !bearer) return { problem: "INVALID_CREDENTIALS" };
      const credential = headers.apiKey ?? bearer;
      if (!credential) return { anonymous: true };
      if (credential.length > 4_096) return { problem: "INVALID_CREDENTIALS" };
      // Cache by hash so the map never holds a usable secret.
      const cacheKey = hashSecret(credential);
      const cached = cache.get(cacheKey);
      let result: AuthResult;
      if (cached && cached.expiresAtMs > now()) {
        result = cached.result;
      } else {
        try {
          const verified = credential.startsWith("cw_")
            ? await verifyApiKey(credential)
            : await verifyAccessToken(credential);
          result = remember(cacheKey, verified);
        } catch (error) {
          if (cached && "principal" in cached.result && cached.staleUntilMs > now()) result = cached.result;
          else throw error;
        }
      }
      if ("principal" in result && result.principal.type === "api_key") usedKeyIds.add(result.principal.id);
      return result;
    },
    /** Ends trust in a credential on this replica now (logout, revocation, password change). */
    forget(credential: string): void {
      cache.delete(hashSecret(credential));
    },
    forgetAll(): void {
      cache.clear();
    },
    /** Writes last_used_at for keys seen since the previous call, in one statement. */
    async flushKeyUsage(): Promise<void> {
      if (usedKeyIds.size === 0) return;
      const ids = [...usedKeyIds];
      usedKeyIds.clear();
      await repositories.touchApiKeys(ids, new Date(now()));
    },
  };
}

export type Authenticator = ReturnType<typeof createAuthenticator>;
