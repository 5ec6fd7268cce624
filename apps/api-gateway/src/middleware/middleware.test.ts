import { afterEach, describe, expect, it } from "vitest";
import { simpleTransaction, startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

describe("middleware stack", () => {
  let app: TestGateway | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it("answers 429 JSON with Retry-After and rate-limit headers after RPM + burst, and never limits health", async () => {
    app = await startTestGateway({
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_RPM: "3",
      RATE_LIMIT_BURST: "2",
    });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<TestGateway["send"]>> | undefined;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      last = await app.send("/api/v1/predict", { method: "POST", body: simpleTransaction(attempt) });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(last?.json).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(last?.headers["retry-after"])).toBeGreaterThan(0);
    // IETF draft-7 headers only; the legacy X-RateLimit-* trio is not sent.
    expect(String(last?.headers.ratelimit)).toMatch(/^limit=5, remaining=0, reset=\d+$/);
    expect(last?.headers["ratelimit-policy"]).toBe("5;w=60");
    expect(last?.headers["x-ratelimit-limit"]).toBeUndefined();
    for (let attempt = 0; attempt < 10; attempt += 1)
      expect((await app.send("/health/live")).status).toBe(200);
    expect((await app.send("/metrics")).status).toBe(200);
  });

  it("charges each request to its endpoint's tier: login, batch and default each refuse after their own limit", async () => {
    app = await startTestGateway({
      ENABLE_RATE_LIMITING: "true",
      RATE_LIMIT_LOGIN_RPM: "2",
      RATE_LIMIT_BATCH_RPM: "3",
      RATE_LIMIT_RPM: "4",
      RATE_LIMIT_BURST: "1",
    });
    const gateway = app;
    const run = async (count: number, request: () => ReturnType<TestGateway["send"]>) => {
      const responses = [];
      for (let attempt = 0; attempt < count; attempt += 1) responses.push(await request());
      return responses;
    };
    const tierOf = (response: { json: unknown }) =>
      (response.json as { details?: { tier?: string } }).details?.tier;

    const login = await run(3, () =>
      gateway.send("/api/v1/auth/login", {
        method: "POST",
        anonymous: true,
        body: { email: "nobody@example.com", password: "not-the-password" },
      }),
    );
    expect(login.map((response) => response.status)).toEqual([401, 401, 429]);
    expect(tierOf(login[2] ?? { json: {} })).toBe("login");
    expect(login[0]?.headers["ratelimit-policy"]).toBe("2;w=60");
    // refresh and register share the login tier; another spelling of login matches no route and is charged
    // to the default tier (it used to escape the login limit).
    const refresh = await gateway.send("/api/v1/auth/refresh", {
      method: "POST",
      anonymous: true,
      body: { refreshToken: "x".repeat(40) },
    });
    expect(refresh.status).toBe(429);
    const oddSpelling = await gateway.send("/api/v1/auth/Login", {
      method: "POST",
      anonymous: true,
      body: {},
    });
    expect(oddSpelling.status).toBe(401);
    expect(oddSpelling.headers["ratelimit-policy"]).toBe("5;w=60");

    const batch = await run(4, () =>
      gateway.send("/api/v1/batch/predict", {
        method: "POST",
        body: { transactions: [simpleTransaction(1)] },
      }),
    );
    expect(batch.map((response) => response.status)).toEqual([200, 200, 200, 429]);
    expect(tierOf(batch[3] ?? { json: {} })).toBe("batch");

    // The same principal's default counter was not touched by its batch requests.
    const reads = await run(6, () => gateway.send("/api/v1/auth/me"));
    expect(reads.map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(tierOf(reads[5] ?? { json: {} })).toBe("default");
  });

  it("gzips a large batch response and leaves a small one uncompressed", async () => {
    app = await startTestGateway();
    const transactions = Array.from({ length: 200 }, (_, index) => simpleTransaction(index));
    const large = await app.send("/api/v1/batch/predict", {
      method: "POST",
      body: { transactions },
      headers: { "accept-encoding": "gzip" },
    });
    expect(large.status).toBe(200);
    expect(large.headers["content-encoding"]).toBe("gzip");
    expect(large.raw.length).toBeLessThan(Buffer.byteLength(large.text) / 3);
    const small = await app.send("/health/live", { headers: { "accept-encoding": "gzip" } });
    expect(small.headers["content-encoding"]).toBeUndefined();
  });

  it("counts requests by normalised route and lists every metric family on /metrics", async () => {
    app = await startTestGateway({ SLOW_REQUEST_THRESHOLD: "0.000001" });
    await app.send("/api/v1/predict", { method: "POST", body: simpleTransaction(1) });
    await app.send("/api/v1/predict", { method: "POST", body: { bad: true } });
    await app.send(`/api/v1/unknown/${"f".repeat(64)}`);
    // Refusals are counted under the route they were for, not "unmatched".
    await app.send("/api/v1/predict", { method: "POST", body: simpleTransaction(2), anonymous: true });
    await app.send(`/api/v1/transactions/0x${"e".repeat(64)}`, { headers: { "x-api-key": "cw_not_a_key" } });
    const metrics = (await app.send("/metrics")).text;
    for (const name of [
      "http_requests_total",
      "http_request_duration_seconds",
      "http_requests_in_progress",
      "http_request_size_bytes",
      "http_response_size_bytes",
      "http_errors_total",
      "slow_requests_total",
      "transactions_scored_total",
      "anomalies_detected_total",
      "model_inference_duration_seconds",
      "cache_hits_total",
      "cache_misses_total",
      "cache_hit_rate",
      "cache_operation_duration_seconds",
      "cache_size_bytes",
      "cache_evictions_total",
      "cache_errors_total",
      "rate_limit_store_errors_total",
      "dependency_up",
      "model_active_version_info",
      "store_write_queue_depth",
      "store_write_queue_dropped_total",
    ]) {
      expect(metrics).toContain(`# TYPE ${name} `);
    }
    expect(metrics).toMatch(
      /http_requests_total\{method="POST",route="\/api\/v1\/predict",status="200"[^}]*\} 1/,
    );
    expect(metrics).toMatch(/http_errors_total\{[^}]*code="VALIDATION_ERROR"[^}]*\} 1/);
    expect(metrics).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"/);
    expect(metrics).toMatch(
      /http_requests_total\{method="POST",route="\/api\/v1\/predict",status="401"[^}]*\} 1/,
    );
    expect(metrics).toMatch(
      /http_requests_total\{method="GET",route="\/api\/v1\/transactions\/:hash",status="401"[^}]*\} 1/,
    );
    expect(metrics).not.toContain("f".repeat(64));
    expect(metrics).toMatch(/dependency_up\{[^}]*dependency="database"[^}]*\} 1/);
    expect(metrics).toMatch(/model_active_version_info\{[^}]*role="active"[^}]*\} 1/);
    expect(metrics).toMatch(/transactions_scored_total\{[^}]*\} 1/);
    expect(
      app.logLines().some((line) => line.msg === "slow request" && typeof line.requestId === "string"),
    ).toBe(true);
  });

  it("sends security headers and CORS only for configured origins", async () => {
    app = await startTestGateway({ CORS_ORIGINS: "https://console.example" });
    const allowed = await app.send("/health/live", { headers: { origin: "https://console.example" } });
    expect(allowed.headers["access-control-allow-origin"]).toBe("https://console.example");
    expect(allowed.headers["x-content-type-options"]).toBe("nosniff");
    expect(allowed.headers["x-powered-by"]).toBeUndefined();
    const other = await app.send("/health/live", { headers: { origin: "https://evil.example" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
    const preflight = await app.send("/api/v1/predict", {
      method: "OPTIONS",
      headers: { origin: "https://console.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
  });
});
