import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

/**
 * The lockout policy (docs/security.md): 3 failures (LOGIN_MAX_FAILURES here) from one source lock that
 * account for that source only; a locked account answers like a wrong password; the count starts over
 * once a lock or a quiet period of LOGIN_LOCK_SECONDS ends.
 */
describe("login lockout", () => {
  let app: TestGateway;
  let database: Database;
  const password = "correct horse battery staple";
  let serial = 0;

  const login = (email: string, secret: string, source = "198.51.100.1") =>
    app.send("/api/v1/auth/login", {
      method: "POST",
      anonymous: true,
      body: { email, password: secret },
      headers: { "x-forwarded-for": source },
    });
  const newUser = async () => {
    serial += 1;
    const email = `user${serial}@example.com`;
    const created = await app.send("/api/v1/auth/register", {
      method: "POST",
      body: { email, password, role: "viewer" },
    });
    expect(created.status).toBe(201);
    return email;
  };
  const fail = async (email: string, times: number, source?: string) => {
    for (let attempt = 0; attempt < times; attempt += 1)
      expect((await login(email, "not the password", source)).status).toBe(401);
  };
  const withoutRequestId = (body: unknown) => ({ ...(body as object), requestId: undefined });

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway(
      {
        AUTH_CACHE_TTL_SECONDS: "0",
        LOGIN_MAX_FAILURES: "3",
        LOGIN_LOCK_SECONDS: "900",
        TRUST_PROXY: "loopback",
      },
      { database },
    );
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  it("locks the account for the guessing source, answering exactly like a wrong password", async () => {
    const email = await newUser();
    await fail(email, 3);
    const locked = await login(email, password);
    const unknown = await login("nobody@example.com", password);
    expect(locked.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(withoutRequestId(locked.json)).toEqual({
      code: "INVALID_CREDENTIALS",
      message: "email or password is wrong",
      requestId: undefined,
    });
    expect(withoutRequestId(locked.json)).toEqual(withoutRequestId(unknown.json));
    expect(locked.headers["retry-after"]).toBeUndefined();
  });

  it("does not lock the owner out from another source", async () => {
    const email = await newUser();
    await fail(email, 5, "203.0.113.9");
    expect((await login(email, password, "203.0.113.9")).status).toBe(401);
    expect((await login(email, password, "192.0.2.44")).status).toBe(200);
  });

  it("starts the count over when a lock expires: one more failure does not lock again", async () => {
    const email = await newUser();
    await fail(email, 3);
    expect((await login(email, password)).status).toBe(401);
    await database.query("UPDATE login_failures SET locked_until = now() - interval '1 second'");
    await fail(email, 1);
    expect((await login(email, password)).status).toBe(200);
  });

  it("forgets failures after a quiet period, and after a successful login", async () => {
    const email = await newUser();
    await fail(email, 2);
    await database.query("UPDATE login_failures SET last_failure_at = now() - interval '2 hours'");
    await fail(email, 1);
    expect((await login(email, password)).status).toBe(200);
    await fail(email, 2);
    expect((await login(email, password)).status).toBe(200);
  });
});
