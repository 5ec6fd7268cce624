import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

describe("GET /api/v1/anomalies filters: bad input", () => {
  let app: TestGateway;
  let viewer: { "x-api-key": string };

  beforeAll(async () => {
    app = await startTestGateway();
    viewer = { "x-api-key": await createKey(app, "viewer") };
  });
  afterAll(async () => {
    await app.stop();
  });

  it.each([
    ["address=0x1234", "address must be 0x and 40 hex digits"],
    [`address=0x${"g".repeat(40)}`, "address must be 0x and 40 hex digits"],
    ["reasonCode=Sender-Burst", "reasonCode must be a reason code (lower case, digits, _)"],
    ["reasonCode=x'%20OR%201=1", "reasonCode must be a reason code (lower case, digits, _)"],
    ["reasonKind=weird", "reasonKind must be one of: model, context, label, rule"],
    ["listId=Desk%20List", "listId must be a screening list id"],
    ["reviewed=yes", "reviewed must be true or false"],
    ["level=severe", "level must be one of: low, medium, high, critical"],
  ])("%s → 400 naming the parameter", async (query, message) => {
    const response = await app.send(`/api/v1/anomalies?${query}`, { headers: viewer });
    expect(response.status).toBe(400);
    const body = response.json as { code: string; message: string; requestId: string; details?: unknown };
    expect(body.code).toBe("VALIDATION_ERROR");
    expect(body.requestId).toMatch(/\S{8,}/);
    expect(JSON.stringify(body)).toContain(message);
  });
});
