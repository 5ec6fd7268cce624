import { describe, expect, it } from "vitest";
import { createChainwatchClient } from "./index.ts";

/** A fetch that records the request and answers with `body`; no network. */
function recordingFetch(status: number, body: unknown) {
  const requests: Request[] = [];
  const fetch = async (input: Request) => {
    requests.push(input);
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
  return { fetch, requests };
}

describe("createChainwatchClient", () => {
  it("sends an API key as X-API-Key to the gateway's path and returns the typed body", async () => {
    const { fetch, requests } = recordingFetch(200, { type: "api_key", id: "1", role: "viewer", name: "ci" });
    const client = createChainwatchClient({ baseUrl: "http://gateway.test:8080", apiKey: "cw_key", fetch });
    const { data, error } = await client.GET("/api/v1/auth/me");
    expect(error).toBeUndefined();
    expect(data?.role).toBe("viewer");
    expect(requests[0]?.url).toBe("http://gateway.test:8080/api/v1/auth/me");
    expect(requests[0]?.headers.get("x-api-key")).toBe("cw_key");
    expect(requests[0]?.headers.get("authorization")).toBeNull();
  });

  it("sends an access token as a bearer token, fills path parameters and encodes query parameters", async () => {
    const { fetch, requests } = recordingFetch(200, {
      items: [],
      nextCursor: null,
      total: 0,
      count: 0,
      cached: false,
    });
    const client = createChainwatchClient({ baseUrl: "http://gateway.test", accessToken: "a.b.c", fetch });
    await client.GET("/api/v1/anomalies", { params: { query: { limit: 5, severity: "high,critical" } } });
    await client.GET("/api/v1/transactions/{hash}", { params: { path: { hash: `0x${"ab".repeat(32)}` } } });
    expect(requests.map((request) => new URL(request.url).pathname + new URL(request.url).search)).toEqual([
      "/api/v1/anomalies?limit=5&severity=high%2Ccritical",
      `/api/v1/transactions/0x${"ab".repeat(32)}`,
    ]);
    expect(requests.every((request) => request.headers.get("authorization") === "Bearer a.b.c")).toBe(true);
  });

  it("returns the error body of a refusal instead of throwing, and keeps a per-call credential", async () => {
    const refusal = { code: "FORBIDDEN", message: "role viewer may not do this", requestId: "r1" };
    const { fetch, requests } = recordingFetch(403, refusal);
    const client = createChainwatchClient({ baseUrl: "http://gateway.test", apiKey: "cw_viewer", fetch });
    const { data, error, response } = await client.POST("/api/v1/predict", {
      body: { hash: `0x${"cd".repeat(32)}`, value: 1, gas: 21_000, gasPrice: 20 },
      headers: { "x-api-key": "cw_other" },
    });
    expect(data).toBeUndefined();
    expect(response.status).toBe(403);
    expect(error).toEqual(refusal);
    expect(requests[0]?.headers.get("x-api-key")).toBe("cw_other");
    expect(requests[0]?.headers.get("content-type")).toBe("application/json");
  });

  it("refuses two credentials at once", () => {
    expect(() =>
      createChainwatchClient({ baseUrl: "http://gateway.test", apiKey: "k", accessToken: "t" }),
    ).toThrow(/apiKey or accessToken/);
  });
});
