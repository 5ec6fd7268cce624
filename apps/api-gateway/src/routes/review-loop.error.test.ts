import { createPgliteDatabase, type Database } from "@chainwatch/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestGateway, type TestGateway } from "../testing/test-gateway.ts";

const REQUEST_ID = expect.any(String);
const SENDER = `0x${"c1".repeat(20)}`;

interface ErrorAnswer {
  code: string;
  message: string;
  requestId: string;
  details?: { issues?: { path: string; message: string }[] };
}

/** The review loop's endpoints refuse bad input with 400 naming the field, unknown ids with 404: never 500. */
describe("review loop API: bad input and unknown ids", () => {
  let app: TestGateway;
  let database: Database;
  let anomalyId = "";
  let creationId = "";

  beforeAll(async () => {
    database = await createPgliteDatabase();
    app = await startTestGateway({}, { database });
    // Two stored anomalies: a transfer, and a contract creation (no recipient to act on).
    for (const [index, to] of [`0x${"c2".repeat(20)}`, null].entries()) {
      const txHash = `0x${(0xe0000 + index).toString(16).padStart(64, "0")}`;
      await database.query(
        `INSERT INTO transactions (hash, from_address, to_address, value_wei, gas, gas_price_wei, input_size)
         VALUES ($1, $2, $3, 0, 21000, 1, 0)`,
        [txHash, SENDER, to],
      );
      const { rows } = await database.query<{ id: string }>(
        `INSERT INTO anomalies (tx_hash, model_version, anomaly_score, severity, confidence, reasons)
         VALUES ($1, 'test', 0.5, 'high', 0.9, '[]') RETURNING id::text AS id`,
        [txHash],
      );
      if (index === 0) anomalyId = rows[0]?.id ?? "";
      else creationId = rows[0]?.id ?? "";
    }
  });
  afterAll(async () => {
    await app.stop();
    await database.close();
  });

  const issuesOf = (answer: { json?: unknown }) =>
    ((answer.json as ErrorAnswer).details?.issues ?? []).map((issue) => issue.path);
  const review = (id: string, body: unknown) =>
    app.send(`/api/v1/anomalies/${id}/review`, { method: "POST", body });
  const suppress = { type: "suppress", party: "from", reasonCode: "sender_burst", days: 7, reason: "bot" };

  it("refuses a bad effect with 400 naming the field, and writes nothing", async () => {
    const cases = [
      [{ falsePositive: false, effect: suppress }, "effect"],
      [{ falsePositive: true, effect: { ...suppress, reasonCode: "deny_listed" } }, "effect.reasonCode"],
      [{ falsePositive: true, effect: { ...suppress, reasonCode: "allow_listed" } }, "effect.reasonCode"],
      [{ falsePositive: true, effect: { ...suppress, days: 0 } }, "effect.days"],
      [{ falsePositive: true, effect: { ...suppress, days: 366 } }, "effect.days"],
      [{ falsePositive: true, effect: { ...suppress, days: 1.5 } }, "effect.days"],
      [{ falsePositive: true, effect: { ...suppress, reason: "" } }, "effect.reason"],
      [{ falsePositive: true, effect: { ...suppress, party: "both" } }, "effect.party"],
      [{ falsePositive: true, effect: { ...suppress, extra: 1 } }, "effect"],
      [{ falsePositive: true, effect: { type: "delete" } }, "effect.type"],
      [
        {
          falsePositive: true,
          effect: { type: "allowlist", party: "to", days: 1, reason: "x", listId: "Bad" },
        },
        "effect.listId",
      ],
      [
        {
          falsePositive: true,
          effect: { type: "allowlist", party: "to", days: 1, reason: "x", category: "evil" },
        },
        "effect.category",
      ],
    ] as const;
    for (const [body, field] of cases) {
      const answer = await review(anomalyId, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect((answer.json as ErrorAnswer).code).toBe("VALIDATION_ERROR");
      expect(issuesOf(answer), JSON.stringify(body)).toContain(field);
    }
    const { rows } = await database.query<{ reviewed: boolean; n: string }>(
      "SELECT (SELECT reviewed FROM anomalies WHERE id = $1::bigint) AS reviewed, (SELECT count(*)::text FROM reason_suppressions) AS n",
      [anomalyId],
    );
    expect(rows[0]).toEqual({ reviewed: false, n: "0" });
  });

  it("refuses an effect on a missing recipient, a deny list, and an unknown list; 404 for an unknown anomaly", async () => {
    const noRecipient = await review(creationId, {
      falsePositive: true,
      effect: { ...suppress, party: "to" },
    });
    expect(noRecipient.status).toBe(400);
    expect(noRecipient.json).toEqual({
      code: "VALIDATION_ERROR",
      message: "the anomaly's transaction has no recipient",
      requestId: REQUEST_ID,
      details: { field: "effect.party" },
    });
    await app.send("/api/v1/lists/errors-deny", { method: "PUT", body: { name: "Deny", kind: "deny" } });
    const allow = { type: "allowlist", party: "from", days: 1, reason: "x" };
    const denyList = await review(anomalyId, {
      falsePositive: true,
      effect: { ...allow, listId: "errors-deny" },
    });
    expect(denyList.status).toBe(400);
    expect((denyList.json as ErrorAnswer).message).toBe("list errors-deny is a deny list, not an allow list");
    const unknownList = await review(anomalyId, {
      falsePositive: true,
      effect: { ...allow, listId: "no-such" },
    });
    expect(unknownList.status).toBe(404);
    expect((unknownList.json as ErrorAnswer).code).toBe("LABEL_LIST_NOT_FOUND");
    const unknown = await review("987654321", { falsePositive: true, effect: suppress });
    expect(unknown.status).toBe(404);
    expect((unknown.json as ErrorAnswer).code).toBe("NOT_FOUND");
  });

  it("refuses bad suppression queries and ids; 404 revoking one that does not exist", async () => {
    for (const [query, field] of [
      ["status=gone", "status"],
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["address=0x12", "address"],
      ["cursor=%21%21", "cursor"],
      ["other=1", ""],
    ] as const) {
      const answer = await app.send(`/api/v1/suppressions?${query}`);
      expect(answer.status, query).toBe(400);
      if (field && field !== "cursor") expect(issuesOf(answer), query).toEqual([field]);
    }
    const badId = await app.send("/api/v1/suppressions/abc/revoke", { method: "POST", body: {} });
    expect(badId.status).toBe(400);
    expect(issuesOf(badId)).toEqual(["id"]);
    const badBody = await app.send("/api/v1/suppressions/1/revoke", { method: "POST", body: { reason: 5 } });
    expect(badBody.status).toBe(400);
    expect(issuesOf(badBody)).toEqual(["reason"]);
    const missing = await app.send("/api/v1/suppressions/424242/revoke", { method: "POST", body: {} });
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({
      code: "NOT_FOUND",
      message: "no suppression 424242",
      requestId: REQUEST_ID,
    });
  });

  it("refuses a bad stats window: malformed, reversed, or longer than 366 days", async () => {
    for (const [query, field] of [
      ["since=yesterday", "since"],
      ["until=2026-02-30T00:00:00Z", "until"],
      ["since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z", "since"],
      ["since=2024-01-01T00:00:00Z&until=2026-01-01T00:00:00Z", "since"],
      ["window=7", ""],
    ] as const) {
      const answer = await app.send(`/api/v1/anomalies/review-stats?${query}`);
      expect(answer.status, query).toBe(400);
      expect((answer.json as ErrorAnswer).code).toBe("VALIDATION_ERROR");
      // A malformed instant fails its format and its range check: one field, named twice.
      if (field) expect([...new Set(issuesOf(answer))], query).toEqual([field]);
    }
  });

  it("refuses a bad re-screen request, and answers 404 for an unknown job", async () => {
    for (const [body, field] of [
      [{ days: 0 }, "days"],
      [{ days: 91 }, "days"],
      [{ days: "7" }, "days"],
      [{ windowDays: 7 }, ""],
    ] as const) {
      const answer = await app.send(`/api/v1/addresses/${SENDER}/rescreen`, { method: "POST", body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      if (field) expect(issuesOf(answer)).toEqual([field]);
    }
    const badAddress = await app.send("/api/v1/addresses/0x12/rescreen", { method: "POST", body: {} });
    expect(badAddress.status).toBe(400);
    expect(issuesOf(badAddress)).toEqual(["address"]);
    const unknown = await app.send("/api/v1/rescreen-jobs/00000000-0000-0000-0000-000000000000");
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({
      code: "NOT_FOUND",
      message: "no such rescreen job on this instance",
      requestId: REQUEST_ID,
    });
  });
});
