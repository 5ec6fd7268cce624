import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiKeyPrefix } from "../auth/api-key-format.ts";
import type { RawResponse } from "../testing/http-client.ts";
import {
  concretePath,
  createKey,
  ROLES,
  type ServedOperation,
  servedOperations,
} from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const JWT_SECRET = "Kq3v9Zt2Lw8Rb5Yx1Hn6Pd4Fm7Gc0Sj2Ue9Ta5Wo3Qi8Nl1";
type Role = (typeof ROLES)[number];
const EVERY_ROLE = ROLES;
const READERS: readonly Role[] = ["viewer", "analyst", "admin"];
const SCORERS: readonly Role[] = ["scorer", "admin"];
const ANALYSTS: readonly Role[] = ["analyst", "admin"];
const ADMIN: readonly Role[] = ["admin"];

/**
 * The access policy, spelled out by hand: who may call each operation. Deliberately not derived from the
 * production code (permissions.ts, the endpoint definitions): a change there that grants a role more than
 * this table says fails here. A new endpoint fails the first test until it has a line here.
 */
const POLICY: Record<string, "public" | readonly Role[]> = {
  getLiveness: "public",
  getReadiness: "public",
  getHealth: "public",
  getMetrics: "public",
  getOpenApiDocument: "public",
  getDocsPage: "public",
  getDocsAsset: "public",
  getConsolePage: "public",
  getConsoleAsset: "public",
  login: "public",
  refreshSession: "public",
  getCurrentPrincipal: EVERY_ROLE,
  logout: EVERY_ROLE,
  changePassword: EVERY_ROLE,
  predict: SCORERS,
  predictBatch: SCORERS,
  ingestTransaction: SCORERS,
  ingestTransactionBatch: SCORERS,
  getTransaction: READERS,
  lookupTransactions: READERS,
  listAnomalies: READERS,
  listRecentAnomalies: READERS,
  getAnomalyStats: READERS,
  reviewAnomaly: ANALYSTS,
  getReviewStats: READERS,
  listSuppressions: READERS,
  revokeSuppression: ANALYSTS,
  getStreamStatus: READERS,
  startCacheWarm: ADMIN,
  getCacheWarmJob: ADMIN,
  createApiKey: ADMIN,
  listApiKeys: ADMIN,
  revokeApiKey: ADMIN,
  listUsers: ADMIN,
  registerUser: ADMIN,
  listAuditLogs: ADMIN,
  getAuditStats: ADMIN,
  listModels: READERS,
  getModel: READERS,
  getTrainingJob: READERS,
  listDriftReports: READERS,
  getAutoBaseline: READERS,
  runAutoBaseline: ADMIN,
  compareModels: ANALYSTS,
  checkDrift: ANALYSTS,
  trainModel: ADMIN,
  deployModel: ADMIN,
  setModelTraffic: ADMIN,
  rollbackModel: ADMIN,
  listLabelLists: READERS,
  putLabelList: ADMIN,
  deleteLabelList: ADMIN,
  listLabels: READERS,
  putLabel: ANALYSTS,
  importLabels: ANALYSTS,
  deleteLabel: ANALYSTS,
  screenAddress: READERS,
  startRescreen: ANALYSTS,
  getRescreenJob: ANALYSTS,
  listAlertDestinations: ANALYSTS,
  createAlertDestination: ADMIN,
  updateAlertDestination: ADMIN,
  deleteAlertDestination: ADMIN,
  testAlertDestination: ADMIN,
  listAlertDeadLetters: ANALYSTS,
  listAlertDeliveries: ANALYSTS,
  redeliverAlerts: ADMIN,
};

/**
 * Spellings that Express used to route to the same handler while the old access table saw a different
 * path (or none). Each must now match no route at all.
 */
