import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiKeyPrefix } from "../auth/api-key-format.ts";
import { createKey } from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: { id: string; email: string; role: string };
}

describe("users, sessions and keys", () => {
  let app: TestGateway;
  let database: Database;
  const password = "correct horse battery staple";
  const post = (path: string, body: unknown, headers: Record<string, string> = {}, anonymous = true) =>
    app.send(path, { method: "POST", body, headers, anonymous });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({ AUTH_CACHE_TTL_SECONDS: "0", LOGIN_MAX_FAILURES: "3" }, { database });
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("refuses anonymous registration while an admin key exists; admins register users, emails lower-cased", async () => {
    // The bootstrap admin key exists, so even the very first anonymous registration is refused.
    expect((await post("/api/v1/auth/register", { email: "x@example.com", password })).status).toBe(401);
    const first = await app.send("/api/v1/auth/register", {
      method: "POST",
      body: { email: "  Ops@Example.COM ", password, role: "admin" },
    });
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ email: "ops@example.com", role: "admin" });
    expect((await post("/api/v1/auth/register", { email: "x@example.com", password })).status).toBe(401);
    const byAdmin = await app.send("/api/v1/auth/register", {
      method: "POST",
      body: { email: "Analyst@example.com", password, role: "analyst" },
    });
    expect(byAdmin.status).toBe(201);
    expect(byAdmin.json).toMatchObject({ email: "analyst@example.com", role: "analyst" });
    const duplicate = await app.send("/api/v1/auth/register", {
      method: "POST",
      body: { email: "ANALYST@example.com", password },
    });
    expect(duplicate.status).toBe(409);
    const weak = await app.send("/api/v1/auth/register", {
      method: "POST",
      body: { email: "a@b.c", password: "short" },
    });
    expect(weak.status).toBe(400);
  });

  it("logs in with any email case, answers /me from the stored role, and refuses wrong passwords alike", async () => {
    const login = await post("/api/v1/auth/login", { email: "ANALYST@EXAMPLE.com", password });
    expect(login.status).toBe(200);
    const tokens = login.json as Tokens;
    expect(tokens.expiresIn).toBe(900);
    const me = await app.send("/api/v1/auth/me", { headers: bearer(tokens.accessToken) });
    expect(me.json).toMatchObject({ type: "user", role: "analyst", name: "analyst@example.com" });
    const wrong = await post("/api/v1/auth/login", { email: "analyst@example.com", password: "nope" });
    const unknown = await post("/api/v1/auth/login", { email: "nobody@example.com", password: "nope" });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect((wrong.json as { message: string }).message).toBe((unknown.json as { message: string }).message);
  });

  it("rotates refresh tokens; reusing a rotated one revokes the whole session", async () => {
    const { refreshToken, accessToken } = (
      await post("/api/v1/auth/login", { email: "ops@example.com", password })
    ).json as Tokens;
    const rotated = await post("/api/v1/auth/refresh", { refreshToken });
    expect(rotated.status).toBe(200);
    const next = rotated.json as Tokens;
    expect(next.refreshToken).not.toBe(refreshToken);
    expect((await app.send("/api/v1/auth/me", { headers: bearer(next.accessToken) })).status).toBe(200);

    const reuse = await post("/api/v1/auth/refresh", { refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.json).toMatchObject({ code: "INVALID_REFRESH_TOKEN" });
    // The family is gone: the newest refresh token and every access token of the session stop working.
    expect((await post("/api/v1/auth/refresh", { refreshToken: next.refreshToken })).status).toBe(401);
    expect((await app.send("/api/v1/auth/me", { headers: bearer(next.accessToken) })).status).toBe(401);
    expect((await app.send("/api/v1/auth/me", { headers: bearer(accessToken) })).status).toBe(401);
  });

  it("logs out a session and changes passwords, ending every session", async () => {
    const session = (await post("/api/v1/auth/login", { email: "ops@example.com", password })).json as Tokens;
    expect((await post("/api/v1/auth/logout", {}, bearer(session.accessToken), false)).status).toBe(204);
    expect((await app.send("/api/v1/auth/me", { headers: bearer(session.accessToken) })).status).toBe(401);

    const other = (await post("/api/v1/auth/login", { email: "ops@example.com", password })).json as Tokens;
    const newPassword = `${password} v2`;
    const change = await post(
      "/api/v1/auth/change-password",
      { currentPassword: password, newPassword },
      bearer(other.accessToken),
      false,
    );
    expect(change.status).toBe(204);
    expect((await app.send("/api/v1/auth/me", { headers: bearer(other.accessToken) })).status).toBe(401);
    expect((await post("/api/v1/auth/login", { email: "ops@example.com", password })).status).toBe(401);
    expect(
      (await post("/api/v1/auth/login", { email: "ops@example.com", password: newPassword })).status,
    ).toBe(200);
  });

  it("shows a new API key once, lists keys without secrets, and records last use in batches", async () => {
    const key = await createKey(app, "viewer");
    expect(key).toMatch(/^cw_[0-9a-f]{64}$/);
    const listed = await app.send("/api/v1/auth/keys");
    expect(listed.text).not.toContain(key);
    expect(listed.text).not.toContain("keyHash");
    expect((await app.send("/api/v1/anomalies", { headers: { "x-api-key": key } })).status).toBe(200);
    await app.gateway.stop(); // flushes key usage and the audit log
    const { rows } = await database.query<{ last_used_at: Date | null }>(
      "SELECT last_used_at FROM api_keys WHERE prefix = $1",
      [key.slice(0, 12)],
    );
    expect(rows[0]?.last_used_at).not.toBeNull();
    app = await startTestGateway({ AUTH_CACHE_TTL_SECONDS: "0", LOGIN_MAX_FAILURES: "3" }, { database });
  });

  it("keeps no plaintext secret in the database and an audit trail without secrets", async () => {
    const key = await createKey(app, "scorer");
    const session = (
      await post("/api/v1/auth/login", { email: "ops@example.com", password: `${password} v2` })
    ).json as Tokens;
    await app.gateway.stop();
    const dump = JSON.stringify([
      (await database.query("SELECT * FROM api_keys")).rows,
      (await database.query("SELECT * FROM users")).rows,
      (await database.query("SELECT * FROM refresh_tokens")).rows,
      (await database.query("SELECT * FROM audit_logs")).rows,
    ]);
    for (const secret of [
      key,
      key.slice(12),
      password,
      `${password} v2`,
      session.refreshToken,
      app.adminKey,
    ]) {
      expect(dump).not.toContain(secret);
    }
    const actions = (
      await database.query<{ action: string }>("SELECT DISTINCT action FROM audit_logs")
    ).rows.map((row) => row.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "user.register",
        "auth.login",
        "auth.refresh",
        "auth.refresh_reuse",
        "auth.logout",
        "user.change_password",
        "api_key.create",
        "access.denied",
      ]),
    );
    app = await startTestGateway({}, { database });
    const audit = await app.send("/api/v1/audit-logs?action=auth.login&limit=2");
    expect(audit.status).toBe(200);
    expect(audit.json).toMatchObject({ items: [{ action: "auth.login" }, { action: "auth.login" }] });
    const stats = await app.send("/api/v1/audit-logs/stats");
    expect((stats.json as { total: number }).total).toBeGreaterThan(5);
  });
});

