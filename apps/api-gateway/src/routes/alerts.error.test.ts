import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

describe("alerts API: errors", () => {
  let app: TestGateway;
  let database: Database;
  beforeAll(async () => {
    database = await createPgliteDatabase();
    // Neither ALERT_SECRET_KEY nor private targets: the production defaults.
    app = await startTestGateway({}, { database });
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  const post = (path: string, body: unknown) => app.send(path, { method: "POST", body });
  const codeOf = (json: unknown) => (json as { code: string }).code;

  it.each([
    ["loopback", "http://127.0.0.1:9000/hook"],
    ["localhost", "http://localhost:9000/hook"],
    ["cloud metadata", "http://169.254.169.254/latest/meta-data"],
    ["private network", "http://10.0.0.8/hook"],
    ["IPv6 loopback", "http://[::1]:9000/hook"],
  ])("refuses an SSRF target (%s) with 400 DESTINATION_TARGET_REFUSED", async (_name, url) => {
    const response = await post("/api/v1/alerts/destinations", { kind: "slack", name: "x", url });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({
      code: "DESTINATION_TARGET_REFUSED",
      requestId: expect.any(String),
    });
  });

  it("refuses a webhook without ALERT_SECRET_KEY (409): its secret could not be stored encrypted", async () => {
    const response = await post("/api/v1/alerts/destinations", {
      kind: "webhook",
      name: "x",
      url: "https://93.184.216.34/hook",
    });
    expect(response.status).toBe(409);
    expect(codeOf(response.json)).toBe("ALERT_SECRET_KEY_MISSING");
  });

  it("refuses a Slack destination without ALERT_SECRET_KEY (409): its URL is a credential, stored sealed", async () => {
    const response = await post("/api/v1/alerts/destinations", {
      kind: "slack",
      name: "x",
      url: "https://93.184.216.34/services/T0/B0/secret",
    });
    expect(response.status).toBe(409);
    expect(codeOf(response.json)).toBe("ALERT_SECRET_KEY_MISSING");
  });

  it.each([
    ["no kind", { name: "x", url: "https://example.com/" }],
    ["unknown kind", { kind: "email", name: "x" }],
    ["log with a URL", { kind: "log", name: "x", url: "https://example.com/" }],
    ["ftp URL", { kind: "slack", name: "x", url: "ftp://example.com/" }],
    ["empty name", { kind: "log", name: " " }],
    ["bad level", { kind: "log", name: "x", policy: { minLevel: "severe" } }],
    ["bad address", { kind: "log", name: "x", policy: { addresses: ["0x12"] } }],
    ["mute of nothing", { kind: "log", name: "x", policy: { mutes: [{ until: "2030-01-01T00:00:00Z" }] } }],
    ["cap of zero", { kind: "log", name: "x", policy: { rateCap: { maxPerWindow: 0, windowSeconds: 60 } } }],
    ["array body", []],
  ])("answers 400 VALIDATION_ERROR to a bad destination (%s)", async (_name, body) => {
    const response = await post("/api/v1/alerts/destinations", body);
    expect(response.status).toBe(400);
    expect(codeOf(response.json)).toBe("VALIDATION_ERROR");
  });

  it("answers 404 for an unknown destination and 400 for a malformed id", async () => {
    const unknown = "dst_AAAAAAAAAAAAAAAA";
    expect((await app.send(`/api/v1/alerts/destinations/${unknown}`, { method: "DELETE" })).status).toBe(404);
    expect((await post(`/api/v1/alerts/destinations/${unknown}/test`, {})).status).toBe(404);
    const update = await app.send(`/api/v1/alerts/destinations/${unknown}`, {
      method: "PUT",
      body: { name: "y" },
    });
    expect(update.status).toBe(404);
    const malformed = await app.send("/api/v1/alerts/destinations/nope", { method: "DELETE" });
    expect(malformed.status).toBe(400);
    expect(codeOf(malformed.json)).toBe("VALIDATION_ERROR");
  });

  it("refuses an empty update, a URL on a log destination, and bad dead-letter queries", async () => {
    const created = await post("/api/v1/alerts/destinations", { kind: "log", name: "log" });
    const id = (created.json as { destination: { id: string } }).destination.id;
    expect((await app.send(`/api/v1/alerts/destinations/${id}`, { method: "PUT", body: {} })).status).toBe(
      400,
    );
    const url = await app.send(`/api/v1/alerts/destinations/${id}`, {
      method: "PUT",
      body: { url: "https://example.com/" },
    });
    expect(url.status).toBe(400);
    expect((await app.send("/api/v1/alerts/dead-letters?limit=0")).status).toBe(400);
    expect((await app.send("/api/v1/alerts/dead-letters?after=x")).status).toBe(400);
    for (const query of ["status=lost", "limit=201", "before=1;2", "destinationId=nope", "unknown=1"]) {
      const response = await app.send(`/api/v1/alerts/deliveries?${query}`);
      expect(response.status, query).toBe(400);
      expect((response.json as { code: string }).code, query).toBe("VALIDATION_ERROR");
    }
    expect((await post("/api/v1/alerts/dead-letters/redeliver", {})).status).toBe(400);
    expect((await post("/api/v1/alerts/dead-letters/redeliver", { ids: ["1; drop"] })).status).toBe(400);
  });
});