function spellingVariants(path: string): Record<string, string> {
  const segments = path.split("/");
  const last = segments.length - 1;
  const staticIndex = segments.findLastIndex((segment) => /^[a-z]/.test(segment));
  const withSegment = (index: number, value: string) =>
    segments.map((segment, at) => (at === index ? value : segment)).join("/");
  const word = segments[staticIndex] ?? "";
  return {
    "upper case": path.toUpperCase(),
    "one capital": withSegment(staticIndex, word.charAt(0).toUpperCase() + word.slice(1)),
    "trailing slash": `${path}/`,
    "double slash": last > 1 ? withSegment(last, `/${segments[last]}`) : `${path}//`,
    "encoded letter": withSegment(
      staticIndex,
      `%${word.charCodeAt(0).toString(16).toUpperCase()}${word.slice(1)}`,
    ),
  };
}

const codeOf = (response: RawResponse) => (response.json as { code?: string } | undefined)?.code;

describe("security: the route × role × spelling matrix", () => {
  let app: TestGateway;
  let database: Database;
  let operations: ServedOperation[];
  const keys = {} as Record<Role, string>;
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
    operations = await servedOperations(app);
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  const call = (method: string, path: string, key: string | undefined) =>
    app.send(path, {
      method,
      ...(method === "POST" || method === "PUT" ? { body: {} } : {}),
      ...(key === undefined ? { anonymous: true } : { headers: { "x-api-key": key } }),
    });

  it("has a hand-written policy line for every served operation, and serves every line", () => {
    const served = operations.map((operation) => operation.operationId).sort();
    expect(served).toEqual(Object.keys(POLICY).sort());
    expect(operations.length).toBe(67);
  });

  it("documents public access exactly where the policy says public", () => {
    const documentedPublic = operations.filter((operation) => operation.isPublic).map((o) => o.operationId);
    const policyPublic = Object.entries(POLICY)
      .filter(([, access]) => access === "public")
      .map(([operationId]) => operationId);
    expect(documentedPublic.sort()).toEqual(policyPublic.sort());
  });

  it("answers every operation for every caller as the policy says", async () => {
    const failures: string[] = [];
    for (const operation of operations) {
      const policy = POLICY[operation.operationId];
      const path = concretePath(operation.template);
      for (const caller of [undefined, ...ROLES]) {
        const response = await call(operation.method, path, caller && keys[caller]);
        const name = `${caller ?? "anonymous"} ${operation.method} ${path} → ${response.status} ${codeOf(response)}`;
        const isAllowed = policy === "public" || (caller !== undefined && policy?.includes(caller) === true);
        if (isAllowed) {
          if (
            response.status >= 500 ||
            ["FORBIDDEN", "AUTHENTICATION_REQUIRED"].includes(codeOf(response) ?? "")
          )
            failures.push(`${name}: should pass authorisation`);
        } else if (caller === undefined) {
          if (response.status !== 401 || codeOf(response) !== "AUTHENTICATION_REQUIRED")
            failures.push(`${name}: should be 401`);
        } else if (response.status !== 403 || codeOf(response) !== "FORBIDDEN") {
          failures.push(`${name}: should be 403`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("routes no other spelling of any path: 401 for anonymous callers, 404 for every role", async () => {
    const failures: string[] = [];
    // A variant that spells another real route (`/models/Train` is model version "Train") is that route's
    // request, and the matrix above checks it; every other variant must match nothing.
    const templates = operations.map(
      (operation) => new RegExp(`^${operation.template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    );
    const isServedPath = (path: string) => templates.some((template) => template.test(path));
    for (const operation of operations) {
      const variants = Object.entries(spellingVariants(concretePath(operation.template)));
      for (const [variant, path] of variants.filter(([, path]) => !isServedPath(path))) {
        for (const caller of [undefined, ...ROLES]) {
          const response = await call(operation.method, path, caller && keys[caller]);
          const expected = caller === undefined ? 401 : 404;
          if (response.status !== expected)
            failures.push(
              `${variant}: ${caller ?? "anonymous"} ${operation.method} ${path} → ${response.status} (want ${expected})`,
            );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it("answers HEAD like GET where a path has GET, and OPTIONS/HEAD elsewhere with 405 behind authentication", async () => {
    const failures: string[] = [];
    const templates = [...new Set(operations.map((operation) => operation.template))];
    for (const template of templates) {
      const path = concretePath(template);
      const atPath = operations.filter((operation) => operation.template === template);
      const hasGet = atPath.some((operation) => operation.method === "GET");
      const isPublicPath = atPath.every((operation) => operation.isPublic);
      for (const caller of [undefined, ...ROLES]) {
        const key = caller && keys[caller];
        const head = await call("HEAD", path, key);
        if (hasGet) {
          const get = await call("GET", path, key);
          if (head.status !== get.status)
            failures.push(`HEAD ${path} ${caller}: ${head.status} ≠ GET ${get.status}`);
        } else {
          const expected = caller === undefined && !isPublicPath ? 401 : 405;
          if (head.status !== expected)
            failures.push(`HEAD ${path} ${caller}: ${head.status} (want ${expected})`);
        }
        const options = await call("OPTIONS", path, key);
        const expected = caller === undefined && !isPublicPath ? 401 : 405;
        if (options.status !== expected)
          failures.push(`OPTIONS ${path} ${caller}: ${options.status} (want ${expected})`);
      }
    }
    expect(failures).toEqual([]);
  });

  it("denies paths that no endpoint declares", async () => {
    for (const path of [
      "/api/v1/nope",
      "/api/v2/predict",
      "/admin",
      "/api/v1/auth",
      "/api/v1/auth/keys/a/b",
    ]) {
      const anonymous = await call("POST", path, undefined);
      expect(anonymous.status, path).toBe(401);
      expect(codeOf(anonymous)).toBe("AUTHENTICATION_REQUIRED");
      for (const role of ROLES) {
        const response = await call("POST", path, keys[role]);
        expect(response.status, `${role} ${path}`).toBe(404);
        expect(codeOf(response)).toBe("NOT_FOUND");
      }
    }
  });

  it("closes the reported bypasses: no admin key, revocation, user list or review through another spelling", async () => {
    const keyCount = async () =>
      ((await app.send("/api/v1/auth/keys")).json as { keys: unknown[] }).keys.length;
    const before = await keyCount();
    const attempts = [
      { role: "viewer", method: "POST", path: "/api/v1/auth/keys/", body: { name: "x", role: "admin" } },
      { role: "scorer", method: "POST", path: "/api/v1/AUTH/keys", body: { name: "x", role: "admin" } },
      { role: "viewer", method: "GET", path: "/api/v1/users/" },
      { role: "viewer", method: "GET", path: "/api/v1/audit-logs/" },
      { role: "viewer", method: "POST", path: "/api/v1/anomalies/1/review/", body: { falsePositive: true } },
    ] as const;
    for (const attempt of attempts) {
      const response = await app.send(attempt.path, {
        method: attempt.method,
        headers: { "x-api-key": keys[attempt.role] },
        ...("body" in attempt ? { body: attempt.body } : {}),
      });
      expect(response.status, `${attempt.role} ${attempt.method} ${attempt.path}`).toBe(404);
    }
    expect(await keyCount()).toBe(before);

    const victim = await createKey(app, "viewer");
    const listed = (await app.send("/api/v1/auth/keys")).json as { keys: { id: string; prefix: string }[] };
    const victimId = listed.keys.find((key) => victim.startsWith(key.prefix))?.id ?? "";
    const revoke = await app.send(`/api/v1/auth/KEYS/${victimId}`, {
      method: "DELETE",
      headers: { "x-api-key": keys.scorer },
    });
    expect(revoke.status).toBe(404);
    const stillWorks = await app.send("/api/v1/auth/me", { headers: { "x-api-key": victim } });
    expect(stillWorks.status).toBe(200);
  });

  it("audits refusals with the raw path the client sent", async () => {
    await app.send("/api/v1/AUTH/keys", { method: "POST", headers: { "x-api-key": keys.viewer }, body: {} });
    // The audit trail is written behind the request (every 100 ms): poll, bounded.
    await vi.waitFor(
      async () => {
        const entries = await database.query<{ details: { reason?: string } }>(
          "SELECT details FROM audit_logs WHERE action = 'access.denied' AND resource = $1",
          ["POST /api/v1/AUTH/keys"],
        );
        expect(entries.rows.map((row) => row.details.reason)).toContain("NO_ROUTE");
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  describe("credentials on every protected operation", () => {
    const protectedOperations = () => operations.filter((operation) => !operation.isPublic);

    it("refuses malformed, unknown and revoked credentials with 401", async () => {
      const attempts: Record<string, string>[] = [
        { "x-api-key": "not-a-key" },
        { "x-api-key": `cw_${"f".repeat(64)}` },
        { authorization: "Basic dXNlcjpwYXNz" },
        { authorization: "Bearer not.a.jwt" },
      ];
      for (const operation of protectedOperations()) {
        const path = concretePath(operation.template);
        for (const headers of attempts) {
          const response = await app.send(path, { method: operation.method, headers });
          expect(response.status, `${operation.operationId} ${JSON.stringify(headers)}`).toBe(401);
          expect(codeOf(response)).toBe("INVALID_CREDENTIALS");
        }
        const revoked = await call(operation.method, path, revokedKey);
        expect(revoked.status).toBe(401);
        expect(codeOf(revoked)).toBe("CREDENTIALS_REVOKED");
        const expired = await call(operation.method, path, expiredKey);
        expect(expired.status).toBe(401);
        expect(codeOf(expired)).toBe("CREDENTIALS_EXPIRED");
      }
    });

    it("refuses a validly signed token whose session was never issued", async () => {
      const password = "correct horse battery staple";
      const registered = await app.send("/api/v1/auth/register", {
        method: "POST",
        body: { email: "forged@example.com", password, role: "admin" },
      });
      const userId = (registered.json as { id: string }).id;
      const login = await app.send("/api/v1/auth/login", {
        method: "POST",
        anonymous: true,
        body: { email: "forged@example.com", password },
      });
      const issued = (login.json as { accessToken: string }).accessToken;
      expect(
        (await app.send("/api/v1/auth/me", { headers: { authorization: `Bearer ${issued}` } })).status,
      ).toBe(200);
      const forged = await new SignJWT({ sid: "6f1c3e7a-2b4d-4c8e-9a0f-1d2e3f4a5b6c", typ: "access" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject(userId)
        .setIssuer("chainwatch")
        .setAudience("chainwatch-api")
        .setIssuedAt()
        .setExpirationTime("10m")
        .sign(new TextEncoder().encode(JWT_SECRET));
      const response = await app.send("/api/v1/auth/me", { headers: { authorization: `Bearer ${forged}` } });
      expect(response.status).toBe(401);
      expect(codeOf(response)).toBe("CREDENTIALS_REVOKED");
    });

    it("refuses an expired access token with 401", async () => {
      const token = await new SignJWT({ sid: "00000000-0000-0000-0000-000000000000", typ: "access" })
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("00000000-0000-0000-0000-000000000000")
        .setIssuer("chainwatch")
        .setAudience("chainwatch-api")
        .setIssuedAt(Math.floor(Date.now() / 1000) - 3_600)
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(new TextEncoder().encode(JWT_SECRET));
      for (const operation of protectedOperations()) {
        const response = await app.send(concretePath(operation.template), {
          method: operation.method,
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status, operation.operationId).toBe(401);
        expect(codeOf(response)).toBe("CREDENTIALS_EXPIRED");
      }
    });
  });
});
