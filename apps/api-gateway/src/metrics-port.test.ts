import { freePort } from "@chainwatch/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "./testing/test-gateway.ts";

describe("METRICS_PORT", () => {
  let metricsPort: number;
  let app: TestGateway;
  beforeAll(async () => {
    metricsPort = await freePort();
    app = await startTestGateway({ METRICS_PORT: String(metricsPort) });
  });
  afterAll(() => app.stop());

  it("serves /metrics on the internal port and not on the public one", async () => {
    const internal = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(internal.status).toBe(200);
    expect(await internal.text()).toContain("# TYPE http_requests_total counter");
    expect((await app.send("/metrics", { anonymous: true })).status).toBe(401);
    expect((await app.send("/metrics")).status).toBe(404);
    expect((await app.send("/health/live", { anonymous: true })).status).toBe(200);
  });
});
