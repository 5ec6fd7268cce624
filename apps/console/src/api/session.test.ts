import { describe, expect, it } from "vitest";
import { fakeGateway } from "../testing/render.tsx";
import { type Credential, clientFor, loadCredential, saveCredential, whoAmI } from "./session.ts";

const ME = { type: "user", id: "u1", role: "analyst", name: "ana@example.com" };

describe("a user session", () => {
  it("renews an expired access token once for concurrent requests and retries them", async () => {
    const refreshTokensSeen: unknown[] = [];
    const gateway = fakeGateway({
      "GET /api/v1/auth/me": () => ({ status: 200, body: ME }),
      "POST /api/v1/auth/refresh": ({ body }) => {
        refreshTokensSeen.push(body);
        return {
          body: {
            accessToken: "access-2",
            refreshToken: "refresh-2",
            tokenType: "Bearer",
            expiresIn: 900,
            refreshExpiresIn: 1_209_600,
            user: {
              id: "u1",
              email: "ana@example.com",
              role: "analyst",
              createdAt: "2026-12-07T08:00:00.000Z",
            },
          },
        };
      },
    });
    // The gateway refuses the first token as expired, and accepts the renewed one.
    const fetchWithExpiry: typeof fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      if (request.headers.get("authorization") === "Bearer access-1")
        return new Response(
          JSON.stringify({
            code: "CREDENTIALS_EXPIRED",
            message: "the credential has expired",
            requestId: "r1",
          }),
          { status: 401, headers: { "content-type": "application/json" } },
        );
      return gateway.fetch(request);
    };
    const renewed: Credential[] = [];
    const client = clientFor(
      { kind: "session", accessToken: "access-1", refreshToken: "refresh-1" },
      {
        baseUrl: "http://gateway.test",
        fetch: fetchWithExpiry,
        onRenewed: (credential) => renewed.push(credential),
      },
    );
    const [first, second] = await Promise.all([whoAmI(client), whoAmI(client)]);
    expect(first).toEqual(ME);
    expect(second).toEqual(ME);
    expect(refreshTokensSeen).toEqual([{ refreshToken: "refresh-1" }]);
    expect(renewed).toEqual([{ kind: "session", accessToken: "access-2", refreshToken: "refresh-2" }]);
    // Later requests carry the new token straight away.
    await whoAmI(client);
    expect(refreshTokensSeen).toHaveLength(1);
  });

  it("gives up with the gateway's refusal when the refresh token is refused too", async () => {
    const gateway = fakeGateway({
      "GET /api/v1/auth/me": () => ({
        status: 401,
        body: { code: "CREDENTIALS_EXPIRED", message: "the credential has expired", requestId: "r2" },
      }),
      "POST /api/v1/auth/refresh": () => ({
        status: 401,
        body: { code: "INVALID_CREDENTIALS", message: "refresh token refused", requestId: "r3" },
      }),
    });
    const client = clientFor(
      { kind: "session", accessToken: "access-1", refreshToken: "refresh-1" },
      { baseUrl: "http://gateway.test", fetch: gateway.fetch },
    );
    await expect(whoAmI(client)).rejects.toMatchObject({
      status: 401,
      code: "CREDENTIALS_EXPIRED",
      requestId: "r2",
    });
    expect(gateway.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /api/v1/auth/me",
      "POST /api/v1/auth/refresh",
    ]);
  });

  it("keeps the credential in the tab's storage and ignores a damaged entry", () => {
    saveCredential({ kind: "session", accessToken: "a", refreshToken: "r" });
    expect(loadCredential()).toEqual({ kind: "session", accessToken: "a", refreshToken: "r" });
    sessionStorage.setItem("chainwatch.console.credential", "{not json");
    expect(loadCredential()).toBeNull();
    saveCredential(null);
    expect(sessionStorage.getItem("chainwatch.console.credential")).toBeNull();
  });
});
