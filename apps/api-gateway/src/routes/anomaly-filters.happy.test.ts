import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../testing/security-helpers.ts";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const ALICE = `0x${"a1".repeat(20)}`;
const BOB = `0x${"b2".repeat(20)}`;
const CAROL = `0x${"c3".repeat(20)}`;

const reason = (kind: string, code: string, suppressed = false) => ({
  kind,
  code,
  message: code,
  surprise: 1,
  data: {},
  ...(suppressed ? { suppressed: true } : {}),
});

/** Four stored anomalies, oldest first, each named by the letter ending its hash. */
const SET = [
  { name: "a", from: ALICE, to: BOB, level: "high", reasons: [reason("model", "model_outlier")] },
  { name: "b", from: BOB, to: CAROL, level: "critical", reasons: [reason("label", "deny_listed_recipient")] },
  { name: "c", from: CAROL, to: null, level: "medium", reasons: [reason("context", "sender_burst", true)] },
  { name: "d", from: CAROL, to: ALICE, level: "high", reasons: [reason("context", "sender_burst")] },
];
const hashOf = (name: string) => `0x${name.padStart(64, "0")}`;

describe("GET /api/v1/anomalies filters", () => {
  let app: TestGateway;
  let database: Database;
  let viewer: { "x-api-key": string };
  let admin: { "x-api-key": string };

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({}, { database });
    viewer = { "x-api-key": await createKey(app, "viewer") };
    admin = { "x-api-key": await createKey(app, "admin") };
    for (const [index, item] of SET.entries()) {
      await database.query(
        `INSERT INTO transactions (hash, from_address, to_address, value_wei, gas, gas_price_wei, input_size)
         VALUES ($1, $2, $3, 0, 21000, 1, 0)`,
        [hashOf(item.name), item.from, item.to],
      );
      await database.query(
        `INSERT INTO anomalies (tx_hash, model_version, anomaly_score, severity, confidence, risk_score, risk_level,
           reasons, detected_at)
         VALUES ($1, 'test', 0.5, 'high', 0.9, 0.6, $2, $3::jsonb, $4)`,
        [hashOf(item.name), item.level, JSON.stringify(item.reasons), `2025-01-01T0${index}:00:00Z`],
      );
    }
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  const names = async (query: string) => {
    const response = await app.send(`/api/v1/anomalies?${query}`, { headers: viewer });
    expect(response.status).toBe(200);
    const page = response.json as { items: { txHash: string }[]; total: number };
    return `${page.items.map((item) => item.txHash.slice(-1)).join("")} of ${page.total}`;
  };

  it("by address (any case), reason code and kind, level and review state", async () => {
    expect(await names(`address=${ALICE.toUpperCase().replace("0X", "0x")}`)).toBe("da of 2");
    expect(await names("reasonCode=sender_burst")).toBe("d of 1");
    expect(await names("reasonKind=label")).toBe("b of 1");
    expect(await names("level=high,critical")).toBe("dba of 3");
    expect(await names(`level=high&address=${CAROL}`)).toBe("d of 1");
    expect(await names("reviewed=false")).toBe("dcba of 4");
    expect(await names("reviewed=true")).toBe(" of 0");
  });

  it("by screening list, reading label changes at once (not from the page cache)", async () => {
    expect(await names("listId=desk")).toBe(" of 0");
    const list = await app.send("/api/v1/lists/desk", {
      method: "PUT",
      headers: admin,
      body: { name: "Desk", kind: "watch" },
    });
    expect(list.status).toBe(201);
    const label = await app.send("/api/v1/lists/desk/labels", {
      method: "POST",
      headers: admin,
      body: { address: BOB, category: "exchange" },
    });
    expect(label.status).toBe(201);
    expect(await names("listId=desk")).toBe("ba of 2");
  });
});