describe("cached credentials", () => {
  let app: TestGateway;
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({ AUTH_CACHE_TTL_SECONDS: "30" }, { database });
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("are not trusted past the credential's own expiry, whatever the cache TTL", async () => {
    const key = await createKey(app, "viewer", { expiresInDays: 1 });
    const { rows } = await database.query<{ expires_at: Date }>(
      "UPDATE api_keys SET expires_at = now() + interval '2 seconds' WHERE prefix = $1 RETURNING expires_at",
      [apiKeyPrefix(key)],
    );
    const expiresAtMs = rows[0]?.expires_at.getTime() ?? 0;
    const me = () => app.send("/api/v1/auth/me", { headers: { "x-api-key": key } });
    // Now cached, for up to the 30 s TTL.
    expect((await me()).status).toBe(200);
    // Polled, not slept: the first answer after the expiry must refuse. The bound stays far inside the
    // cache TTL, so a cache that trusted its entry until the TTL fails here.
    const expired = await vi.waitFor(
      async () => {
        const response = await me();
        expect(response.status).toBe(401);
        return response;
      },
      { timeout: 10_000, interval: 100 },
    );
    expect(expired.json).toMatchObject({ code: "CREDENTIALS_EXPIRED" });
    // And never before it: the refusal is the expiry, not something else.
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs);
  });
});
