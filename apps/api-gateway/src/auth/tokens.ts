import { randomBytes } from "node:crypto";
import { jwtVerify, SignJWT } from "jose";

export interface AccessClaims {
  /** user id */
  sub: string;
  /** refresh-token family (the login session); revoking it ends the session's access tokens too */
  sid: string;
}

const ISSUER = "chainwatch";
const AUDIENCE = "chainwatch-api";

export function createTokenService(options: { secret: string; accessTtlSeconds: number }) {
  const key = new TextEncoder().encode(options.secret);
  return {
    accessTtlSeconds: options.accessTtlSeconds,
    async signAccess(claims: AccessClaims): Promise<string> {
      return new SignJWT({ sid: claims.sid, typ: "access" })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(claims.sub)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(`${options.accessTtlSeconds}s`)
        .sign(key);
    },
    /** Throws for a bad signature, a wrong algorithm, audience or type, or an expired token. */
    async verifyAccess(token: string): Promise<AccessClaims & { /** expiry, unix seconds */ exp: number }> {
      const { payload } = await jwtVerify(token, key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ["HS256"],
      });
      if (
        payload.typ !== "access" ||
        typeof payload.sub !== "string" ||
        typeof payload.sid !== "string" ||
        typeof payload.exp !== "number"
      ) {
        throw new Error("not an access token");
      }
      return { sub: payload.sub, sid: payload.sid, exp: payload.exp };
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;

/** Opaque refresh token: random, stored only as its hash. */
export function generateRefreshToken(): string {
  return `cwr_${randomBytes(32).toString("base64url")}`;
}
