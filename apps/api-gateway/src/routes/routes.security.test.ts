import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeyPrefix } from "../auth/api-key-format.ts";
import { hasPermission } from "../auth/permissions.ts";
import { accessFor } from "../auth/route-permissions.ts";
import { createKey, PROTECTED_ROUTES } from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789";
const ROLES = ["viewer", "scorer", "analyst", "admin"] as const;

describe("security: every protected route", () => {
  let app: TestGateway;
  let database: Database;
  const keys: Record<string, string> = {};
  let expiredKey: string;
  let revokedKey: string;

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({ JWT_SECRET, AUTH_CACHE_TTL_SECONDS: "0" }, { database });
    for (const role of ROLES) keys[role] = await createKey(app, role);
    expiredKey = await createKey(app, "admin", { expiresInDays: 1 });
    revokedKey = await createKey(app, "admin");
    const listed = (await app.send("/api/v1/auth/keys")).json as { keys: { id: string; prefix: string }[] };
    const revokedId = listed.keys.find((key) => revokedKey.startsWith(key.prefix))?.id;
    expect((await app.send(`/api/v1/auth/keys/${revokedId}`, { method: "DELETE" })).status).toBe(200);
    // Expire a key without waiting a day: the store is the only place that knows its expiry.
    await database.query("UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE prefix = $1", [
      apiKeyPrefix(expiredKey),
    ]);
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("keeps the route table in step with the tested routes", () => {
    for (const route of PROTECTED_ROUTES)
      expect(accessFor(route.method, route.path.split("?")[0] ?? "")).toBe(route.access);
  });

  for (const route of PROTECTED_ROUTES) {
    const name = `${route.method} ${route.path}`;
    const call = (headers: Record<string, string>, anonymous = false) =>
      app.send(route.path, { method: route.method, body: route.body, headers, anonymous });

    it(`${name}: no credential → 401`, async () => {
      const response = await call({}, true);
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ code: "AUTHENTICATION_REQUIRED" });
      expect(response.headers["www-authenticate"]).toMatch(/Bearer/);
    });

    it(`${name}: malformed, unknown and revoked credentials → 401`, async () => {
      const attempts: Record<string, string>[] = [
        { "x-api-key": "not-a-key" },
        { "x-api-key": `cw_${"f".repeat(64)}` },
        { authorization: "Basic dXNlcjpwYXNz" },
        { authorization: "Bearer not.a.jwt" },
      ];
      for (const headers of attempts) {
        const response = await call(headers);
        expect(response.status, JSON.stringify(headers)).toBe(401);
        expect(response.json).toMatchObject({ code: "INVALID_CREDENTIALS" });
      }
      const revoked = await call({ "x-api-key": revokedKey });
      expect(revoked.status).toBe(401);
      expect(revoked.json).toMatchObject({ code: "CREDENTIALS_REVOKED" });
    });

    it(`${name}: expired API key → 401`, async () => {
      const response = await call({ "x-api-key": expiredKey });
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ code: "CREDENTIALS_EXPIRED" });
    });

    it(`${name}: expired token → 401`, async () => {
      const expired = await new SignJWT({ sid: "00000000-0000-0000-0000-000000000000", typ: "access" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("00000000-0000-0000-0000-000000000000")
        .setIssuer("chainwatch")
        .setAudience("chainwatch-api")
        .setIssuedAt(Math.floor(Date.now() / 1000) - 3_600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode(JWT_SECRET));
      const response = await call({ authorization: `Bearer ${expired}` });
      expect(response.status).toBe(401);
      expect(response.json).toMatchObject({ code: "CREDENTIALS_EXPIRED" });
    });

    it(`${name}: roles without ${route.access} → 403, roles with it pass authorisation`, async () => {
      for (const role of ROLES) {
        const response = await call({ "x-api-key": keys[role] ?? "" });
        const isAllowed = route.access === "authenticated" || hasPermission(role, route.access);
        if (isAllowed) {
          expect(response.status, `${role} ${response.text}`).not.toBe(401);
          expect((response.json as { code?: string } | undefined)?.code, role).not.toBe("FORBIDDEN");
        } else {
          expect(response.status, role).toBe(403);
          expect(response.json).toMatchObject({ code: "FORBIDDEN" });
        }
      }
    });
  }
});
